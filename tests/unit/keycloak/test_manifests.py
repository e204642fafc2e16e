"""The rendered Keycloak documents: the CR patch against the Keycloak CRD, YAML-safe
values, and the External Secrets Operator documents parsed back."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
import yaml

from modules.config import KeycloakSpec
from modules.keycloak.manifests import (
    DatabaseEndpoint,
    RenderError,
    _environment,
    db_patch,
    external_secret,
    jdbc_url,
    secret_store,
    yaml_scalar,
)
from tests.keycloak_crd import MINIMAL_KEYCLOAK, crd_validator, merge_patch, validation_errors

WRITER = "keycloak-aurora.cluster-c1a2b3d4e5f6.eu-west-1.rds.amazonaws.com"
DATABASE = DatabaseEndpoint(writer_endpoint=WRITER, port=5432, database_name="keycloak", region="eu-west-1")
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b2c3d-4e5f-AbCdEf"
#: The URL parameters of `iam`: the wrapper's default plugins, failover kept, plus iam.
IAM_QUERY = (
    "?wrapperPlugins=initialConnection,auroraConnectionTracker,failover2,efm2,iam&iamRegion=eu-west-1"
    "&sslmode=verify-full&sslrootcert=/opt/keycloak/conf/rds-ca-bundle.pem"
)

# Strings YAML 1.1 (PyYAML, kubectl's parser) would read as something else when unquoted.
MISREAD_BY_YAML = ["yes", "no", "on", "off", "true", "0123", "1e3", "0x1F", "null", "~", "1_000", "12:30"]


def keycloak(**fields: Any) -> KeycloakSpec:
    return KeycloakSpec.model_validate(fields)


def copy_mode(**fields: Any) -> KeycloakSpec:
    return keycloak(credentials="copy", **fields)


def endpoint(writer: str = WRITER, port: int = 5432, name: str = "keycloak", region: str = "eu-west-1") -> DatabaseEndpoint:
    return DatabaseEndpoint(writer_endpoint=writer, port=port, database_name=name, region=region)


@pytest.fixture(scope="module")
def crd():
    return crd_validator()


def merged_into_minimal_cr(patch: dict[str, Any]) -> dict[str, Any]:
    return merge_patch(MINIMAL_KEYCLOAK, patch)


# --- the Keycloak CR patch: iam (the default) ----------------------------------------


def test_iam_patch_names_only_the_user_and_the_pods_service_account() -> None:
    patch = db_patch(keycloak(), DATABASE).document
    assert patch["apiVersion"] == "k8s.keycloak.org/v2alpha1"
    assert patch["kind"] == "Keycloak"
    assert patch["metadata"] == {"name": "keycloak", "namespace": "keycloak"}
    assert patch["spec"] == {
        "db": {
            "vendor": "postgres",
            "url": f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/keycloak{IAM_QUERY}",
            "usernameSecret": {"name": "keycloak-db-username", "key": "username"},
            # null: a merge patch removes the passwordSecret an earlier (copy) patch set
            "passwordSecret": None,
        },
        "transaction": {"xaEnabled": False},
        "unsupported": {"podTemplate": {"spec": {"serviceAccountName": "keycloak-db"}}},
    }


def test_iam_url_keeps_every_default_plugin_of_the_wrapper_failover_first_of_all() -> None:
    # wrapperPlugins REPLACES the wrapper's defaults: dropping failover2 would leave Keycloak
    # on a dead writer after an Aurora failover (Keycloak's database guide; keycloak#52636).
    url = jdbc_url(DATABASE, keycloak())
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url.removeprefix("jdbc:")).query)
    plugins = query["wrapperPlugins"][0].split(",")
    assert "failover2" in plugins
    assert sorted(plugins) == sorted(["initialConnection", "auroraConnectionTracker", "failover2", "efm2", "iam"])
    assert query["iamRegion"] == ["eu-west-1"] and query["sslmode"] == ["verify-full"]


def test_iam_signs_for_the_aurora_region_and_names_the_configured_service_account() -> None:
    spec = keycloak(service_account="sso-db", namespace="identity", tls_ca_path="/etc/rds/ca.pem")
    patch = db_patch(spec, endpoint(region="us-east-1")).document
    assert "&iamRegion=us-east-1&" in patch["spec"]["db"]["url"]
    assert patch["spec"]["db"]["url"].endswith("&sslmode=verify-full&sslrootcert=/etc/rds/ca.pem")
    assert patch["spec"]["unsupported"]["podTemplate"]["spec"]["serviceAccountName"] == "sso-db"
    assert patch["metadata"]["namespace"] == "identity"


def test_iam_patch_over_a_copy_cr_removes_the_password_and_keeps_other_settings() -> None:
    # GIVEN a CR patched for copy, with options and a pod template of its own
    cr = merge_patch(MINIMAL_KEYCLOAK, db_patch(copy_mode(), DATABASE).document)
    cr = merge_patch(cr, {"spec": {"additionalOptions": [{"name": "log-console-output", "value": "json"}],
                                   "unsupported": {"podTemplate": {"metadata": {"labels": {"team": "iam"}}}}}})
    # WHEN the iam patch is applied
    patched = merge_patch(cr, db_patch(keycloak(), DATABASE).document)
    # THEN no password is referenced, and what the patch does not name is left alone
    assert "passwordSecret" not in patched["spec"]["db"]
    assert patched["spec"]["db"]["usernameSecret"] == {"name": "keycloak-db-username", "key": "username"}
    assert patched["spec"]["additionalOptions"] == [{"name": "log-console-output", "value": "json"}]
    assert patched["spec"]["unsupported"]["podTemplate"] == {
        "metadata": {"labels": {"team": "iam"}}, "spec": {"serviceAccountName": "keycloak-db"}
    }


# --- the Keycloak CR patch: copy and external-secrets ---------------------------------


@pytest.mark.parametrize("credentials", ["copy", "external-secrets"])
def test_password_patch_sets_the_guides_database_settings(credentials: str) -> None:
    patch = db_patch(keycloak(credentials=credentials), DATABASE).document
    assert patch["metadata"] == {"name": "keycloak", "namespace": "keycloak"}
    assert patch["spec"] == {
        "db": {
            "vendor": "postgres",
            "url": f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/keycloak",
            "usernameSecret": {"name": "keycloak-db-secret", "key": "username"},
            "passwordSecret": {"name": "keycloak-db-secret", "key": "password"},
        },
        "transaction": {"xaEnabled": False},
    }


def test_patch_names_the_configured_cr_namespace_and_secret() -> None:
    patch = db_patch(copy_mode(cr_name="sso", namespace="identity", secret_name="aurora-credentials"), DATABASE).document
    assert patch["metadata"] == {"name": "sso", "namespace": "identity"}
    assert patch["spec"]["db"]["usernameSecret"] == {"name": "aurora-credentials", "key": "username"}
    assert patch["spec"]["db"]["passwordSecret"] == {"name": "aurora-credentials", "key": "password"}


def test_no_patch_sets_db_driver_a_build_time_option() -> None:
    # db-driver is built into the image (images/keycloak/Containerfile); the operator starts
    # custom images optimized, where a run-time value is ignored. No list of the CR is replaced.
    for spec in (keycloak(), copy_mode()):
        rendered = db_patch(spec, DATABASE)
        assert "additionalOptions" not in rendered.document["spec"]
        assert "--db-driver=software.amazon.jdbc.Driver" in rendered.text


@pytest.mark.parametrize(
    "spec, database",
    [
        pytest.param({}, DATABASE, id="iam"),
        pytest.param({"pool": {"initial_size": 5, "min_size": 2, "max_size": 20}}, DATABASE, id="iam-pool"),
        pytest.param({"credentials": "copy"}, DATABASE, id="copy"),
        pytest.param({"credentials": "copy", "tls": True}, DATABASE, id="copy-tls"),
        pytest.param({"credentials": "external-secrets", "pool": {"max_size": 20}}, DATABASE, id="eso-pool"),
        pytest.param({}, endpoint("kc-db-1.cluster-ro-x.us-gov-west-1.rds.amazonaws.com", 6543, "kc_db", "us-gov-west-1"),
                     id="odd-endpoint"),
        *[pytest.param({}, endpoint(name=name), id=f"db-{name}") for name in MISREAD_BY_YAML],
    ],
)
def test_patch_merged_into_a_minimal_cr_satisfies_the_crd(crd: Any, spec: dict[str, Any], database: DatabaseEndpoint) -> None:
    # GIVEN a patch rendered from these settings
    patch = db_patch(keycloak(**spec), database).document
    # WHEN `oc patch --type merge` applies it to a minimal Keycloak CR
    cr = merged_into_minimal_cr(patch)
    # THEN the CRD's schema (closed, like the API server's pruning) accepts the result
    assert validation_errors(crd, cr) == []
    assert cr["spec"]["instances"] == 1 and cr["spec"]["hostname"] == {"hostname": "example.org"}


def test_the_crd_check_catches_a_misspelt_or_mistyped_field(crd: Any) -> None:
    # The check above is only worth something if it can fail.
    cr = merged_into_minimal_cr({"spec": {"db": {"poolMaxsize": 3, "url": 5}, "transaction": {"xaEnabled": "no"},
                                          "unsupported": {"podTemplate": {"spec": {"serviceAccount": 7}}}}})
    assert validation_errors(crd, cr) == [
        "spec.db: Additional properties are not allowed ('poolMaxsize' was unexpected)",
        "spec.db.url: 5 is not of type 'string'",
        "spec.transaction.xaEnabled: 'no' is not of type 'boolean'",
        "spec.unsupported.podTemplate.spec.serviceAccount: 7 is not of type 'string'",
    ]


@pytest.mark.parametrize("name", MISREAD_BY_YAML)
def test_database_names_yaml_would_misread_stay_strings(name: str) -> None:
    patch = db_patch(copy_mode(), endpoint(name=name))
    assert patch.document["spec"]["db"]["url"] == f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/{name}"


@pytest.mark.parametrize("name", ["yes", "on", "0123", "1e3", "null", "~"])
def test_names_yaml_would_misread_stay_strings_in_every_field(name: str) -> None:
    # Kubernetes names cannot be these, but the filter must not depend on that.
    spec = copy_mode().model_copy(update={"cr_name": name, "namespace": name, "secret_name": name})
    patch = db_patch(spec, DATABASE).document
    assert patch["metadata"] == {"name": name, "namespace": name}
    assert patch["spec"]["db"]["passwordSecret"]["name"] == name
    iam = keycloak().model_copy(update={"service_account": name})
    assert db_patch(iam, DATABASE).document["spec"]["unsupported"]["podTemplate"]["spec"]["serviceAccountName"] == name


def test_endpoint_with_dots_and_dashes_is_kept_verbatim() -> None:
    writer = "my-kc-aurora-01.cluster-c9x8-y7.eu-central-1.rds.amazonaws.com"
    url = db_patch(copy_mode(), endpoint(writer)).document["spec"]["db"]["url"]
    assert url == f"jdbc:aws-wrapper:postgresql://{writer}:5432/keycloak"


def test_pool_sizes_are_left_to_keycloak_unless_set() -> None:
    db = db_patch(keycloak(), DATABASE).document["spec"]["db"]
    assert not {"poolInitialSize", "poolMinSize", "poolMaxSize"} & set(db)


def test_pool_sizes_are_integers_where_set() -> None:
    db = db_patch(keycloak(pool={"min_size": 0, "max_size": 30}), DATABASE).document["spec"]["db"]
    assert (db["poolMinSize"], db["poolMaxSize"]) == (0, 30)
    assert "poolInitialSize" not in db


def test_tls_verifies_the_server_against_the_ca_bundle() -> None:
    url = db_patch(copy_mode(tls=True), DATABASE).document["spec"]["db"]["url"]
    assert url == (
        f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/keycloak"
        "?sslmode=verify-full&sslrootcert=/opt/keycloak/conf/rds-ca-bundle.pem"
    )


def test_tls_ca_path_is_url_encoded() -> None:
    spec = copy_mode(tls=True, tls_ca_path="/etc/rds certs/ca&bundle.pem")
    assert jdbc_url(DATABASE, spec).endswith("?sslmode=verify-full&sslrootcert=/etc/rds%20certs/ca%26bundle.pem")


def test_without_tls_the_url_has_no_parameters() -> None:
    assert "?" not in db_patch(copy_mode(tls=False), DATABASE).document["spec"]["db"]["url"]


def test_patch_file_ends_with_its_last_setting() -> None:
    assert db_patch(copy_mode(), DATABASE).text.endswith("xaEnabled: false\n")
    assert db_patch(keycloak(), DATABASE).text.endswith('serviceAccountName: "keycloak-db"\n')


# --- YAML-safe values --------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [*MISREAD_BY_YAML, "", "a: b", "# x", "- x", '"q"', "'q'", "back\\slash", "tab\there", "line\nbreak",
     "\u2028", "\x85", "\ufeff", "\x00", "\x7f", "é", "😀", "${TfToken[TOKEN.12]}", "{{ x }}", "%TAG", "@at", "`tick`"],
)
def test_yaml_scalar_reads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_scalar(value)}\n") == {"key": value}


def test_yaml_scalar_round_trips_every_character() -> None:
    every = "".join(chr(code) for code in range(0x110000))
    assert yaml.safe_load(yaml_scalar(every)) == every


@pytest.mark.parametrize("value, text", [(0, "0"), (5432, "5432"), (True, "true"), (False, "false")])
def test_yaml_scalar_writes_ints_and_bools_plainly(value: Any, text: str) -> None:
    assert yaml_scalar(value) == text


@pytest.mark.parametrize("value", [None, 1.5, ["a"], {"a": 1}])
def test_yaml_scalar_refuses_other_types(value: Any) -> None:
    with pytest.raises(RenderError, match="cannot write"):
        yaml_scalar(value)


def test_a_template_interpolating_without_yaml_scalar_fails() -> None:
    with pytest.raises(RenderError, match="without '\\| yaml_scalar'"):
        _environment().from_string("name: {{ name }}\n").render(name="yes")


# --- External Secrets Operator documents -------------------------------------------


def test_secret_store_reads_secrets_manager_in_the_aurora_region_through_irsa() -> None:
    store = secret_store(keycloak(namespace="identity"), region="eu-west-1")
    assert store.filename == "secret-store.yaml"
    assert yaml.safe_load(store.text) == store.document == {
        "apiVersion": "external-secrets.io/v1",
        "kind": "SecretStore",
        "metadata": {"name": "aurora-secrets-manager", "namespace": "identity"},
        "spec": {
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {"jwt": {"serviceAccountRef": {"name": "aurora-secrets-reader"}}},
                }
            }
        },
    }


def test_external_secret_fills_the_keycloak_secret_from_the_master_secret() -> None:
    synced = external_secret(keycloak(refresh_interval="15m"), secret_arn=SECRET_ARN)
    assert synced.filename == "external-secret.yaml"
    assert yaml.safe_load(synced.text) == synced.document == {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "keycloak-db-secret", "namespace": "keycloak"},
        "spec": {
            "refreshInterval": "15m",
            "secretStoreRef": {"kind": "SecretStore", "name": "aurora-secrets-manager"},
            "target": {"name": "keycloak-db-secret", "creationPolicy": "Owner"},
            "data": [
                {"secretKey": "username", "remoteRef": {"key": SECRET_ARN, "property": "username"}},
                {"secretKey": "password", "remoteRef": {"key": SECRET_ARN, "property": "password"}},
            ],
        },
    }


def test_external_secret_carries_a_terraform_token_unchanged() -> None:
    # The stacks render with the aurora output's token; it must survive quoting and parsing.
    token = "${TfToken[TOKEN.42]}"
    data = external_secret(keycloak(), secret_arn=token).document["spec"]["data"]
    assert {entry["remoteRef"]["key"] for entry in data} == {token}


def test_an_empty_secret_arn_is_refused() -> None:
    with pytest.raises(RenderError, match="ExternalSecret: data must map username and password"):
        external_secret(keycloak(), secret_arn="")
