"""The PR comment written from plan JSON: counts, data-at-risk warning, no values, size limit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.review.__main__ import main
from modules.review.fit import DEFAULT_MAX_CHARS, render, size
from modules.review.markdown import GITHUB_COMMENT_LIMIT, MARKER
from modules.review.plan import DATA_RESOURCE_TYPES, format_path
from tests.conftest import ROOT

CLUSTER = "aws_rds_cluster.aurora_cluster_5E0C6C7E"


def change(
    address: str,
    actions: list[str],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `resource_changes[]` entry as `terraform show -json` writes it."""
    resource_type, name = address.split("[")[0].rsplit(".", 1)[-2:]
    body: dict[str, Any] = {"actions": actions, "before": before, "after": after, "after_unknown": {}}
    body.update({k: v for k, v in extra.items() if k != "action_reason"})
    entry = {"address": address, "mode": "managed", "type": resource_type.split(".")[-1], "name": name, "change": body}
    if "action_reason" in extra:
        entry["action_reason"] = extra["action_reason"]
    return entry


def plan(*changes: dict[str, Any], outputs: dict[str, list[str]] | None = None, **top: Any) -> dict[str, Any]:
    """A plan document: format_version, resource_changes, output_changes."""
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "resource_changes": list(changes),
        "output_changes": {name: {"actions": actions} for name, actions in (outputs or {}).items()},
        **top,
    }


def lines(text: str) -> list[str]:
    return text.splitlines()


def warning_lines(text: str) -> list[str]:
    return [line for line in lines(text) if line.startswith("> - ")]


# --- counts --------------------------------------------------------------------------


def test_marker_is_the_first_line() -> None:
    assert lines(render({"aurora": plan()}))[0] == MARKER == "<!-- keycloak-aurora-plan-summary -->"


def test_counts_per_stack_with_replacements_counted_once() -> None:
    doc = plan(
        change("aws_iam_role.a", ["create"], None, {"name": "a"}),
        change("aws_iam_role.b", ["create"], None, {"name": "b"}),
        change("aws_security_group.c", ["update"], {"description": "x"}, {"description": "y"}),
        change("aws_security_group.d", ["delete", "create"], {"name": "d"}, {"name": "e"}, replace_paths=[["name"]]),
        change("aws_security_group.e", ["create", "delete"], {"name": "d"}, {"name": "e"}, replace_paths=[["name"]]),
        change("aws_iam_role.f", ["delete"], {"name": "f"}, None),
        change("aws_iam_role.g", ["no-op"], {"name": "g"}, {"name": "g"}),
        {"address": "data.aws_vpc.v", "mode": "data", "type": "aws_vpc", "name": "v", "change": {"actions": ["read"]}},
    )
    text = render({"peering-x": doc, "aurora": plan(change("aws_iam_role.g", ["no-op"], {}, {}))})
    assert "- `peering-x`: 2 to add, 1 to change, 2 to replace, 1 to destroy" in lines(text)
    assert "- `aurora`: no changes" in lines(text)
    # stacks keep the given order
    assert text.index("- `peering-x`:") < text.index("- `aurora`:")
    assert lines(text)[1] == "## Terraform plan: 2 stacks, 1 with changes"


def test_output_only_changes_are_named_but_not_counted_as_resources() -> None:
    text = render({"aurora": plan(outputs={"jdbc_url": ["update"], "port": ["no-op"]})})
    assert "- `aurora`: no resource changes; outputs change: `jdbc_url`" in lines(text)


def test_imports_and_forgets_are_counted_when_present() -> None:
    doc = plan(
        change("aws_iam_role.a", ["no-op"], {"name": "a"}, {"name": "a"}, importing={"id": "a"}),
        change("aws_iam_role.b", ["forget"], {"name": "b"}, None),
    )
    assert "- `s`: 0 to add, 0 to change, 0 to replace, 0 to destroy, 1 to import, 1 to forget" in lines(
        render({"s": doc})
    )


def test_table_lists_changed_attribute_names_only() -> None:
    doc = plan(
        change(
            "aws_security_group.sg",
            ["update"],
            {"description": "V-old", "name": "V-same", "tags": {"a": "V-1"}, "arn": "V-arn"},
            {"description": "V-new", "name": "V-same", "tags": {"a": "V-2"}},
            after_unknown={"arn": True},
        ),
        change("aws_iam_role.r", ["create"], None, {"name": "V-r"}),
    )
    text = render({"aurora": doc})
    assert "| `aws_security_group.sg` | update | `arn`, `description`, `tags` |" in lines(text)
    assert "| `aws_iam_role.r` | create |  |" in lines(text)
    assert "V-" not in text


def test_replacement_lists_forcing_and_set_changed_attributes_not_unset_or_computed_ones() -> None:
    doc = plan(
        change(
            CLUSTER,
            ["delete", "create"],
            {"cluster_identifier": "a", "engine_version": "16.8", "endpoint": "a.rds", "port": 5432, "iops": 0},
            {"cluster_identifier": "b", "engine_version": "16.9", "port": 5432, "iops": None},
            after_unknown={"endpoint": True},
            replace_paths=[["cluster_identifier"]],
        )
    )
    row = next(line for line in lines(render({"aurora": doc})) if line.startswith(f"| `{CLUSTER}`"))
    assert row == f"| `{CLUSTER}` | **replace** | `cluster_identifier` (forces replacement), `engine_version` |"


# --- the data-at-risk warning --------------------------------------------------------


def test_warning_names_stack_address_and_replace_paths() -> None:
    doc = plan(
        change(
            CLUSTER,
            ["delete", "create"],
            {"cluster_identifier": "a", "db_subnet_group_name": "x"},
            {"cluster_identifier": "b", "db_subnet_group_name": "y"},
            replace_paths=[["db_subnet_group_name"], ["cluster_identifier"]],
            action_reason="replace_because_cannot_update",
        )
    )
    text = render({"aurora": doc})
    assert lines(text)[3] == "> [!CAUTION]"
    assert lines(text)[4].startswith("> **Data at risk: 1 resource holding or reaching the data would be destroyed")
    assert warning_lines(text) == [
        f"> - `aurora`: `{CLUSTER}` will be **replaced**, forced by `cluster_identifier`, `db_subnet_group_name`"
    ]


def test_warning_comes_before_counts_and_tables() -> None:
    doc = plan(change("aws_vpc.v", ["delete"], {"cidr_block": "x"}, None))
    text = render({"aurora": doc})
    assert text.index("> [!CAUTION]") < text.index("**Changes per stack**") < text.index("### `aurora`")


def test_destroy_of_each_data_type_warns_with_its_reason() -> None:
    doc = plan(
        *(
            change(f"{t}.x", ["delete"], {"id": "1"}, None, action_reason="delete_because_no_resource_config")
            for t in sorted(DATA_RESOURCE_TYPES)
        )
    )
    # (the data-at-risk lines; the global cluster's destroy also has a notice of its own)
    found = [line for line in warning_lines(render({"peering-a": doc})) if " will be " in line]
    assert found == [
        f"> - `peering-a`: `{t}.x` will be **destroyed** (removed from the configuration)" for t in DATA_RESOURCE_TYPES
    ]


def test_warnings_put_the_database_first_whatever_the_stack_order() -> None:
    network = plan(change("aws_route.r", ["delete"], {}, None), change("aws_vpc.v", ["delete"], {}, None))
    database = plan(
        change("aws_db_subnet_group.g", ["delete", "create"], {}, {}, replace_paths=[["name"]]),
        change(CLUSTER, ["delete", "create"], {}, {}, replace_paths=[["cluster_identifier"]]),
        change("aws_rds_cluster_instance.w", ["delete", "create"], {}, {}, replace_paths=[["identifier"]]),
    )
    found = [line.split("`")[3] for line in warning_lines(render({"peering-a": network, "aurora": database}))]
    assert found == [CLUSTER, "aws_rds_cluster_instance.w", "aws_db_subnet_group.g", "aws_vpc.v", "aws_route.r"]


def test_nested_replace_paths_are_named_in_full() -> None:
    doc = plan(
        change("aws_subnet.s", ["delete", "create"], {}, {}, replace_paths=[["timeouts", 0, "create"], ["tags", "a b"]])
    )
    assert warning_lines(render({"aurora": doc})) == [
        '> - `aurora`: `aws_subnet.s` will be **replaced**, forced by `tags["a b"]`, `timeouts[0].create`'
    ]
    assert format_path(["a", 0, "b"]) == "a[0].b"


def test_replacement_without_replace_paths_gives_the_reason() -> None:
    doc = plan(change("aws_kms_key.k", ["delete", "create"], {}, {}, action_reason="replace_because_tainted"))
    assert warning_lines(render({"aurora": doc})) == [
        "> - `aurora`: `aws_kms_key.k` will be **replaced** (the object is tainted)"
    ]


def test_no_warning_for_other_types_or_for_creates_and_updates() -> None:
    doc = plan(
        change("aws_security_group.sg", ["delete", "create"], {"name": "a"}, {"name": "b"}, replace_paths=[["name"]]),
        change("aws_rds_cluster.c", ["update"], {"port": 1}, {"port": 2}),
        change("aws_route.r", ["create"], None, {"x": 1}),
    )
    text = render({"aurora": doc})
    assert "[!CAUTION]" not in text
    assert "[!WARNING]" not in text
    assert warning_lines(text) == []
    assert "No resource that holds or reaches the data would be destroyed or replaced." in lines(text)


# --- the master password changes -------------------------------------------------------

PASSWORD_WARNING = [
    "> [!WARNING]",
    "> **The database password changes.** Keycloak holds the old one until its stacks are applied: apply every"
    " `keycloak-*` stack right after this change, or Keycloak cannot open new connections.",
]


def test_switching_from_the_managed_secret_to_the_variable_warns_that_rds_deletes_it() -> None:
    doc = plan(
        change(
            CLUSTER,
            ["update"],
            {"manage_master_user_password": True, "master_password": None, "port": 5432},
            {"manage_master_user_password": None, "master_password": "S3cret-from-TF_VAR", "port": 5432},
            after_sensitive={"master_password": True},
        ),
        change("aws_secretsmanager_secret_rotation.rotation", ["delete"], {"rotation_enabled": True}, None),
    )
    text = render({"aurora": doc})
    start = lines(text).index("> [!WARNING]")
    assert lines(text)[start:start + 4] == [
        *PASSWORD_WARNING,
        f"> - `aurora`: `{CLUSTER}` changes `manage_master_user_password`, `master_password` (turning it off"
        " makes RDS delete the master secret it managed)",
        "",
    ]
    assert "S3cret-from-TF_VAR" not in text
    # After the data-at-risk verdict, before the counts.
    assert text.index("No resource that holds") < text.index("> [!WARNING]") < text.index("**Changes per stack**")


def test_a_new_variable_password_warns_without_the_secret_note() -> None:
    doc = plan(
        change(
            CLUSTER,
            ["update"],
            {"master_password": "old-value-1"},
            {"master_password": "new-value-2"},
            before_sensitive={"master_password": True},
            after_sensitive={"master_password": True},
        )
    )
    text = render({"aurora": doc})
    start = lines(text).index("> [!WARNING]")
    assert lines(text)[start:start + 3] == [*PASSWORD_WARNING, f"> - `aurora`: `{CLUSTER}` changes `master_password`"]


def test_an_unchanged_password_or_a_replaced_cluster_gives_no_password_warning() -> None:
    same = change(CLUSTER, ["update"], {"master_password": "same", "port": 1}, {"master_password": "same", "port": 2})
    replaced = change(CLUSTER, ["delete", "create"], {"master_password": "a"}, {"master_password": "b"},
                      replace_paths=[["cluster_identifier"]])
    for doc in (plan(same), plan(replaced)):
        assert "[!WARNING]" not in render({"aurora": doc})


def test_an_errored_plan_still_shows_what_it_planned() -> None:
    doc = plan(change(CLUSTER, ["delete", "create"], {}, {}, replace_paths=[["cluster_identifier"]]), errored=True)
    text = render({"aurora": doc}, failed=["aurora"])
    assert lines(text)[4].startswith("> **The plan failed for `aurora`.**")
    assert f"> - `aurora`: `{CLUSTER}` will be **replaced**, forced by `cluster_identifier`" in lines(text)
    assert "- `aurora`: **plan failed**; planned before failing: 0 to add, 0 to change, 1 to replace, 0 to destroy" in (
        lines(text)
    )


def test_failed_and_errored_plans_are_called_out_first() -> None:
    text = render({"aurora": plan(errored=True), "peering-a": plan()}, failed=["peering-b"])
    assert lines(text)[3:5] == [
        "> [!CAUTION]",
        "> **The plan failed for `peering-b`, `aurora`.** What this comment shows of them is incomplete at best; "
        "read the job log.",
    ]
    assert "- `peering-b`: **plan failed**" in lines(text)
    assert "- `aurora`: **plan failed**" in lines(text)
    assert lines(text)[1] == "## Terraform plan: 3 stacks, 0 with changes"
    # no all-clear for what was not planned
    assert "No resource that holds or reaches the data would be destroyed or replaced by the plans that succeeded." in (
        lines(text)
    )


# --- values never printed ----------------------------------------------------------


def test_sensitive_values_never_appear_and_sensitive_names_are_marked() -> None:
    secret_old, secret_new, var = "old-S3cret-4711", "new-S3cret-0815", "var-S3cret-1234"
    doc = plan(
        change(
            CLUSTER,
            ["update"],
            {"master_password": secret_old, "port": 5432},
            {"master_password": secret_new, "port": 5432},
            before_sensitive={"master_password": True},
            after_sensitive={"master_password": True},
        ),
        variables={"master_password": {"value": var}},
        planned_values={"root_module": {"resources": [{"values": {"master_password": secret_new}}]}},
        prior_state={"values": {"root_module": {"resources": [{"values": {"master_password": secret_old}}]}}},
    )
    text = render({"aurora": doc})
    for secret in (secret_old, secret_new, var):
        assert secret not in text
    assert f"| `{CLUSTER}` | update | `master_password` (sensitive) |" in lines(text)


def test_a_sensitive_nested_attribute_marks_its_top_level_name() -> None:
    doc = plan(
        change(
            "aws_secretsmanager_secret.s",
            ["update"],
            {"replica": [{"kms_key_id": "a"}]},
            {"replica": [{"kms_key_id": "b"}]},
            after_sensitive={"replica": [{"kms_key_id": True}]},
        )
    )
    assert "| `aws_secretsmanager_secret.s` | update | `replica` (sensitive) |" in lines(render({"aurora": doc}))


def test_no_attribute_value_is_printed_at_all() -> None:
    values = {f"attr_{i}": f"VALUE-{i:04d}" for i in range(30)}
    changed = {k: v + "-new" for k, v in values.items()}
    doc = plan(
        change("aws_db_subnet_group.g", ["delete", "create"], values, changed, replace_paths=[["attr_1"]]),
        change("aws_security_group.s", ["update"], values, changed),
        change("aws_iam_role.c", ["create"], None, changed),
        change("aws_iam_role.d", ["delete"], values, None),
    )
    assert "VALUE-" not in render({"aurora": doc})


def test_markdown_in_addresses_is_neutralized() -> None:
    doc = plan(change('aws_route.r["a|b`c"]', ["create"], None, {}))
    text = render({"peering-`x|y": doc})
    assert "| `aws_route.r[\"a\\|b'c\"]` | create |  |" in lines(text)
    assert "- `peering-'x|y`: 1 to add, 0 to change, 0 to replace, 0 to destroy" in lines(text)


# --- the size limit ----------------------------------------------------------------


def many_creates(prefix: str, n: int) -> list[dict[str, Any]]:
    return [change(f'aws_route.{prefix}["rtb-{i:05d}-{"x" * 40}"]', ["create"], None, {}) for i in range(n)]


def test_default_budget_is_under_the_github_limit() -> None:
    assert DEFAULT_MAX_CHARS < GITHUB_COMMENT_LIMIT == 65_536


def test_least_risky_stacks_lose_their_tables_first_and_the_note_says_so() -> None:
    risky = plan(
        change(CLUSTER, ["delete", "create"], {"cluster_identifier": "a"}, {"cluster_identifier": "b"},
               replace_paths=[["cluster_identifier"]]),
        *many_creates("a", 50),
    )
    plans = {"aurora": risky, **{f"peering-{i}": plan(*many_creates(f"p{i}", 200)) for i in range(5)}}
    text = render(plans, max_chars=30_000)

    assert size(text) <= 30_000
    assert lines(text)[0] == MARKER
    assert warning_lines(text) == [f"> - `aurora`: `{CLUSTER}` will be **replaced**, forced by `cluster_identifier`"]
    # the riskiest stack keeps its full table
    assert f"| `{CLUSTER}` | **replace** | `cluster_identifier` (forces replacement) |" in lines(text)
    assert sum(line.startswith('| `aws_route.a["rtb-') for line in lines(text)) == 50
    # others lost theirs, and the note names them
    (note,) = [line for line in lines(text) if line.startswith("> **Shortened to fit GitHub's 65,536-character")]
    cut = [f"peering-{i}" for i in range(5) if f"_Resource table left out" in text.split(f"### `peering-{i}`")[1][:200]]
    assert cut, "no table was cut"
    for name in cut:
        assert f"`{name}` (200 rows)" in note
    # every stack still has its counts line
    for i in range(5):
        assert f"- `peering-{i}`: 200 to add, 0 to change, 0 to replace, 0 to destroy" in lines(text)


def test_the_topology_goes_before_rows_of_the_riskiest_table() -> None:
    topology = "```mermaid\nflowchart LR\n" + "    n[\"x\"]\n" * 2000 + "```\n"
    doc = plan(*many_creates("a", 100))
    text = render({"aurora": doc}, topology=topology, max_chars=20_000)
    assert size(text) <= 20_000
    assert "flowchart" not in text
    assert sum(line.startswith("| `aws_route.a") for line in lines(text)) == 100
    assert "Left out: the topology diagram." in text


def test_rows_of_the_riskiest_table_go_least_risky_first() -> None:
    doc = plan(
        *many_creates("a", 1000),
        change("aws_security_group.sg", ["update"], {"description": "a"}, {"description": "b"}),
        change(CLUSTER, ["delete", "create"], {}, {}, replace_paths=[["cluster_identifier"]]),
    )
    text = render({"aurora": doc}, max_chars=20_000)
    assert size(text) <= 20_000
    rows = [line for line in lines(text) if line.startswith("| `")]
    assert rows[0].startswith(f"| `{CLUSTER}` | **replace**")
    assert rows[1].startswith("| `aws_security_group.sg` | update")
    kept = len(rows) - 2
    assert 0 < kept < 1000
    assert f"| ... {1000 - kept} more rows left out to fit the comment limit | | |" in lines(text)
    assert f"{1000 - kept} of 1002 rows of the table of `aurora` (the least risky)" in text


def test_warnings_survive_longest_and_say_how_many_were_left_out() -> None:
    doc = plan(*(change(f'aws_route.r["{i:05d}"]', ["delete"], {}, None) for i in range(3000)))
    text = render({"peering-a": doc}, max_chars=20_000)
    assert size(text) <= 20_000
    shown = warning_lines(text)
    assert shown[-1].startswith("> - ... and ") and shown[-1].endswith(" more (left out to fit the comment limit)")
    assert len(shown) > 100
    assert "data-at-risk lines" in text
    assert "> **Data at risk: 3000 resources holding" in text


def test_a_tiny_budget_is_still_respected() -> None:
    doc = plan(*many_creates("a", 100))
    text = render({f"stack-{i}": doc for i in range(50)}, max_chars=2_000)
    assert size(text) <= 2_000
    assert lines(text)[0] == MARKER
    assert "cut here to fit the comment limit" in text


def test_multibyte_text_counts_bytes() -> None:
    doc = plan(*(change(f'aws_route.r["ü{i:04d}{"€" * 30}"]', ["create"], None, {}) for i in range(500)))
    text = render({"aurora": doc}, max_chars=10_000)
    assert len(text.encode("utf-8")) <= 10_000


# --- CLI ---------------------------------------------------------------------------


def write_plans(tmp_path: Path, **plans: dict[str, Any]) -> list[str]:
    paths = []
    for stack, doc in plans.items():
        path = tmp_path / f"{stack.replace('_', '-')}.json"
        path.write_text(json.dumps(doc))
        paths.append(str(path))
    return paths


def test_cli_names_stacks_after_the_files_and_writes_the_output(tmp_path: Path) -> None:
    paths = write_plans(tmp_path, aurora=plan(), peering_rosa_site_a=plan(change("aws_route.r", ["create"], None, {})))
    out = tmp_path / "comment.md"
    assert main([*paths, "--output", str(out), "--failed", "peering-rosa-site-b"]) == 0
    text = out.read_text()
    assert "- `aurora`: no changes" in lines(text)
    assert "- `peering-rosa-site-a`: 1 to add, 0 to change, 0 to replace, 0 to destroy" in lines(text)
    assert "- `peering-rosa-site-b`: **plan failed**" in lines(text)


def test_cli_appends_the_topology_of_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_plans(tmp_path, aurora=plan())
    assert main([*paths, "--config", str(ROOT / "config" / "example.yaml")]) == 0
    text = capsys.readouterr().out
    assert "<details><summary>Topology</summary>" in text
    assert "```mermaid\nflowchart LR\n" in text
    assert "peering-rosa-site-a<br>tcp/5432" in text


def test_cli_rejects_what_is_not_a_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "aurora.json"
    bad.write_text("{not json")
    assert main([str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {bad}: cannot read a plan")
    bad.write_text(json.dumps({"resource_changes": []}))
    assert main([str(bad)]) == 2
    assert "not a `terraform show -json` plan document" in capsys.readouterr().err


def test_cli_rejects_an_invalid_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"aurora": {"name": "Bad_Name"}}))
    assert main([*write_plans(tmp_path, aurora=plan()), "--config", str(config)]) == 2
    assert "aurora.name" in capsys.readouterr().err


def test_module_runs_as_a_command(tmp_path: Path) -> None:
    paths = write_plans(tmp_path, aurora=plan())
    result = subprocess.run(
        [sys.executable, "-m", "modules.review", *paths], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[0] == MARKER


# --- Keycloak's credentials change -----------------------------------------------------

CREDENTIALS_WARNING = [
    "> [!WARNING]",
    "> **Keycloak's database credentials change.** Keycloak keeps what it started with until its CR is patched:"
    " apply these stacks, then the patch `make render` writes (Keycloak's pods roll), and only then delete what is"
    ' forgotten here (README: "Moving a deployment from copy to iam").',
]


def test_moving_from_copy_to_iam_names_each_credential_change() -> None:
    # GIVEN the plans of a move from copy to iam: the access stack's roles appear, and the
    # keycloak stack creates the ServiceAccount and the user Secret and forgets the copy
    access = plan(
        change("aws_iam_role.keycloak-role_2B28C24F", ["create"], None, {"name": "kc-keycloak"}),
        change("aws_iam_role_policy.keycloak-role_policy_AFB308EB", ["create"], None, {}),
    )
    keycloak = plan(
        change("kubernetes_service_account_v1.identity_service-account_97448892", ["create"], None, {}),
        change("kubernetes_secret_v1.identity_username-secret_AB37B208", ["create"], None, {}),
        change("kubernetes_secret_v1.db-secret_E653DB88", ["forget"], {"data": {"password": "pw-value"}}, None),
        change("kubernetes_job_v1.db-bootstrap_job_347AA513", ["create"], None, {}),
    )
    # WHEN summarized
    text = render({"access-rosa-a": access, "keycloak-rosa-a": keycloak})
    # THEN one warning names every change of the credentials, and no value
    start = lines(text).index("> [!WARNING]")
    assert lines(text)[start:start + 7] == [
        *CREDENTIALS_WARNING,
        "> - `access-rosa-a`: `aws_iam_role.keycloak-role_2B28C24F` created",
        "> - `keycloak-rosa-a`: `kubernetes_service_account_v1.identity_service-account_97448892` created",
        "> - `keycloak-rosa-a`: `kubernetes_secret_v1.identity_username-secret_AB37B208` created",
        "> - `keycloak-rosa-a`: `kubernetes_secret_v1.db-secret_E653DB88` forgotten (left in place)",
        "",
    ]
    assert "pw-value" not in text
    assert text.index("No resource that holds") < text.index("> [!WARNING]") < text.index("**Changes per stack**")


def test_a_refreshed_copy_or_another_stacks_role_is_no_credentials_change() -> None:
    refreshed = plan(change("kubernetes_secret_v1.db-secret_E653DB88", ["update"], {"data": "a"}, {"data": "b"}))
    monitoring = plan(change("aws_iam_role.aurora_monitoring-role_1A2B3C4D", ["create"], None, {}))
    text = render({"keycloak-rosa-a": refreshed, "aurora": monitoring})
    assert "credentials change" not in text


def test_removing_a_clusters_access_stack_is_named() -> None:
    gone = plan(change("aws_iam_role.bootstrap-role_2C7508A7", ["delete"], {"name": "x"}, None))
    assert "> - `access-rosa-b`: `aws_iam_role.bootstrap-role_2C7508A7` destroyed" in lines(render({"access-rosa-b": gone}))
