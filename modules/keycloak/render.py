"""Render each ROSA cluster's Keycloak database patch from the deployed outputs.

    python -m modules.keycloak.render --outputs outputs.json [--config CONFIG] [--out-dir rendered] [--no-crd-check]

The guide's last step ("Connecting Aurora database with Keycloak") as files: for every
cluster in `rosa_clusters` but the retired ones, `<out-dir>/<cluster>/keycloak-db-patch.yaml` (a merge patch
for the Keycloak CR) and, with `keycloak.credentials: external-secrets`, the SecretStore
and ExternalSecret the `keycloak-<cluster>` stack applies, for review. It then prints the
`oc` and `kubectl` commands that apply each patch.

`--outputs` takes cdktf's outputs file, `terraform output -json` of the `aurora` stack,
or a directory of `<stack>.json` files (see `modules.keycloak.deployed_outputs`). `--config`
defaults to what `main.py` synthesizes: `$KEYCLOAK_AURORA_CONFIG`, else cdktf.json's
context `config`, else `config/example.yaml`. `--out-dir` defaults to `rendered/`.

Everything is rendered and checked before the first file is written: each patch is parsed
back, and merged into a minimal Keycloak CR it must satisfy the Keycloak operator's CRD
(`modules.keycloak.crd`, fetched once and pinned by its SHA-256; `--no-crd-check` skips it,
and when no copy can be had the command says so and goes on). A missing output, an invalid
config or a failed check prints one message and exits with status 2, writing nothing. No secret value is read or written; the patch only names the Secret (with
`credentials: iam`, a Secret holding the user name alone).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from modules.config import (
    ConfigError,
    DeploymentConfig,
    KubernetesAccess,
    RosaClusterSpec,
    command_config_path,
    load_config,
)
from modules.keycloak.crd import OPERATOR_VERSION, CrdUnavailable, crd_validator, patch_errors
from modules.keycloak.deployed_outputs import DeployedOutputs, OutputsError, load_outputs
from modules.keycloak.manifests import (
    DatabaseEndpoint,
    RenderedDocument,
    RenderError,
    db_patch,
    external_secret,
    secret_store,
)
from modules.naming import (
    AURORA_SECONDARY_STACK_ID,
    AURORA_STACK_ID,
    DB_USERNAME_SECRET,
    access_stack_id,
    keycloak_stack_id,
)

DEFAULT_OUT_DIR = "rendered"
#: Every file name this command may write in a cluster's directory (stale ones are removed).
RENDERED_FILES = ("keycloak-db-patch.yaml", "secret-store.yaml", "external-secret.yaml")


@dataclass(frozen=True)
class ClusterFiles:
    """What gets written for one ROSA cluster."""

    rosa: RosaClusterSpec
    directory: Path
    patch: RenderedDocument
    #: The SecretStore and ExternalSecret with `credentials: external-secrets`, else none.
    external_secrets: tuple[RenderedDocument, ...] = ()

    @property
    def documents(self) -> tuple[RenderedDocument, ...]:
        return (self.patch, *self.external_secrets)

    @property
    def patch_file(self) -> Path:
        return self.directory / self.patch.filename


def render_all(config: DeploymentConfig, outputs: DeployedOutputs, out_dir: Path) -> list[ClusterFiles]:
    """Every cluster's documents, rendered and checked; nothing is written."""
    keycloak = config.keycloak
    eso = keycloak.credentials == "external-secrets"
    # With a global database (`aurora.secondary`), the global writer endpoint: it names the
    # writer of whichever cluster is primary, so a switchover needs no new render. Once an
    # unplanned failover detached the secondary (`detached`), its own writer endpoint.
    secondary = config.aurora.secondary
    stack, writer, region = AURORA_STACK_ID, "writer_endpoint", config.aurora.region
    if secondary is not None:
        writer = "global_writer_endpoint"
        if secondary.detached:
            stack, writer, region = AURORA_SECONDARY_STACK_ID, "writer_endpoint", secondary.region
    needed = (writer, "port", "database_name") + (("master_secret_arn",) if eso else ())
    aurora = outputs.require(stack, needed)
    if not str(aurora["port"]).isdigit():
        raise OutputsError(f"{stack} stack output 'port' = {aurora['port']!r} in {outputs.source} is not a port number")
    database = DatabaseEndpoint(
        writer_endpoint=str(aurora[writer]),
        port=int(aurora["port"]),
        database_name=str(aurora["database_name"]),
        region=region,
    )
    rendered = []
    for rosa in config.live_rosa_clusters:  # a retired cluster's Keycloak loses its database
        external_secrets: tuple[RenderedDocument, ...] = ()
        if eso:
            external_secrets = (
                secret_store(keycloak, region=config.aurora.region),
                external_secret(keycloak, secret_arn=str(aurora["master_secret_arn"])),
            )
        rendered.append(ClusterFiles(rosa, out_dir / rosa.name, db_patch(keycloak, database), external_secrets))
    return rendered


def check_against_crd(clusters: list[ClusterFiles]) -> str | None:
    """Raise `RenderError` naming each patch field the Keycloak CRD refuses; return a warning
    instead when the CRD cannot be had (the patches are then written unchecked)."""
    try:
        validator = crd_validator()
    except CrdUnavailable as err:
        return f"warning: the patches were not checked against the Keycloak {OPERATOR_VERSION} CRD: {err}"
    problems = [f"{cluster.patch_file}: {error}" for cluster in clusters
                for error in patch_errors(cluster.patch.document, validator)]
    if problems:
        raise RenderError(f"the Keycloak {OPERATOR_VERSION} CRD refuses the patch: " + "; ".join(problems))
    return None


def write_all(clusters: list[ClusterFiles]) -> None:
    """Write each cluster's files, removing ones an earlier render left that this one
    does not produce (e.g. ESO documents after switching to `copy`)."""
    for cluster in clusters:
        cluster.directory.mkdir(parents=True, exist_ok=True)
        produced = {document.filename for document in cluster.documents}
        for stale in set(RENDERED_FILES) - produced:
            (cluster.directory / stale).unlink(missing_ok=True)
        for document in cluster.documents:
            (cluster.directory / document.filename).write_text(document.text, encoding="utf-8")


def apply_commands(config: DeploymentConfig, cluster: ClusterFiles) -> list[str]:
    """`oc patch` and the `kubectl` equivalent, for the kubeconfig and context the
    cluster's `keycloak-<name>` stack uses (`rosa_clusters[].kubernetes`)."""
    keycloak = config.keycloak
    access = cluster.rosa.kubernetes
    kubeconfig = ""
    if access.config_path != KubernetesAccess.model_fields["config_path"].default:
        kubeconfig = f"--kubeconfig {shlex.quote(os.path.expanduser(access.config_path))} "
    args = (
        f"{kubeconfig}--context {shlex.quote(cluster.rosa.kube_context)} patch keycloak/{keycloak.cr_name} -n {keycloak.namespace} "
        f"--type merge --patch-file {shlex.quote(str(cluster.patch_file))}"
    )
    return [f"oc {args}", f"kubectl {args}"]


def report(config: DeploymentConfig, clusters: list[ClusterFiles]) -> str:
    """What was written and how to apply it, one block per cluster."""
    keycloak = config.keycloak
    lines = []
    for cluster in clusters:
        stack = keycloak_stack_id(cluster.rosa.name)
        lines.append(f"{cluster.rosa.name}:")
        lines += [f"  wrote {cluster.directory / d.filename}" for d in cluster.documents]
        secret = f"Secret {keycloak.namespace}/{keycloak.secret_name}"
        if keycloak.credentials == "iam":
            lines.append(
                f"  the {stack} stack creates ServiceAccount {keycloak.namespace}/{keycloak.service_account} (role from "
                f"the {access_stack_id(cluster.rosa.name)} stack) and Secret {keycloak.namespace}/{DB_USERNAME_SECRET}, "
                f"and runs the database user bootstrap; apply the patch after it:"
            )
        elif keycloak.credentials == "external-secrets":
            lines.append(f"  the {stack} stack applies the SecretStore and ExternalSecret ({secret})")
        else:
            lines.append(f"  the {stack} stack creates {secret}; apply the patch after it:")
        lines += [f"  {command}" for command in apply_commands(config, cluster)]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m modules.keycloak.render",
        description="Render each ROSA cluster's Keycloak database patch from the deployed stack outputs.",
    )
    parser.add_argument(
        "--outputs",
        required=True,
        type=Path,
        help="cdktf's outputs file (cdktf deploy --outputs-file), `terraform output -json` of the "
        "aurora stack, or a directory of <stack>.json files",
    )
    parser.add_argument("--config", help="deployment config (default: what main.py synthesizes)")
    parser.add_argument("--out-dir", type=Path, default=Path(DEFAULT_OUT_DIR), help="default: rendered/")
    parser.add_argument("--no-crd-check", dest="crd_check", action="store_false",
                        help="do not check the patches against the Keycloak operator's CRD")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(command_config_path(args.config))
        if not config.live_rosa_clusters:
            raise RenderError("the config lists no rosa_clusters but retired ones: nothing to render")
        clusters = render_all(config, load_outputs(args.outputs), args.out_dir)
        warning = check_against_crd(clusters) if args.crd_check else None
    except (ConfigError, OutputsError, RenderError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if warning:
        print(warning, file=sys.stderr)
    secondary = config.aurora.secondary
    if secondary is not None and secondary.detached:
        print(f"warning: the patches name the detached secondary in {secondary.region}, which no ROSA cluster's "
              "peering reaches yet (issue #25): Keycloak can connect only once one does", file=sys.stderr)
    write_all(clusters)
    print(report(config, clusters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
