"""The Kubernetes documents that connect Keycloak to Aurora, rendered from `templates/`.

The HA guide ends with "Connecting Aurora database with Keycloak": set the Keycloak CR's
`spec.db.url` to `jdbc:aws-wrapper:postgresql://$HOST:5432/keycloak` and point
`spec.db.usernameSecret` / `passwordSecret` at a Secret holding the Aurora credentials.
This module renders, one function per document:

* `db_patch`: that merge patch for the Keycloak CR (`k8s.keycloak.org/v2alpha1`); with
  `keycloak.credentials: iam` (the default) the URL enables the wrapper's `iam` plugin,
  the CR names only the user, and the pods run as the ServiceAccount of their role;
* `secret_store` and `external_secret`: the External Secrets Operator documents that keep
  the Secret in step with the RDS-managed master secret (`keycloak.credentials:
  external-secrets`).

Each function renders its Jinja2 template (StrictUndefined: a missing input is an error),
parses the result back with PyYAML and checks kind, apiVersion and required fields before
returning it, so nothing malformed is ever written or applied. The same functions feed the
render command (files) and the `keycloak-<name>` stacks (`kubernetes_manifest` bodies):
the templates are the one source of truth for each document's shape.

Every interpolated value goes through the `yaml_scalar` filter (rendering fails if one
does not), which writes strings double-quoted: a database named `yes`, `0123`, `null`
or `1e3` stays a string.
"""

from __future__ import annotations

import functools
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from modules.config import KeycloakSpec
from modules.naming import DB_USERNAME_SECRET, SECRETS_READER_SERVICE_ACCOUNT
from modules.naming import jdbc_url as wrapper_url

#: The project's `templates/` directory.
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

#: The Keycloak CR's API version (Keycloak Operator 26, `keycloaks.k8s.keycloak.org`).
KEYCLOAK_API_VERSION = "k8s.keycloak.org/v2alpha1"
#: External Secrets Operator API version of SecretStore and ExternalSecret: served since
#: ESO 0.16; ESO 0.17 (May 2025) stopped serving the older `v1beta1`.
ESO_API_VERSION = "external-secrets.io/v1"
#: The AWS Advanced JDBC Wrapper's default plugins (wrapper 3.0.0 to 4.4.0,
#: `ConnectionPluginChainBuilder.DEFAULT_PLUGINS`). Setting `wrapperPlugins` REPLACES the
#: defaults, so the `iam` URL repeats them: without `failover2` a failover leaves Keycloak
#: on a dead writer (Keycloak's database guide; keycloak#52636).
WRAPPER_DEFAULT_PLUGINS = ("initialConnection", "auroraConnectionTracker", "failover2", "efm2")
#: The SecretStore's name (one per Keycloak namespace).
STORE_NAME = "aurora-secrets-manager"
#: The SecretStore's IRSA service account: the `keycloak-<name>` stack annotates it with
#: the `access-<name>` stack's role, allowed secretsmanager:GetSecretValue on the master
#: secret and kms:Decrypt on its key.
STORE_SERVICE_ACCOUNT = SECRETS_READER_SERVICE_ACCOUNT


class RenderError(ValueError):
    """A rendered document failed its checks (or a template misused an input)."""


@dataclass(frozen=True)
class DatabaseEndpoint:
    """Where Keycloak connects: the Aurora writer, from the `aurora` stack's outputs, and
    the region (`aurora.region`) IAM tokens are signed for."""

    writer_endpoint: str
    port: int
    database_name: str
    region: str


@dataclass(frozen=True)
class RenderedDocument:
    """A rendered document: `filename` to write it as, its `text`, and `document`, the
    text parsed back (a `kubernetes_manifest` body)."""

    filename: str
    text: str
    document: dict[str, Any]


# --- YAML-safe interpolation -------------------------------------------------------


class _Scalar(str):
    """Text that `yaml_scalar` produced; the only kind of value a template may emit."""


def _escape(char: str) -> str:
    code = ord(char)
    if char in '"\\':
        return "\\" + char
    if 0x20 <= code <= 0x7E:
        return char
    # Printable non-ASCII stays as is, except what YAML reads as a line break
    # (U+2028, U+2029; U+0085 is below 0xA0) or a byte order mark (U+FEFF).
    if (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029)) or (
        0xE000 <= code <= 0xFFFD and code != 0xFEFF
    ) or code > 0xFFFF:
        return char
    return f"\\u{code:04X}"  # JSON and YAML agree on this escape


def yaml_scalar(value: Any) -> _Scalar:
    """`value` as a YAML scalar that reads back as exactly `value`.

    Strings are double-quoted with JSON-compatible escapes (a JSON string is valid YAML),
    so `yes`, `on`, `0123`, `1e3`, `null`, `~` and `a: b` stay strings; ints and bools are
    written plainly. Anything else is refused.
    """
    if isinstance(value, bool):
        return _Scalar("true" if value else "false")
    if isinstance(value, int):
        return _Scalar(str(value))
    if isinstance(value, str):
        return _Scalar('"' + "".join(map(_escape, value)) + '"')
    raise RenderError(f"cannot write {type(value).__name__} {value!r} as a YAML scalar")


def _only_scalars(value: Any) -> Any:
    # Jinja's `finalize` sees every {{ ... }} result: refuse one that skipped yaml_scalar.
    if not isinstance(value, _Scalar):
        raise RenderError(f"template interpolates {value!r} without '| yaml_scalar'")
    return value


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_only_scalars,
    )
    env.filters["yaml_scalar"] = yaml_scalar
    return env


# --- parse back and check ----------------------------------------------------------


def _lookup(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


def _checked(template: str, text: str, *, kind: str, api_version: str, required: tuple[str, ...]) -> dict[str, Any]:
    """`text` parsed as one YAML mapping with the given kind and apiVersion, in which every
    dotted path of `required` holds a non-empty value."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as err:
        raise RenderError(f"{template} rendered invalid YAML: {err}") from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise RenderError(f"{template} must render exactly one mapping, got {len(documents)} document(s)")
    document = documents[0]
    problems = []
    if document.get("apiVersion") != api_version:
        problems.append(f"apiVersion is {document.get('apiVersion')!r}, expected {api_version!r}")
    if document.get("kind") != kind:
        problems.append(f"kind is {document.get('kind')!r}, expected {kind!r}")
    for path in required:
        if _lookup(document, path) in (None, "", [], {}):
            problems.append(f"{path} is missing or empty")
    if problems:
        raise RenderError(f"{template} rendered a bad {kind}: " + "; ".join(problems))
    return document


def _render(template: str, **inputs: Any) -> str:
    try:
        return _environment().get_template(template).render(**inputs)
    except jinja2.UndefinedError as err:
        raise RenderError(f"{template}: {err}") from None


# --- the documents -----------------------------------------------------------------


def jdbc_url(database: DatabaseEndpoint, keycloak: KeycloakSpec) -> str:
    """`jdbc:aws-wrapper:postgresql://<writer>:<port>/<db>` (the guide's `spec.db.url`).

    With `credentials: iam` it adds `wrapperPlugins=<the wrapper's defaults>,iam` (the
    defaults kept, failover among them) and `iamRegion=<region>`. With TLS verified
    (`keycloak.verify_tls`: always with `iam`, else `keycloak.tls`, off as in the guide)
    it adds `sslmode=verify-full&sslrootcert=<keycloak.tls_ca_path>`: the server
    certificate must chain to the RDS CA bundle at that path in the Keycloak pod and name
    the writer. Without it the driver still negotiates TLS (the cluster's parameter group
    sets `rds.force_ssl`), but does not verify the server.
    """
    parameters = {}
    if keycloak.credentials == "iam":
        parameters = {"wrapperPlugins": ",".join((*WRAPPER_DEFAULT_PLUGINS, "iam")), "iamRegion": database.region}
    if keycloak.verify_tls:
        # pgjdbc URL-decodes parameter values: encode the path, keeping its slashes.
        parameters |= {"sslmode": "verify-full", "sslrootcert": urllib.parse.quote(keycloak.tls_ca_path, safe="/")}
    return wrapper_url(database.writer_endpoint, database.port, database.database_name, parameters)


def db_patch(keycloak: KeycloakSpec, database: DatabaseEndpoint) -> RenderedDocument:
    """Merge patch for Keycloak CR `keycloak.cr_name` in `keycloak.namespace`.

    Sets `spec.db` (vendor postgres, the wrapper URL, pool sizes only where configured)
    and `spec.transaction.xaEnabled: false` (the wrapper does not support XA). The
    credentials, by `keycloak.credentials`:

    * `iam`: `usernameSecret` = Secret `DB_USERNAME_SECRET` (key `username`, the user name
      only), `passwordSecret: null` (a merge patch removes what an earlier patch set; the
      wrapper's `iam` plugin sets the password to a fresh token on every connection), and
      `spec.unsupported.podTemplate.spec.serviceAccountName` = `keycloak.service_account`,
      whose role signs the tokens (Keycloak 26's CR has no supported field for it);
    * `copy`, `external-secrets`: both from Secret `keycloak.secret_name`, keys `username`
      and `password`.

    `db-driver` is not set: it is a build-time option (`kc.sh build --db-driver=...`,
    `images/keycloak/Containerfile`); the operator starts custom images optimized, where a
    run-time value is ignored. So the patch replaces no list of the CR.
    """
    template = "keycloak-db-patch.yaml.j2"
    iam = keycloak.credentials == "iam"
    text = _render(
        template, keycloak=keycloak, iam=iam, url=jdbc_url(database, keycloak), username_secret=DB_USERNAME_SECRET
    )
    credentials = (
        ("spec.db.usernameSecret.name", "spec.db.usernameSecret.key", "spec.unsupported.podTemplate.spec.serviceAccountName")
        if iam
        else ("spec.db.usernameSecret.name", "spec.db.usernameSecret.key", "spec.db.passwordSecret.name",
              "spec.db.passwordSecret.key")
    )
    document = _checked(
        template,
        text,
        kind="Keycloak",
        api_version=KEYCLOAK_API_VERSION,
        required=("metadata.name", "metadata.namespace", "spec.db.vendor", "spec.db.url", *credentials, "spec.transaction"),
    )
    if iam and (document["spec"]["db"].get("passwordSecret", "absent") is not None or "iam" not in document["spec"]["db"]["url"]):
        raise RenderError(f"{template} rendered a bad iam patch: it must enable the iam plugin and remove passwordSecret")
    return RenderedDocument("keycloak-db-patch.yaml", text, document)


def secret_store(keycloak: KeycloakSpec, *, region: str) -> RenderedDocument:
    """SecretStore `STORE_NAME` in `keycloak.namespace` for AWS Secrets Manager in `region`
    (the Aurora region, where RDS keeps the secret), authenticated through IRSA with
    service account `STORE_SERVICE_ACCOUNT`, so no long-lived key exists."""
    template = "secret-store.yaml.j2"
    text = _render(
        template,
        api_version=ESO_API_VERSION,
        name=STORE_NAME,
        namespace=keycloak.namespace,
        region=region,
        service_account=STORE_SERVICE_ACCOUNT,
    )
    document = _checked(
        template,
        text,
        kind="SecretStore",
        api_version=ESO_API_VERSION,
        required=(
            "metadata.name",
            "metadata.namespace",
            "spec.provider.aws.service",
            "spec.provider.aws.region",
            "spec.provider.aws.auth.jwt.serviceAccountRef.name",
        ),
    )
    return RenderedDocument("secret-store.yaml", text, document)


def external_secret(keycloak: KeycloakSpec, *, secret_arn: str, store_name: str = STORE_NAME) -> RenderedDocument:
    """ExternalSecret `keycloak.secret_name` in `keycloak.namespace`: Secret of the same
    name (`creationPolicy: Owner`) with keys `username` and `password`, the properties of
    the RDS-managed secret `secret_arn`, refreshed every `keycloak.refresh_interval`
    (default 1h) from SecretStore `store_name`.

    `secret_arn` may be a CDKTF token (the stacks pass the `aurora` stack's output).
    """
    template = "external-secret.yaml.j2"
    text = _render(template, api_version=ESO_API_VERSION, keycloak=keycloak, store_name=store_name, secret_arn=secret_arn)
    document = _checked(
        template,
        text,
        kind="ExternalSecret",
        api_version=ESO_API_VERSION,
        required=(
            "metadata.name",
            "metadata.namespace",
            "spec.refreshInterval",
            "spec.secretStoreRef.name",
            "spec.target.name",
            "spec.target.creationPolicy",
            "spec.data",
        ),
    )
    keys = sorted(entry.get("secretKey") for entry in document["spec"]["data"])
    if keys != ["password", "username"] or not all(entry["remoteRef"].get("key") for entry in document["spec"]["data"]):
        raise RenderError(f"{template} rendered a bad ExternalSecret: data must map username and password from the secret")
    return RenderedDocument("external-secret.yaml", text, document)
