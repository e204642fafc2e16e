"""`python -m modules.keycloak.render`: outputs in either format in, one checked patch per
ROSA cluster out, and a clear refusal (writing nothing) when an output is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.keycloak.render import main
from tests.keycloak_crd import MINIMAL_KEYCLOAK, crd_validator, merge_patch, validation_errors

WRITER = "keycloak-aurora.cluster-c1a2b3d4e5f6.eu-west-1.rds.amazonaws.com"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-0a1b2c3d-AbCdEf"
AURORA_OUTPUTS = {
    "writer_endpoint": WRITER,
    "reader_endpoint": WRITER.replace(".cluster-", ".cluster-ro-"),
    "port": 5432,
    "database_name": "keycloak",
    "jdbc_url": f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/keycloak",
    "master_secret_arn": SECRET_ARN,
}
TYPES = {str: "string", int: "number"}


@pytest.fixture
def config_file(tmp_path: Path, config_data: dict[str, Any]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config_data))
    return path


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def cdktf_outputs(tmp_path: Path, aurora: dict[str, Any] | None = None) -> Path:
    """cdktf's --outputs-file format: {stack: {output: value}}."""
    path = tmp_path / "outputs.json"
    stacks = {"aurora": AURORA_OUTPUTS if aurora is None else aurora, "peering-rosa-site-a": {"machine_cidr": "10.0.0.0/16"}}
    path.write_text(json.dumps(stacks))
    return path


def terraform_output_json(values: dict[str, Any]) -> str:
    """`terraform output -json` format: {output: {value, type, sensitive}}."""
    return json.dumps({k: {"value": v, "type": TYPES[type(v)], "sensitive": False} for k, v in values.items()})


def render(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_one_patch_per_rosa_cluster_with_the_commands_that_apply_it(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "rendered"
    code, out, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config_file, "--out-dir", out_dir)
    assert (code, err) == (0, "")
    assert sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.yaml")) == [
        "rosa-site-a/keycloak-db-patch.yaml",
        "rosa-site-b/keycloak-db-patch.yaml",
    ]
    for cluster in ("rosa-site-a", "rosa-site-b"):
        patch_file = out_dir / cluster / "keycloak-db-patch.yaml"
        patch = yaml.safe_load(patch_file.read_text())
        # iam (the example's): the wrapper's iam plugin, tokens signed for the Aurora region
        assert patch["spec"]["db"]["url"].startswith(f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/keycloak?wrapperPlugins=")
        assert "iamRegion=eu-west-1" in patch["spec"]["db"]["url"]
        assert (
            f"oc --context {cluster} patch keycloak/keycloak -n keycloak --type merge --patch-file {patch_file}" in out
        )
        assert (
            f"kubectl --context {cluster} patch keycloak/keycloak -n keycloak --type merge --patch-file {patch_file}"
            in out
        )
    assert (
        "the keycloak-rosa-site-a stack creates ServiceAccount keycloak/keycloak-db (role from the access-rosa-site-a "
        "stack) and Secret keycloak/keycloak-db-username, and runs the database user bootstrap; apply the patch after it:"
    ) in out


def test_copy_mode_names_the_copied_secret(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config_data["keycloak"] = {"credentials": "copy"}
    config = write_config(tmp_path / "config.yaml", config_data)
    code, out, _ = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", tmp_path / "out")
    assert code == 0
    patch = yaml.safe_load((tmp_path / "out" / "rosa-site-a" / "keycloak-db-patch.yaml").read_text())
    assert patch["spec"]["db"]["url"] == f"jdbc:aws-wrapper:postgresql://{WRITER}:5432/keycloak"
    assert "the keycloak-rosa-site-a stack creates Secret keycloak/keycloak-db-secret; apply the patch after it:" in out


def test_rendered_patches_satisfy_the_crd(tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    config_data["keycloak"] = {"pool": {"min_size": 5, "max_size": 50}}
    aurora = {**AURORA_OUTPUTS, "database_name": "yes"}
    config = write_config(tmp_path / "config.yaml", config_data)
    code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path, aurora), "--config", config, "--out-dir", tmp_path / "out")
    assert (code, err) == (0, "")
    crd = crd_validator()
    for patch_file in (tmp_path / "out").rglob("keycloak-db-patch.yaml"):
        cr = merge_patch(MINIMAL_KEYCLOAK, yaml.safe_load(patch_file.read_text()))
        assert validation_errors(crd, cr) == []
        assert cr["spec"]["db"]["url"].split("?")[0].endswith("/yes")


def test_reads_terraform_output_json_of_the_aurora_stack(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "aurora-outputs.json"
    outputs.write_text(terraform_output_json(AURORA_OUTPUTS))
    code, _, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", tmp_path / "out")
    assert (code, err) == (0, "")
    patch = yaml.safe_load((tmp_path / "out" / "rosa-site-b" / "keycloak-db-patch.yaml").read_text())
    assert WRITER in patch["spec"]["db"]["url"]


def test_reads_a_directory_of_terraform_output_json_files(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "aurora.json").write_text(terraform_output_json(AURORA_OUTPUTS))
    (outputs / "peering-rosa-site-a.json").write_text(terraform_output_json({"machine_cidr": "10.0.0.0/16"}))
    code, _, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", tmp_path / "out")
    assert (code, err) == (0, "")
    assert (tmp_path / "out" / "rosa-site-a" / "keycloak-db-patch.yaml").is_file()


@pytest.mark.parametrize("missing", ["writer_endpoint", "port", "database_name"])
def test_a_missing_output_is_refused_and_nothing_is_written(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    # GIVEN outputs of an aurora stack that lack one the patch needs
    outputs = cdktf_outputs(tmp_path, {k: v for k, v in AURORA_OUTPUTS.items() if k != missing})
    # WHEN rendering
    out_dir = tmp_path / "rendered"
    code, out, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", out_dir)
    # THEN one message names the output and the stack, and says how to produce it
    assert code == 2 and out == ""
    assert err == (
        f"error: aurora stack output '{missing}' is missing in {outputs}: is the aurora stack deployed? "
        f"(make outputs STACKS=aurora OUTPUTS={outputs})\n"
    )
    # AND nothing was written
    assert not out_dir.exists()


def test_a_port_that_is_not_a_number_is_refused(tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = cdktf_outputs(tmp_path, {**AURORA_OUTPUTS, "port": "postgres"})
    code, _, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", tmp_path / "out")
    assert code == 2 and "aurora stack output 'port' = 'postgres'" in err and "is not a port number" in err
    assert not (tmp_path / "out").exists()


def test_an_undeployed_aurora_stack_is_refused(tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"peering-rosa-site-a": {}}))
    code, _, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", tmp_path / "out")
    assert code == 2
    assert "aurora stack outputs 'writer_endpoint', 'port', 'database_name' are missing" in err
    assert not (tmp_path / "out").exists()


def test_missing_terraform_output_names_the_terraform_command(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "aurora.json").write_text(terraform_output_json({"port": 5432}))
    code, _, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", tmp_path / "out")
    assert code == 2
    assert f"(terraform output -json > {outputs}/aurora.json in cdktf.out/stacks/aurora)" in err


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"aurora": "x"}'])
def test_an_unreadable_outputs_file_is_refused(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(content)
    code, _, err = render(capsys, "--outputs", outputs, "--config", config_file, "--out-dir", tmp_path / "out")
    assert code == 2 and err.startswith("error: ") and str(outputs) in err
    assert not (tmp_path / "out").exists()


def test_an_invalid_config_is_refused(tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    config_data["keycloak"] = {"credentials": "vault"}
    config = write_config(tmp_path / "config.yaml", config_data)
    code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", tmp_path / "out")
    assert code == 2 and "keycloak.credentials" in err
    assert not (tmp_path / "out").exists()


def test_external_secrets_mode_also_writes_the_secret_store_and_external_secret(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config_data["keycloak"] = {"credentials": "external-secrets"}
    config = write_config(tmp_path / "config.yaml", config_data)
    out_dir = tmp_path / "rendered"
    code, out, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", out_dir)
    assert (code, err) == (0, "")
    cluster = out_dir / "rosa-site-a"
    assert sorted(p.name for p in cluster.iterdir()) == ["external-secret.yaml", "keycloak-db-patch.yaml", "secret-store.yaml"]
    store = yaml.safe_load((cluster / "secret-store.yaml").read_text())
    assert (store["kind"], store["spec"]["provider"]["aws"]["region"]) == ("SecretStore", "eu-west-1")
    synced = yaml.safe_load((cluster / "external-secret.yaml").read_text())
    assert synced["kind"] == "ExternalSecret"
    assert {d["remoteRef"]["key"] for d in synced["spec"]["data"]} == {SECRET_ARN}
    assert "the keycloak-rosa-site-a stack applies the SecretStore and ExternalSecret" in out


def test_external_secrets_mode_needs_the_master_secret_arn(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config_data["keycloak"] = {"credentials": "external-secrets"}
    config = write_config(tmp_path / "config.yaml", config_data)
    outputs = cdktf_outputs(tmp_path, {**AURORA_OUTPUTS, "master_secret_arn": ""})
    code, _, err = render(capsys, "--outputs", outputs, "--config", config, "--out-dir", tmp_path / "out")
    assert code == 2 and "aurora stack output 'master_secret_arn' is missing" in err


def test_external_secrets_mode_with_a_variable_password_is_refused(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config_data["keycloak"] = {"credentials": "external-secrets"}
    config_data["aurora"]["master_password"] = "variable"
    config = write_config(tmp_path / "config.yaml", config_data)
    code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", tmp_path / "out")
    assert code == 2 and "master_password: managed" in err


def test_switching_back_to_copy_removes_the_stale_eso_documents(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "rendered"
    config_data["keycloak"] = {"credentials": "external-secrets"}
    render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", write_config(tmp_path / "eso.yaml", config_data), "--out-dir", out_dir)
    (out_dir / "rosa-site-a" / "notes.txt").write_text("mine")
    config_data["keycloak"] = {"credentials": "copy"}
    render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", write_config(tmp_path / "copy.yaml", config_data), "--out-dir", out_dir)
    assert sorted(p.name for p in (out_dir / "rosa-site-a").iterdir()) == ["keycloak-db-patch.yaml", "notes.txt"]


def test_commands_use_the_clusters_kubeconfig_and_context(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config_data["rosa_clusters"][0]["kubernetes"] = {"config_path": "/etc/kube/site a.yaml", "context": "admin@site-a"}
    config_data["keycloak"] = {"namespace": "identity", "cr_name": "sso"}
    config = write_config(tmp_path / "config.yaml", config_data)
    code, out, _ = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", tmp_path / "out")
    assert code == 0
    patch_file = tmp_path / "out" / "rosa-site-a" / "keycloak-db-patch.yaml"
    assert (
        f"oc --kubeconfig '/etc/kube/site a.yaml' --context admin@site-a patch keycloak/sso -n identity "
        f"--type merge --patch-file {patch_file}"
    ) in out


def test_no_rosa_clusters_means_nothing_to_render(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config_data["rosa_clusters"] = []
    config = write_config(tmp_path / "config.yaml", config_data)
    code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", tmp_path / "out")
    assert code == 2 and "no rosa_clusters" in err


def test_a_patch_the_crd_refuses_stops_the_render_and_nothing_is_written(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    crd_validator()  # skips (fails under CI) when no copy of the CRD can be had
    # GIVEN a template change that misspells a field of spec.db
    from modules.keycloak import render as render_module

    real = render_module.db_patch

    def misspelt(*args: Any, **kwargs: Any):
        rendered = real(*args, **kwargs)
        rendered.document["spec"]["db"]["usernameSecrett"] = {"name": "x", "key": "username"}
        return rendered

    monkeypatch.setattr(render_module, "db_patch", misspelt)
    out_dir = tmp_path / "rendered"
    # WHEN rendering
    code, out, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config_file, "--out-dir", out_dir)
    # THEN the CRD's refusal names the file and the field, and nothing is written
    assert code == 2 and out == ""
    assert err.startswith("error: the Keycloak 26.0.0 CRD refuses the patch: ")
    assert "rosa-site-a/keycloak-db-patch.yaml: spec.db: Additional properties are not allowed ('usernameSecrett'" in err
    assert not out_dir.exists()


def test_without_a_copy_of_the_crd_the_render_says_so_and_writes(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from modules.keycloak import crd

    monkeypatch.setenv(crd.ENV, str(tmp_path / "absent.yml"))
    crd.crd_validator.cache_clear()
    try:
        out_dir = tmp_path / "rendered"
        code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config_file, "--out-dir", out_dir)
    finally:
        crd.crd_validator.cache_clear()
    assert code == 0
    assert f"warning: the patches were not checked against the Keycloak 26.0.0 CRD: ${crd.ENV} names" in err
    assert (out_dir / "rosa-site-a" / "keycloak-db-patch.yaml").is_file()


def test_a_copy_of_the_crd_with_another_digest_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modules.keycloak import crd

    tampered = tmp_path / crd.FILENAME
    tampered.write_text("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n")
    monkeypatch.setenv(crd.ENV, str(tampered))
    with pytest.raises(crd.CrdUnavailable, match=f"{tampered}: SHA-256 [0-9a-f]{{64}}, expected {crd.SHA256}"):
        crd.crd_bytes(download=False)


def test_a_retired_cluster_gets_no_patch(
    tmp_path: Path, config_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN rosa-site-b retired: its Keycloak loses its database with the retirement
    config_data["rosa_clusters"][1]["retired"] = True
    config = write_config(tmp_path / "config.yaml", config_data)
    out_dir = tmp_path / "rendered"
    code, out, _ = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", out_dir)
    # THEN only the live cluster gets a patch and the commands to apply it
    assert code == 0
    assert sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.yaml")) == [
        "rosa-site-a/keycloak-db-patch.yaml"
    ]
    assert "rosa-site-b" not in out
    # AND a config whose every cluster is retired has nothing to render
    config_data["rosa_clusters"][0]["retired"] = True
    config = write_config(tmp_path / "config.yaml", config_data)
    code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", out_dir)
    assert code == 2 and "no rosa_clusters but retired ones: nothing to render" in err


def test_a_global_database_is_reached_through_its_global_writer_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the global-database example and the aurora stack's outputs with the global endpoint
    data = yaml.safe_load((Path(__file__).parents[3] / "config" / "examples" / "global-database.yaml").read_text())
    config = write_config(tmp_path / "config.yaml", data)
    global_writer = "keycloak-aurora-global.global-0a1b2c3d.global.rds.amazonaws.com"
    outputs = cdktf_outputs(tmp_path, {**AURORA_OUTPUTS, "global_writer_endpoint": global_writer})
    # WHEN rendered THEN Keycloak connects to the global writer endpoint, which follows a switchover
    code, _, err = render(capsys, "--outputs", outputs, "--config", config, "--out-dir", tmp_path / "out")
    assert (code, err) == (0, "")
    patch = yaml.safe_load((tmp_path / "out" / "rosa-dublin" / "keycloak-db-patch.yaml").read_text())
    assert patch["spec"]["db"]["url"] == f"jdbc:aws-wrapper:postgresql://{global_writer}:5432/keycloak"
    # AND without that output (an aurora stack deployed before the secondary) nothing is written
    code, _, err = render(capsys, "--outputs", cdktf_outputs(tmp_path), "--config", config, "--out-dir", tmp_path / "o2")
    assert code == 2 and "'global_writer_endpoint'" in err and not (tmp_path / "o2").exists()
