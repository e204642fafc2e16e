"""Read-only look-ups through boto3 that several end-to-end test modules assert on.

Each side is read with its own account's credentials, as its owner would: the ROSA side
(requester, routes to Aurora) in the cluster's region and account (through its role for
`rosa-partner`), the Aurora side (accepter, return route, 5432 rule) with the database
account's in the Aurora region.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.world import AURORA_REGION, Deployment, RosaVpc


def peering_id_of(d: Deployment, rosa: RosaVpc) -> str:
    return d.outputs()[f"peering-{rosa.name}"]["peering_connection_id"]


def peering_of(d: Deployment, rosa: RosaVpc) -> dict[str, Any]:
    """The cluster's peering connection as the ROSA side (the requester) sees it."""
    (connection,) = d.rosa_client(rosa, "ec2").describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[peering_id_of(d, rosa)]
    )["VpcPeeringConnections"]
    return connection


def accepted_peering_of(d: Deployment, rosa: RosaVpc) -> dict[str, Any]:
    """The cluster's peering connection as the Aurora side (the accepter) sees it."""
    (connection,) = d.client("ec2").describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[peering_id_of(d, rosa)]
    )["VpcPeeringConnections"]
    return connection


def routes_via(d: Deployment, region: str, table_id: str, peering_id: str, role_arn: str | None = None) -> list[str]:
    """The destinations routed through `peering_id` in `table_id`, read in `region` with the
    database account's credentials, or through `role_arn` in that role's account."""
    (table,) = d.client("ec2", region, role_arn).describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    return [r["DestinationCidrBlock"] for r in table["Routes"] if r.get("VpcPeeringConnectionId") == peering_id]


def rosa_routes_via(d: Deployment, rosa: RosaVpc, table_id: str, peering_id: str) -> list[str]:
    """`routes_via` in one of `rosa`'s route tables, read in its region and account."""
    return routes_via(d, rosa.region, table_id, peering_id, rosa.role_arn)


def aurora_routes_via(d: Deployment, peering_id: str) -> list[str]:
    """`routes_via` in the Aurora route table (the return routes)."""
    return routes_via(d, AURORA_REGION, d.outputs()["aurora"]["route_table_id"], peering_id)


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


#: Every pod role of the deployment starts so (`<aurora>-<rosa>-<purpose>`).
POD_ROLE_PREFIX = "keycloak-aurora-rosa-"


def pod_roles(d: Deployment) -> dict[str, dict]:
    """{role name: its inline policy} of every ROSA cluster's pod role (in the database's account)."""
    iam = d.client("iam")
    roles = {}
    for found in iam.list_roles()["Roles"]:
        name = found["RoleName"]
        if name.startswith(POD_ROLE_PREFIX):
            (policy,) = iam.list_role_policies(RoleName=name)["PolicyNames"]
            roles[name] = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
    return roles


def peered(d: Deployment, rosa: RosaVpc) -> dict[str, Any]:
    """What `rosa`'s peering stack made, each side read in its own account: the connection's
    status as each side sees it, the routes through it in each ROSA route table and in the
    Aurora route table, and the 5432 rule for its machine CIDR."""
    peering_id = peering_id_of(d, rosa)
    return {
        "requester": peering_of(d, rosa)["Status"]["Code"],
        "accepter": accepted_peering_of(d, rosa)["Status"]["Code"],
        "rosa routes": {kind: rosa_routes_via(d, rosa, table, peering_id) for kind, table in rosa.route_table_ids.items()},
        "return route": aurora_routes_via(d, peering_id),
        "5432 rule": rosa.cidr in ingress_cidrs(d),
    }


def working(rosa: RosaVpc) -> dict[str, Any]:
    """`peered` of a cluster whose peering stack is deployed."""
    return {
        "requester": "active",
        "accepter": "active",
        "rosa routes": {kind: ["192.168.0.0/16"] for kind in rosa.route_table_ids},
        "return route": [rosa.cidr],
        "5432 rule": True,
    }


def gone(rosa: RosaVpc) -> dict[str, Any]:
    """`peered` of a cluster whose peering stack was destroyed: deleted as each side sees it,
    no route through it on either side, no 5432 rule for its machine CIDR."""
    return {
        "requester": "deleted",
        "accepter": "deleted",
        "rosa routes": {kind: [] for kind in rosa.route_table_ids},
        "return route": [],
        "5432 rule": False,
    }
