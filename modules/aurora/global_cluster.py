"""The Aurora Global Database (`aurora.secondary`, issue #25): the global cluster the
primary cluster is joined to in place, and that the `aurora-secondary` stack's cluster
joins as its read-only secondary.

Beyond the Keycloak HA guide, which stays in one region. Keycloak's benchmark tooling
(keycloak-benchmark `provision/aws/rds/aurora_create_global_db.sh`) builds the same thing
with `aws rds create-global-cluster --source-db-cluster-identifier <primary arn>`.

The primary joins through `source_db_cluster_identifier` (its ARN), never through its own
`global_cluster_identifier`: AWS refuses to add an existing cluster that way ("existing
RDS Clusters cannot be added to an existing RDS Global Cluster"), while the global
cluster's create call takes it in place, keeping its data, endpoints and resource id. The
source is ForceNew and never read back, so it plans no change later; both member clusters
ignore their membership fields (`modules.aurora.cluster`). Engine, version, database name
and encryption come from the source: AWS refuses them beside it.

Construct id `global-cluster` is a Terraform address: renaming it replaces the global
cluster.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from modules import naming
from modules.config import AuroraSpec
from modules.construct_tree import reference


class GlobalCluster:
    """`<aurora.name>-global`, created from the primary cluster `source_cluster_arn`, as the
    resource `id_` of `scope` (the aurora stack: `global-cluster`).

    With `aurora.deletion_protection` (the default) it has RDS deletion protection and
    Terraform's `prevent_destroy`, as the clusters do. `force_destroy` lets a destroy (once
    protection is lifted) remove the members from it first: AWS deletes no global cluster
    that has members. Exposes `identifier` and `writer_endpoint` (the global writer
    endpoint, which follows the writer across a switchover).
    """

    def __init__(self, scope: Construct, id_: str, *, spec: AuroraSpec, source_cluster_arn: str) -> None:
        from modules import providers  # RdsGlobalCluster is on demand: most configs need none

        lifecycle: dict[str, Any] | None = {"prevent_destroy": True} if spec.deletion_protection else None
        self.resource = providers.RdsGlobalCluster(
            scope,
            id_,
            global_cluster_identifier=naming.global_cluster_identifier(spec.name),
            source_db_cluster_identifier=source_cluster_arn,
            force_destroy=True,
            deletion_protection=spec.deletion_protection,
            lifecycle=lifecycle,
        )

    @property
    def identifier(self) -> str:
        return reference(self.resource, "global_cluster_identifier")

    @property
    def writer_endpoint(self) -> str:
        """The global writer endpoint (`<global id>.global-<hash>.global.rds.amazonaws.com`)."""
        return reference(self.resource, "endpoint")
