"""The cluster's parameter groups: this tool's parameters merged with the config's.

The cluster parameter group always exists and carries this tool's parameters (TLS only,
statement logging that keeps data out of the logs) plus `aurora.cluster_parameters`,
which may override them (`rds.force_ssl` only while Keycloak does not verify TLS: the
config rules refuse it otherwise). An instance parameter group exists only when
`aurora.instance_parameters` names a parameter; without one every instance uses RDS's
default group of the engine major, named explicitly, so that removing the last instance
parameter moves the instances back to it before their group is deleted.

Both groups are named after the engine major, so a major upgrade needs new groups (a
group's family is its major's). Both are `create_before_destroy`: the new group is
created, the cluster and its instances move to it, and the old group is deleted last;
without it Terraform deletes the old group first, which AWS refuses while it is in use
("One or more database instances are still members of this parameter group"). Their
descriptions never change: a description is ForceNew too, and a new one under the same
name would clash with the group still in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from constructs import Construct

from modules import naming
from modules.config import AuroraSpec
from modules.config.model import ParameterSetting
from modules.providers import RdsClusterParameterGroup, RdsClusterParameterGroupParameter

#: This tool's cluster parameters, in the order they are written.
PROJECT_CLUSTER_PARAMETERS = {
    # Refuse unencrypted connections; the AWS JDBC wrapper speaks TLS.
    "rds.force_ssl": "1",
    # `ddl`, not `all`: Keycloak's statements carry user data and credential hashes, which
    # do not belong in CloudWatch.
    "log_statement": "ddl",
    # Statements slower than a second, for tuning.
    "log_min_duration_statement": "1000",
}


def parameter_list(own: Mapping[str, str], configured: Mapping[str, ParameterSetting]) -> list[dict[str, str]]:
    """The `parameter` blocks of a group: `own` (name -> value) in its order, each replaced
    by the configured setting of that name, then the other configured ones by name. The
    apply method is written only when it is not the provider's default, `immediate`."""

    def block(name: str, setting: ParameterSetting) -> dict[str, str]:
        method = {} if setting.apply_method == "immediate" else {"apply_method": setting.apply_method}
        return {"name": name, "value": setting.value, **method}

    merged = {name: configured.get(name, ParameterSetting(value=value)) for name, value in own.items()}
    merged.update({name: configured[name] for name in sorted(configured) if name not in own})
    return [block(name, setting) for name, setting in merged.items()]


def cluster_parameter_group(scope: Construct, spec: AuroraSpec) -> RdsClusterParameterGroup:
    """The cluster parameter group (construct id `parameter-group` under `scope`)."""
    return RdsClusterParameterGroup(
        scope,
        "parameter-group",
        name=naming.cluster_parameter_group_name(spec.name, spec.engine_major),
        family=f"aurora-postgresql{spec.engine_major}",
        description=f"Aurora {spec.name}: TLS only, DDL and slow statement logging",
        # Struct classes: jsii converts a plain dict inside a list with camelCase keys only.
        parameter=[
            RdsClusterParameterGroupParameter(**block)
            for block in parameter_list(PROJECT_CLUSTER_PARAMETERS, spec.cluster_parameters)
        ],
        lifecycle={"create_before_destroy": True},
    )


def instance_parameter_group(scope: Construct, spec: AuroraSpec) -> Any | None:
    """The instance parameter group (construct id `instance-parameter-group` under `scope`),
    or None when `aurora.instance_parameters` is empty."""
    if not spec.instance_parameters:
        return None
    from modules import providers  # DbParameterGroup is on demand: most configs need none

    return providers.DbParameterGroup(
        scope,
        "instance-parameter-group",
        name=naming.instance_parameter_group_name(spec.name, spec.engine_major),
        family=f"aurora-postgresql{spec.engine_major}",
        description=f"Aurora {spec.name}: instance parameters",
        parameter=[providers.DbParameterGroupParameter(**block) for block in parameter_list({}, spec.instance_parameters)],
        lifecycle={"create_before_destroy": True},
    )
