"""A `peering-<name>` stack per ROSA cluster: adding or removing one never touches the
database or the other clusters' stacks."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformProvider, TerraformStack
from constructs import Construct

from modules.aws.provider import aws_provider
from modules.aws.tagging import tag_resources
from modules.config import DeploymentConfig, RosaClusterSpec
from modules.naming import AURORA_STACK_ID, peering_stack_id
from modules.peering.rosa_peering import AuroraSide, RosaPeering
from modules.state.backend import configure_state, stack_outputs
from modules.construct_tree import remote_output


def peering_providers(
    stack: TerraformStack, config: DeploymentConfig, rosa: RosaClusterSpec
) -> tuple[TerraformProvider, TerraformProvider]:
    """(ROSA side, Aurora side): the default provider, the requester, in the cluster's region
    (through its `role_arn`), and alias `aurora`, the accepter, in the Aurora region. A
    retired cluster's stack keeps them: Terraform destroys each resource through its own."""
    return (
        aws_provider(stack, "aws", region=config.rosa_region(rosa), aws=config.aws, role_arn=rosa.role_arn),
        aws_provider(stack, "aws-aurora", region=config.aurora.region, aws=config.aws, alias="aurora"),
    )


class PeeringStack(TerraformStack):
    """Peering, routes both ways and the 5432 rule for one ROSA cluster.

    Reads the Aurora VPC, route table and security group from the `aurora` stack's
    outputs in its state, and depends on that stack, so `cdktf deploy '*'`
    deploys Aurora first and `cdktf destroy '*'` removes peering stacks first.
    Outputs: `peering_connection_id`, `rosa_vpc_id`, `machine_cidr`.
    """

    def __init__(
        self, scope: Construct, *, config: DeploymentConfig, rosa: RosaClusterSpec, aurora: TerraformStack
    ) -> None:
        stack_id = peering_stack_id(rosa.name)
        super().__init__(scope, stack_id)
        configure_state(self, stack_id, config)
        self.add_dependency(aurora)

        spec = config.aurora
        rosa_provider, aurora_provider = peering_providers(self, config, rosa)

        aurora_outputs = stack_outputs(self, "aurora-outputs", config, AURORA_STACK_ID)
        peering = RosaPeering(
            self,
            "peering",
            rosa=rosa,
            rosa_region=config.rosa_region(rosa),
            # Guard messages name the config field, e.g. rosa_clusters[0].machine_cidr.
            config_field=f"rosa_clusters[{config.rosa_clusters.index(rosa)}]",
            aurora=AuroraSide(
                region=spec.region,
                vpc_id=remote_output(aurora_outputs, "vpc_id"),
                # a token: the CIDR guards put it inside Terraform expressions
                vpc_cidr=aurora_outputs.get_string("vpc_cidr"),
                route_table_id=remote_output(aurora_outputs, "route_table_id"),
                security_group_id=remote_output(aurora_outputs, "security_group_id"),
                port=spec.port,
            ),
            rosa_provider=rosa_provider,
            aurora_provider=aurora_provider,
        )
        TerraformOutput(self, "peering_connection_id", value=peering.connection_id, description="VPC peering connection id.")
        TerraformOutput(self, "rosa_vpc_id", value=peering.rosa_vpc_id, description="The ROSA cluster's VPC id.")
        TerraformOutput(self, "machine_cidr", value=peering.machine_cidr, description="CIDR allowed to reach Aurora on 5432.")

        # Every resource carries the deployment's tags and RosaCluster=<name> (last: it tags
        # the resources created above).
        tag_resources(self, deployment=spec.name, defaults=spec.tags, markers={"RosaCluster": rosa.name})
