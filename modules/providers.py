"""The one module that imports provider bindings.

Every other module takes provider classes from here, so moving to a maintained CDKTF fork
or regenerated bindings is a change to this file alone. The imports are the documented,
per-submodule ones; `modules.provider_loading.install()` first makes them cheap (see that
module; `CDKTF_FAST_PROVIDERS=0` turns it off).
"""

from modules import provider_loading

provider_loading.install()

# ruff: noqa: E402  (the imports must follow install())
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_instance import DataAwsInstance, DataAwsInstanceFilter
from cdktf_cdktf_provider_aws.data_aws_route_tables import DataAwsRouteTables, DataAwsRouteTablesFilter
from cdktf_cdktf_provider_aws.data_aws_subnet import DataAwsSubnet
from cdktf_cdktf_provider_aws.data_aws_vpc import DataAwsVpc
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderAssumeRole, AwsProviderEndpoints
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_peering_connection import VpcPeeringConnection
from cdktf_cdktf_provider_aws.vpc_peering_connection_accepter import VpcPeeringConnectionAccepterA
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

__all__ = [
    "AwsProvider",
    "AwsProviderAssumeRole",
    "AwsProviderEndpoints",
    "DataAwsCallerIdentity",
    "DataAwsInstance",
    "DataAwsInstanceFilter",
    "DataAwsRouteTables",
    "DataAwsRouteTablesFilter",
    "DataAwsSubnet",
    "DataAwsVpc",
    "DbSubnetGroup",
    "RdsCluster",
    "RdsClusterInstance",
    "Route",
    "RouteTable",
    "RouteTableAssociation",
    "SecurityGroup",
    "Subnet",
    "Vpc",
    "VpcPeeringConnection",
    "VpcPeeringConnectionAccepterA",
    "VpcSecurityGroupIngressRule",
]
