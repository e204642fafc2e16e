"""Finding the AWS objects of a stack's resources, three ways:

* **by tag**: every taggable resource carries `keycloak-aurora:address` =
  `<stack>/<type>.<logical id>` (`modules/aws/tagging.py`), set in the create call, so even
  an object whose create never returned to Terraform carries it. EC2 lists are filtered
  by the deployment tag on the server side.
* **by name**: what has a unique name (cluster and instance identifiers, subnet group,
  parameter group, log groups, IAM roles, the KMS alias and through it its key, a security
  group's name) is looked up by the name in the synthesized JSON (the names of
  `modules/naming.py`), also when it carries no tag (created before tags were read back,
  or by a version of this project without address tags). One carrying another address or
  deployment in its tags is a conflict, never adopted.
* **from its parent**, for what takes no tags (route table associations, role policies
  and attachments, the secret rotation, routes) and the VPC's default security group: from
  the copies already chosen of the resources they belong to (`Resolve`).

Each object comes back as a `Found`: its import id (the formats verified on moto, notes
in /work/notes/research-network-preflight-recover.md D2), and its attributes under the
provider's names, which `keepers.py` compares with the references of the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from modules.naming import ADDRESS_TAG, DEPLOYMENT_TAG
from modules.recover.aws import Aws
from modules.recover.stack import (
    EachValue,
    OutputRef,
    ProviderSettings,
    Reference,
    Resource,
    ResourceRef,
    SynthesizedStack,
    is_literal,
)


@dataclass(frozen=True)
class Found:
    """An AWS object: import id, attributes (provider names), tags, and a short label."""

    import_id: str
    attributes: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    label: str = ""
    #: The instance key for a `for_each` resource (the route table of a route), else None.
    key: str | None = None


#: Resolves a reference of the stack to its value(s), from the copies chosen so far,
#: another stack's outputs, or nothing (None: not known, e.g. a data source).
Resolve = Callable[[Reference], "set[str] | None"]

#: The instance states in which a peering connection is gone or never was.
_PEERING_GONE = {"deleted", "deleting", "rejected", "failed", "expired"}


def _tags(pairs: Iterable[Mapping[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {pair[key]: pair[value] for pair in pairs or []}


def _missing(error: ClientError) -> bool:
    code = error.response["Error"]["Code"]
    return "NotFound" in code or code in ("NoSuchEntity", "ResourceNotFoundException", "NotFoundException")


# --- EC2, by tag ----------------------------------------------------------------------


def ec2_list(client: Any, operation: str, key: str, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item (`key` of each page) an EC2 `describe_*` call returns for `filters`."""
    # DescribeFlowLogs names its filter list `Filter`; every other call `Filters`.
    argument = "Filter" if operation == "describe_flow_logs" else "Filters"
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**{argument: filters}):
        items += page[key]
    return items


def _vpc(item: dict[str, Any]) -> Found:
    return Found(item["VpcId"], {"id": item["VpcId"], "cidr_block": item.get("CidrBlock")}, _tags(item.get("Tags")),
                 item.get("CidrBlock", ""))


def _subnet(item: dict[str, Any]) -> Found:
    attributes = {"id": item["SubnetId"], "arn": item.get("SubnetArn"), "vpc_id": item["VpcId"],
                  "cidr_block": item.get("CidrBlock"), "availability_zone": item.get("AvailabilityZone")}
    return Found(item["SubnetId"], attributes, _tags(item.get("Tags")),
                 f"{item.get('CidrBlock')} in {item['VpcId']}")


def _route_table(item: dict[str, Any]) -> Found:
    return Found(item["RouteTableId"], {"id": item["RouteTableId"], "vpc_id": item["VpcId"]},
                 _tags(item.get("Tags")), f"in {item['VpcId']}")


def _security_group(item: dict[str, Any]) -> Found:
    attributes = {"id": item["GroupId"], "vpc_id": item.get("VpcId"), "name": item.get("GroupName")}
    return Found(item["GroupId"], attributes, _tags(item.get("Tags")), f"{item.get('GroupName')} in {item.get('VpcId')}")


def _flow_log(item: dict[str, Any]) -> Found:
    attributes = {"id": item["FlowLogId"], "vpc_id": item.get("ResourceId"),
                  "iam_role_arn": item.get("DeliverLogsPermissionArn"), "log_destination": item.get("LogDestination")}
    return Found(item["FlowLogId"], attributes, _tags(item.get("Tags")), f"of {item.get('ResourceId')}")


def _peering(item: dict[str, Any]) -> Found:
    requester, accepter = item.get("RequesterVpcInfo", {}), item.get("AccepterVpcInfo", {})
    attributes = {"id": item["VpcPeeringConnectionId"], "vpc_peering_connection_id": item["VpcPeeringConnectionId"],
                  "vpc_id": requester.get("VpcId"), "peer_vpc_id": accepter.get("VpcId"),
                  "peer_region": accepter.get("Region"), "status": item.get("Status", {}).get("Code")}
    label = f"{requester.get('VpcId')} -> {accepter.get('VpcId')}, {attributes['status']}"
    return Found(item["VpcPeeringConnectionId"], attributes, _tags(item.get("Tags")), label)


def _rule(item: dict[str, Any]) -> Found:
    attributes = {"id": item["SecurityGroupRuleId"], "security_group_id": item["GroupId"],
                  "cidr_ipv4": item.get("CidrIpv4"), "from_port": item.get("FromPort"), "to_port": item.get("ToPort"),
                  "ip_protocol": item.get("IpProtocol")}
    label = f"{item.get('IpProtocol')}/{item.get('FromPort')} from {item.get('CidrIpv4')} in {item['GroupId']}"
    return Found(item["SecurityGroupRuleId"], attributes, _tags(item.get("Tags")), label)


#: type -> (describe call, response key, converter, keep?) of the EC2 types found by tag.
_EC2_TAGGED: dict[str, tuple[str, str, Callable[[dict[str, Any]], Found], Callable[[dict[str, Any]], bool]]] = {
    "aws_vpc": ("describe_vpcs", "Vpcs", _vpc, lambda _: True),
    "aws_subnet": ("describe_subnets", "Subnets", _subnet, lambda _: True),
    "aws_route_table": ("describe_route_tables", "RouteTables", _route_table, lambda _: True),
    "aws_security_group": ("describe_security_groups", "SecurityGroups", _security_group,
                           lambda item: item.get("GroupName") != "default"),
    "aws_default_security_group": ("describe_security_groups", "SecurityGroups", _security_group,
                                   lambda item: item.get("GroupName") == "default"),
    "aws_flow_log": ("describe_flow_logs", "FlowLogs", _flow_log, lambda _: True),
    "aws_vpc_peering_connection": ("describe_vpc_peering_connections", "VpcPeeringConnections", _peering,
                                   lambda item: item.get("Status", {}).get("Code") not in _PEERING_GONE),
    "aws_vpc_peering_connection_accepter": ("describe_vpc_peering_connections", "VpcPeeringConnections", _peering,
                                            lambda item: item.get("Status", {}).get("Code") not in _PEERING_GONE),
    "aws_vpc_security_group_ingress_rule": ("describe_security_group_rules", "SecurityGroupRules", _rule,
                                            lambda _: True),
}

#: Types found by their unique name: type -> the attribute holding it.
NAME_ATTRIBUTES = {
    "aws_rds_cluster": "cluster_identifier",
    "aws_rds_global_cluster": "global_cluster_identifier",
    "aws_rds_cluster_instance": "identifier",
    "aws_db_subnet_group": "name",
    "aws_rds_cluster_parameter_group": "name",
    "aws_db_parameter_group": "name",
    "aws_db_event_subscription": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_iam_role": "name",
    "aws_kms_alias": "name",
    "aws_security_group": "name",
}

#: Types found from the copies chosen of what they belong to.
PARENT_TYPES = frozenset({
    "aws_route_table_association", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
    "aws_secretsmanager_secret_rotation", "aws_route", "aws_default_security_group",
})

#: Every type recovery can search for; a stack's other resources are reported as not searched.
#: (A KMS key is found by its tag, and by the name of the alias of the stack that targets it.)
SEARCHABLE = frozenset(_EC2_TAGGED) | frozenset(NAME_ATTRIBUTES) | PARENT_TYPES | {"aws_kms_key"}


class Finder:
    """The AWS copies of the resources of `stack`, a stack of `deployment` (lists cached
    per type and provider)."""

    def __init__(self, aws: Aws, deployment: str, stack: SynthesizedStack) -> None:
        self._aws = aws
        self._deployment = deployment
        self._stack = stack
        self._listed: dict[tuple[str, ProviderSettings], list[Found]] = {}

    # -- by tag -------------------------------------------------------------------------

    def by_tag(self, resource: Resource) -> list[Found]:
        """Objects of the resource's type tagged with its address and this deployment."""
        address = resource.tags.get(ADDRESS_TAG)
        if address is None:
            return []
        return [
            found for found in self._tagged(resource.type, resource.provider)
            # The deployment again: the server-side filter is an optimisation, not a guarantee.
            if found.tags.get(ADDRESS_TAG) == address and found.tags.get(DEPLOYMENT_TAG) == self._deployment
        ]

    def _tagged(self, rtype: str, provider: ProviderSettings) -> list[Found]:
        key = (rtype, provider)
        if key not in self._listed:
            self._listed[key] = self._list_tagged(rtype, provider)
        return self._listed[key]

    def _list_tagged(self, rtype: str, provider: ProviderSettings) -> list[Found]:
        deployment = [{"Name": f"tag:{DEPLOYMENT_TAG}", "Values": [self._deployment]}]
        if rtype in _EC2_TAGGED:
            operation, key, convert, keep = _EC2_TAGGED[rtype]
            items = ec2_list(self._aws.client("ec2", provider), operation, key, deployment)
            return [convert(item) for item in items if keep(item)]
        if rtype == "aws_kms_key":
            return self._kms_keys_tagged(provider)
        return []

    def _kms_keys_tagged(self, provider: ProviderSettings) -> list[Found]:
        """KMS has no tag filter: every key's tags are read (keys pending deletion skipped)."""
        kms = self._aws.client("kms", provider)
        found = []
        for page in kms.get_paginator("list_keys").paginate():
            for key in page["Keys"]:
                try:
                    tags = _tags(kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags"), "TagKey", "TagValue")
                except ClientError:
                    continue  # AWS managed keys and keys of others may refuse: not ours
                if tags.get(DEPLOYMENT_TAG) == self._deployment:
                    key_found = self._kms_key(kms, key["KeyId"], tags)
                    if key_found is not None:
                        found.append(key_found)
        return found

    @staticmethod
    def _kms_key(kms: Any, key_id: str, tags: dict[str, str] | None = None) -> Found | None:
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        if metadata.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            return None
        if tags is None:
            tags = _tags(kms.list_resource_tags(KeyId=key_id).get("Tags"), "TagKey", "TagValue")
        attributes = {"id": metadata["KeyId"], "key_id": metadata["KeyId"], "arn": metadata["Arn"]}
        return Found(metadata["KeyId"], attributes, tags, metadata.get("Description", ""))

    # -- by name ------------------------------------------------------------------------

    def by_name(self, resource: Resource) -> list[Found]:
        """Objects carrying the resource's unique name (whatever their tags)."""
        if resource.type == "aws_kms_key":
            return self._key_of_aliases(resource)
        attribute = NAME_ATTRIBUTES.get(resource.type)
        name = resource.literal(attribute) if attribute else None
        if name is None:
            return []
        lookup = getattr(self, f"_named_{resource.type.removeprefix('aws_')}")
        try:
            return lookup(resource.provider, name)
        except ClientError as error:
            if _missing(error):
                return []
            raise

    def _named_rds_cluster(self, provider: ProviderSettings, name: str) -> list[Found]:
        rds = self._aws.client("rds", provider)
        found = []
        for cluster in rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"]:
            secret = cluster.get("MasterUserSecret") or {}
            attributes = {
                "id": cluster["DBClusterIdentifier"], "cluster_identifier": cluster["DBClusterIdentifier"],
                "arn": cluster.get("DBClusterArn"), "engine": cluster.get("Engine"),
                "engine_version": cluster.get("EngineVersion"), "db_subnet_group_name": cluster.get("DBSubnetGroup"),
                "db_cluster_parameter_group_name": cluster.get("DBClusterParameterGroup"),
                "kms_key_id": cluster.get("KmsKeyId"),
                "vpc_security_group_ids": [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])],
                "master_user_secret": [{"secret_arn": secret.get("SecretArn"), "kms_key_id": secret.get("KmsKeyId")}]
                if secret else [],
                "master_user_secret_kms_key_id": secret.get("KmsKeyId"),
                "resource_id": cluster.get("DbClusterResourceId"),
            }
            label = f"{cluster.get('Status')}, resource id {cluster.get('DbClusterResourceId')}"
            found.append(Found(cluster["DBClusterIdentifier"], attributes, _tags(cluster.get("TagList")), label))
        return found

    def _named_rds_global_cluster(self, provider: ProviderSettings, name: str) -> list[Found]:
        rds = self._aws.client("rds", provider)
        found = []
        for cluster in rds.describe_global_clusters(GlobalClusterIdentifier=name)["GlobalClusters"]:
            attributes = {
                "id": cluster["GlobalClusterIdentifier"], "global_cluster_identifier": cluster["GlobalClusterIdentifier"],
                "arn": cluster.get("GlobalClusterArn"), "endpoint": cluster.get("Endpoint"),
                "global_cluster_resource_id": cluster.get("GlobalClusterResourceId"),
            }
            members = ", ".join(m["DBClusterArn"] for m in cluster.get("GlobalClusterMembers", []))
            label = f"{cluster.get('Status')}, members {members or 'none'}"
            found.append(Found(cluster["GlobalClusterIdentifier"], attributes, _tags(cluster.get("TagList")), label))
        return found

    def _named_rds_cluster_instance(self, provider: ProviderSettings, name: str) -> list[Found]:
        rds = self._aws.client("rds", provider)
        found = []
        for instance in rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"]:
            attributes = {
                "id": instance["DBInstanceIdentifier"], "identifier": instance["DBInstanceIdentifier"],
                "arn": instance.get("DBInstanceArn"), "cluster_identifier": instance.get("DBClusterIdentifier"),
                "db_subnet_group_name": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
                "monitoring_role_arn": instance.get("MonitoringRoleArn"),
                "performance_insights_kms_key_id": instance.get("PerformanceInsightsKMSKeyId"),
            }
            label = f"{instance.get('DBInstanceStatus')} in {instance.get('AvailabilityZone')}"
            found.append(Found(instance["DBInstanceIdentifier"], attributes, _tags(instance.get("TagList")), label))
        return found

    def _named_db_subnet_group(self, provider: ProviderSettings, name: str) -> list[Found]:
        rds = self._aws.client("rds", provider)
        found = []
        for group in rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"]:
            arn = group.get("DBSubnetGroupArn")
            attributes = {"id": group["DBSubnetGroupName"], "name": group["DBSubnetGroupName"], "arn": arn,
                          "vpc_id": group.get("VpcId"),
                          "subnet_ids": [s["SubnetIdentifier"] for s in group.get("Subnets", [])]}
            found.append(Found(group["DBSubnetGroupName"], attributes, self._rds_tags(rds, arn),
                               f"in {group.get('VpcId')}"))
        return found

    def _named_rds_cluster_parameter_group(self, provider: ProviderSettings, name: str) -> list[Found]:
        rds = self._aws.client("rds", provider)
        groups = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name)["DBClusterParameterGroups"]
        return [
            Found(g["DBClusterParameterGroupName"],
                  {"id": g["DBClusterParameterGroupName"], "name": g["DBClusterParameterGroupName"],
                   "arn": g.get("DBClusterParameterGroupArn")},
                  self._rds_tags(rds, g.get("DBClusterParameterGroupArn")), g.get("DBParameterGroupFamily", ""))
            for g in groups
        ]

    def _named_db_parameter_group(self, provider: ProviderSettings, name: str) -> list[Found]:
        rds = self._aws.client("rds", provider)
        groups = rds.describe_db_parameter_groups(DBParameterGroupName=name)["DBParameterGroups"]
        return [
            Found(g["DBParameterGroupName"],
                  {"id": g["DBParameterGroupName"], "name": g["DBParameterGroupName"], "arn": g.get("DBParameterGroupArn")},
                  self._rds_tags(rds, g.get("DBParameterGroupArn")), g.get("DBParameterGroupFamily", ""))
            for g in groups
        ]

    def _named_db_event_subscription(self, provider: ProviderSettings, name: str) -> list[Found]:
        # RDS refuses a second subscription of the same name: after an interrupted apply the
        # next one fails on it unless it is imported.
        rds = self._aws.client("rds", provider)
        found = []
        for subscription in rds.describe_event_subscriptions(SubscriptionName=name)["EventSubscriptionsList"]:
            arn = subscription.get("EventSubscriptionArn")
            attributes = {"id": subscription["CustSubscriptionId"], "name": subscription["CustSubscriptionId"],
                          "arn": arn, "sns_topic": subscription.get("SnsTopicArn")}
            found.append(Found(subscription["CustSubscriptionId"], attributes, self._rds_tags(rds, arn),
                               f"{subscription.get('SourceType')} events to {subscription.get('SnsTopicArn')}"))
        return found

    @staticmethod
    def _rds_tags(rds: Any, arn: str | None) -> dict[str, str]:
        return _tags(rds.list_tags_for_resource(ResourceName=arn).get("TagList")) if arn else {}

    def _named_cloudwatch_log_group(self, provider: ProviderSettings, name: str) -> list[Found]:
        logs = self._aws.client("logs", provider)
        found = []
        for group in logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", []):
            if group["logGroupName"] != name:
                continue
            arn = group.get("arn", "").removesuffix(":*")
            attributes = {"id": name, "name": name, "arn": arn, "kms_key_id": group.get("kmsKeyId")}
            tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {}) if arn else {}
            found.append(Found(name, attributes, dict(tags), f"{group.get('storedBytes', 0)} bytes stored"))
        return found

    def _named_iam_role(self, provider: ProviderSettings, name: str) -> list[Found]:
        role = self._aws.client("iam", provider).get_role(RoleName=name)["Role"]
        return [Found(name, {"id": name, "name": name, "arn": role["Arn"]}, _tags(role.get("Tags")))]

    def _named_kms_alias(self, provider: ProviderSettings, name: str) -> list[Found]:
        kms = self._aws.client("kms", provider)
        for page in kms.get_paginator("list_aliases").paginate():
            for alias in page["Aliases"]:
                if alias["AliasName"] == name and alias.get("TargetKeyId"):
                    attributes = {"id": name, "name": name, "arn": alias.get("AliasArn"),
                                  "target_key_id": alias["TargetKeyId"]}
                    return [Found(name, attributes, {}, f"-> {alias['TargetKeyId']}")]
        return []

    def _key_of_aliases(self, key: Resource) -> list[Found]:
        """The key that the stack's aliases of `key` (`alias/<name>`) point at."""
        found: dict[str, Found] = {}
        for alias in self._stack.resources:
            targets = alias.references().get("target_key_id", [])
            if alias.type == "aws_kms_alias" and any(
                isinstance(ref, ResourceRef) and ref.address == key.address for ref in targets
            ):
                for named in self.by_name(alias):
                    kms = self._aws.client("kms", key.provider)
                    key_found = self._kms_key(kms, named.attributes["target_key_id"])
                    if key_found is not None:
                        found[key_found.import_id] = key_found
        return list(found.values())

    def _named_security_group(self, provider: ProviderSettings, name: str) -> list[Found]:
        # Names are unique per VPC only: every VPC's group of that name is a candidate.
        ec2 = self._aws.client("ec2", provider)
        items = ec2_list(ec2, "describe_security_groups", "SecurityGroups", [{"Name": "group-name", "Values": [name]}])
        return [_security_group(item) for item in items]

    # -- from the parent ----------------------------------------------------------------

    def by_parent(self, resource: Resource, resolve: Resolve) -> list[Found]:
        """Objects found through what `resource` refers to, resolved by `resolve`."""
        if resource.type not in PARENT_TYPES:
            return []
        try:
            return getattr(self, f"_child_{resource.type.removeprefix('aws_')}")(resource, resolve)
        except ClientError as error:
            if _missing(error):
                return []
            raise

    @staticmethod
    def _one(resource: Resource, attribute: str, resolve: Resolve) -> str | None:
        """The single value of `attribute`: a literal, or a reference resolved to one value."""
        value = resource.body.get(attribute)
        if is_literal(value):
            return str(value)
        refs = resource.references().get(attribute, [])
        resolved = resolve(refs[0]) if len(refs) == 1 else None
        return next(iter(resolved)) if resolved and len(resolved) == 1 else None

    def _child_route_table_association(self, resource: Resource, resolve: Resolve) -> list[Found]:
        subnet, table = self._one(resource, "subnet_id", resolve), self._one(resource, "route_table_id", resolve)
        if not subnet or not table:
            return []
        ec2 = self._aws.client("ec2", resource.provider)
        found = []
        for route_table in ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]:
            for association in route_table.get("Associations", []):
                if association.get("SubnetId") == subnet:
                    attributes = {"id": association["RouteTableAssociationId"], "subnet_id": subnet,
                                  "route_table_id": table}
                    found.append(Found(f"{subnet}/{table}", attributes))
        return found

    def _child_iam_role_policy(self, resource: Resource, resolve: Resolve) -> list[Found]:
        role, name = self._one(resource, "role", resolve), self._one(resource, "name", resolve)
        if not role or not name:
            return []
        self._aws.client("iam", resource.provider).get_role_policy(RoleName=role, PolicyName=name)
        return [Found(f"{role}:{name}", {"id": f"{role}:{name}", "role": role, "name": name})]

    def _child_iam_role_policy_attachment(self, resource: Resource, resolve: Resolve) -> list[Found]:
        role, policy = self._one(resource, "role", resolve), self._one(resource, "policy_arn", resolve)
        if not role or not policy:
            return []
        iam = self._aws.client("iam", resource.provider)
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        if policy not in {p["PolicyArn"] for p in attached}:
            return []
        return [Found(f"{role}/{policy}", {"role": role, "policy_arn": policy})]

    def _child_secretsmanager_secret_rotation(self, resource: Resource, resolve: Resolve) -> list[Found]:
        secret = self._one(resource, "secret_id", resolve)
        if not secret:
            return []
        described = self._aws.client("secretsmanager", resource.provider).describe_secret(SecretId=secret)
        # A rotation that was never configured does not exist: importing it would fail.
        if not described.get("RotationEnabled"):
            return []
        return [Found(described["ARN"], {"id": described["ARN"], "secret_id": described["ARN"]})]

    def _child_default_security_group(self, resource: Resource, resolve: Resolve) -> list[Found]:
        vpc = self._one(resource, "vpc_id", resolve)
        if not vpc:
            return []
        filters = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
        ec2 = self._aws.client("ec2", resource.provider)
        return [_security_group(item) for item in ec2_list(ec2, "describe_security_groups", "SecurityGroups", filters)]

    def _child_route(self, resource: Resource, resolve: Resolve) -> list[Found]:
        """Routes through the peering connection, in the route table and to the destination
        the stack names where they are known (a `for_each` route's table is its key)."""
        peering = self._one(resource, "vpc_peering_connection_id", resolve)
        if not peering:
            return []
        refs = resource.references()
        table_is_key = any(isinstance(ref, EachValue) for ref in refs.get("route_table_id", []))
        table = None if table_is_key else self._one(resource, "route_table_id", resolve)
        destination = self._one(resource, "destination_cidr_block", resolve)
        filters = [{"Name": "route.vpc-peering-connection-id", "Values": [peering]}]
        if table:
            filters.append({"Name": "route-table-id", "Values": [table]})
        ec2 = self._aws.client("ec2", resource.provider)
        found = []
        for route_table in ec2_list(ec2, "describe_route_tables", "RouteTables", filters):
            for route in route_table.get("Routes", []):
                cidr = route.get("DestinationCidrBlock")
                if route.get("VpcPeeringConnectionId") != peering or (destination and cidr != destination):
                    continue
                table_id = route_table["RouteTableId"]
                attributes = {"route_table_id": table_id, "destination_cidr_block": cidr,
                              "vpc_peering_connection_id": peering}
                found.append(Found(f"{table_id}_{cidr}", attributes, label=f"{cidr} in {table_id}",
                                   key=table_id if table_is_key else None))
        return found


def output_values(outputs: Mapping[str, Mapping[str, Any]], ref: OutputRef) -> set[str]:
    """The value(s) of another stack's output, from {state name: outputs}."""
    value = outputs.get(ref.state, {}).get(ref.output)
    if isinstance(value, list):
        return {str(v) for v in value}
    return set() if value is None else {str(value)}
