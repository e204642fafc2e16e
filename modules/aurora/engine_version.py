"""Engine version changes Aurora cannot make, refused at plan time, before anything changes.

The config alone does not know which version runs: AWS may have upgraded a minor version
since the last apply (auto minor version upgrade, or a forced upgrade). The aws provider
refreshes the cluster's `engine_version_actual` from AWS at plan time and keeps that value
in the plan even when `engine_version` changes (verified with hashicorp/aws 5.100.0), so a
precondition comparing it with the config is decided by `terraform plan`: a failed
precondition fails the plan, and nothing is applied. On a new cluster the value is unknown
until it exists; Terraform then checks after creating the cluster, where it always holds.

Only major and minor numbers are compared (`16.8.1` counts as `16.8`). Which majors may be
configured at all is the config's rule (`SUPPORTED_ENGINE_MAJORS`); which upgrade targets
AWS offers from a given version is AWS's (`describe-db-engine-versions`
`ValidUpgradeTarget`): an unsupported jump fails at ModifyDBCluster, after the new
parameter group was created and before anything else changed.
"""

from __future__ import annotations

from cdktf import Fn, Op, Precondition, Token

from modules.config import AuroraSpec


def number(value: int) -> float:
    """`value` as an operand of cdktf's `Op`: cdktf 0.21 writes a literal 0 there as
    `undefined` (Terraform: "There is no variable named undefined"); a number token does not."""
    return Token.as_number(str(value))


def _part(version: str, index: int) -> object:
    """Number `index` (0 major, 1 minor) of a version given as a Terraform expression."""
    return Fn.tonumber(Fn.element(Fn.split(".", version), index))


def engine_version_preconditions(spec: AuroraSpec, *, deployed_version: str,
                                 global_database: bool = False) -> list[Precondition]:
    """Preconditions refusing what `spec.engine_version` cannot do to a cluster running
    `deployed_version` (a reference to the cluster's `engine_version_actual`).

    Auto minor version upgrade off: no downgrade (AWS refuses one at apply, after other
    changes went through). On: `engine_version` is ignored by Terraform (AWS moves minors
    itself), so a major upgrade or a newer minor in the config would silently not happen:
    both are refused, naming the switch to turn off for that one apply.

    `global_database` (a member of one, `aurora.secondary`; default no): no upgrade either.
    AWS upgrades a global database through its global cluster (a major) or its secondaries
    first (a minor); a ModifyDBCluster of a member, which the `aurora` stack would send
    first, is refused. This tool does not drive that upgrade yet.
    """
    major, minor = number(spec.engine_major), number(spec.engine_minor)
    deployed_major, deployed_minor = _part(deployed_version, 0), _part(deployed_version, 1)
    configured = f"aurora.engine_version is {spec.engine_version}"
    upgrade: list[Precondition] = []
    if global_database:
        upgrade = [
            Precondition(
                condition=Op.or_(
                    Op.lt(major, deployed_major),
                    Op.and_(Op.eq(major, deployed_major), Op.lte(minor, deployed_minor)),
                ),
                error_message=(
                    f"Refused: {configured}, newer than the {deployed_version} the cluster runs, and it belongs to "
                    "a global database (aurora.secondary): AWS upgrades one through its global cluster, secondaries "
                    "first, which this tool does not do yet. Upgrade it as docs/operations.md (\"A second region\") "
                    f'says, then set aurora.engine_version to the version it runs; until then keep "{deployed_version}".'
                ),
            )
        ]
    if not spec.auto_minor_version_upgrade:
        return upgrade + [
            Precondition(
                condition=Op.or_(
                    Op.lt(deployed_major, major),
                    Op.and_(Op.eq(deployed_major, major), Op.lte(deployed_minor, minor)),
                ),
                error_message=(
                    f"Refused: {configured}, older than the {deployed_version} the cluster runs, and Aurora "
                    "cannot downgrade. If AWS upgraded the cluster (a forced minor upgrade), set "
                    f'aurora.engine_version: "{deployed_version}"; an older major version means restoring a '
                    "snapshot into a new cluster (aurora.restore)."
                ),
            )
        ]
    ignored = (
        "while aurora.auto_minor_version_upgrade is on, which makes Terraform ignore engine_version (AWS "
        "upgrades minor versions in the maintenance window)"
    )
    return upgrade + [
        Precondition(
            condition=Op.eq(deployed_major, major),
            error_message=(
                f"Refused: {configured}, another major version than the {deployed_version} the cluster runs, "
                f"{ignored}. Set aurora.auto_minor_version_upgrade: false for the apply that upgrades, then turn "
                "it on again."
            ),
        ),
        Precondition(
            condition=Op.or_(Op.neq(deployed_major, major), Op.gte(deployed_minor, minor)),
            error_message=(
                f"Refused: {configured}, newer than the {deployed_version} the cluster runs, {ignored}. Set "
                "aurora.auto_minor_version_upgrade: false for the apply that upgrades, or wait for AWS."
            ),
        ),
    ]
