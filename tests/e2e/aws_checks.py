"""Read-only look-ups through boto3 that several end-to-end test modules assert on."""

from __future__ import annotations

from typing import Any

from tests.e2e.world import Deployment, RosaVpc


def peering_of(d: Deployment, rosa: RosaVpc) -> dict[str, Any]:
    peering_id = d.outputs()[f"peering-{rosa.name}"]["peering_connection_id"]
    (connection,) = d.client("ec2", rosa.region).describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[peering_id]
    )["VpcPeeringConnections"]
    return connection


def routes_via(d: Deployment, region: str, table_id: str, peering_id: str) -> list[str]:
    (table,) = d.client("ec2", region).describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    return [r["DestinationCidrBlock"] for r in table["Routes"] if r.get("VpcPeeringConnectionId") == peering_id]


def ingress_cidrs(d: Deployment) -> dict[str, str]:
    group_id = d.outputs()["aurora"]["security_group_id"]
    rules = d.client("ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group_id]}]
    )["SecurityGroupRules"]
    return {
        r["CidrIpv4"]: r.get("Description", "")
        for r in rules
        if not r["IsEgress"] and r["IpProtocol"] == "tcp" and r["FromPort"] == r["ToPort"] == 5432
    }
