"""The preflight checks, one function each: `(context) -> rows`. Read-only AWS calls only.

Each function yields `Result` rows, through `attempt` so that an AWS error or unusable
credentials become a row rather than a crash. A check that depends on an earlier one
of its own (the instance class on the engine version, versioning on the bucket) skips
its row when that one failed, so each mistake shows as one ✗. To add a check, write one
function and add it to `CHECKS`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from modules.config import AuroraSpec, DeploymentConfig, RosaClusterSpec
from modules.naming import AURORA_SECONDARY_STACK_ID, NOTIFYING_SERVICES, WEB_IDENTITY_AUDIENCE, issuer_host_path
from modules.peering import cidr, messages
from modules.peering.vpc_lookup import RosaVpc, VpcNotFound, find_rosa_vpc, selected_route_tables
from modules.preflight.context import Context, Identity, Result, Status, attempt

Check = Callable[[Context], Iterator[Result]]

ENGINE = "aurora-postgresql"


def _identities(config: DeploymentConfig) -> dict[Identity, list[str]]:
    """Every identity the stacks call AWS as, with who uses it: the Aurora stack, the
    state backend, and each ROSA cluster's provider (its region, its role)."""
    users: dict[Identity, list[str]] = {Identity(config.aurora.region): ["aurora"]}
    if config.aurora.secondary is not None:
        users.setdefault(Identity(config.aurora.secondary.region), []).append(AURORA_SECONDARY_STACK_ID)
    if config.state.backend == "s3":
        users.setdefault(Identity(config.state_region), []).append("state")
    for rosa in config.rosa_clusters:
        users.setdefault(Identity(config.rosa_region(rosa), rosa.role_arn), []).append(rosa.name)
    return users


def credentials(ctx: Context) -> Iterator[Result]:
    """Each identity's credentials work: STS GetCallerIdentity (after AssumeRole)."""
    for identity, users in _identities(ctx.config).items():
        yield _caller(ctx, identity, f"credentials: {', '.join(users)}")


def _caller(ctx: Context, identity: Identity, name: str) -> Result:
    try:
        caller = ctx.clients(identity).client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        ctx.mark_unusable(identity)
        return Result(name, Status.FAIL, f"no usable credentials for {identity.describe()}: {err}")
    return Result(name, Status.PASS, f"account {caller['Account']} as {caller['Arn']} ({identity.describe()})")


@dataclass(frozen=True)
class _Site:
    """Where an Aurora cluster goes: the primary (`aurora`) or the secondary
    (`aurora.secondary`), its spec, and the identity its stack calls AWS as."""

    row: str  # the prefix of its rows: "" or "aurora-secondary: "
    path: str  # its config path: "aurora" or "aurora.secondary"
    class_path: str  # where its instance class is configured
    spec: AuroraSpec
    identity: Identity


def _sites(ctx: Context) -> list[_Site]:
    """The primary's site, and the secondary's with `aurora.secondary`."""
    aurora = ctx.config.aurora
    sites = [_Site("", "aurora", "aurora.instance_class", aurora, ctx.aurora)]
    if aurora.secondary is not None:
        secondary = aurora.secondary_cluster()
        class_path = "aurora.secondary.instance_class" if aurora.secondary.instance_class else "aurora.instance_class"
        sites.append(_Site(f"{AURORA_SECONDARY_STACK_ID}: ", "aurora.secondary", class_path, secondary,
                           Identity(secondary.region)))
    return sites


def availability_zones(ctx: Context) -> Iterator[Result]:
    """Every `aurora.subnets[].availability_zone` (and `aurora.secondary.subnets[]`'s) exists
    in its region and is available."""
    for site in _sites(ctx):
        yield attempt(f"{site.row}availability zones", lambda site=site: _zones(ctx, site))


def _zones(ctx: Context, site: _Site) -> Result:
    spec, name = site.spec, f"{site.row}availability zones"
    states = ctx.zones(site.identity)
    problems = []
    for i, subnet in enumerate(spec.subnets):
        az = subnet.availability_zone
        if az not in states:
            problems.append(
                f"{site.path}.subnets[{i}].availability_zone = {az!r}: not an availability zone of {spec.region} "
                f"(it has {', '.join(sorted(states))})"
            )
        elif states[az] != "available":
            problems.append(f"{site.path}.subnets[{i}].availability_zone = {az!r}: {states[az]} in {spec.region}")
    if problems:
        return Result(name, Status.FAIL, "\n".join(problems))
    return Result(name, Status.PASS, f"{', '.join(s.availability_zone for s in spec.subnets)} in {spec.region}")


def engine_offerings(ctx: Context) -> Iterator[Result]:
    """`aurora.engine_version` is offered in the region (DescribeDBEngineVersions), with
    `aurora.secondary` in both regions and for global databases (`SupportsGlobalDatabases`),
    and the instance class is orderable for it in every configured AZ
    (DescribeOrderableDBInstanceOptions)."""
    for site in _sites(ctx):
        offered: list[bool] = []
        yield attempt(f"{site.row}engine version", lambda site=site, offered=offered: _version(ctx, site, offered))
        yield attempt(f"{site.row}instance class", lambda site=site, offered=offered: _class(ctx, site, offered))


def _version(ctx: Context, site: _Site, offered: list[bool]) -> Result:
    spec, name = site.spec, f"{site.row}engine version"
    rds = ctx.clients(site.identity).client("rds")
    found = rds.describe_db_engine_versions(Engine=ENGINE, EngineVersion=spec.engine_version)["DBEngineVersions"]
    field = f"aurora.engine_version = {spec.engine_version!r}"
    if not found:
        family = f"{ENGINE}{spec.engine_major}"
        pages = rds.get_paginator("describe_db_engine_versions").paginate(Engine=ENGINE, DBParameterGroupFamily=family)
        same_major = [v["EngineVersion"] for page in pages for v in page["DBEngineVersions"]]
        return Result(name, Status.FAIL, f"{field}: {ENGINE} does not offer it in {spec.region} "
                      f"({spec.engine_major}.x offered: {', '.join(same_major) or 'none'})")
    status = found[0].get("Status", "available")
    if status != "available":
        return Result(name, Status.FAIL, f"{field}: {status} in {spec.region}; a new cluster needs an available version")
    if ctx.config.aurora.secondary is not None and not found[0].get("SupportsGlobalDatabases", False):
        return Result(name, Status.FAIL, f"{field}: {ENGINE} {spec.engine_version} does not support global "
                      f"databases in {spec.region} (aurora.secondary); choose a version that does")
    offered.append(True)
    return Result(name, Status.PASS, f"{ENGINE} {spec.engine_version} is offered in {spec.region}"
                  + (", for global databases" if ctx.config.aurora.secondary is not None else ""))


def _class(ctx: Context, site: _Site, offered: list[bool]) -> Result:
    spec, name = site.spec, f"{site.row}instance class"
    if not offered:
        return Result(name, Status.SKIP, "not checked: the engine version did not pass")
    pages = ctx.clients(site.identity).client("rds").get_paginator("describe_orderable_db_instance_options").paginate(
        Engine=ENGINE, EngineVersion=spec.engine_version, DBInstanceClass=spec.instance_class, Vpc=True
    )
    zones = {zone["Name"] for page in pages for option in page["OrderableDBInstanceOptions"]
             for zone in option.get("AvailabilityZones", [])}
    field = f"{site.class_path} = {spec.instance_class!r}"
    # Only the configured AZs the region has: the availability zones row names the others.
    existing = ctx.zones(site.identity)
    wanted = [subnet.availability_zone for subnet in spec.subnets if subnet.availability_zone in existing]
    if not zones:
        return Result(name, Status.FAIL, f"{field}: not orderable for {ENGINE} {spec.engine_version} in {spec.region}")
    missing = [az for az in wanted if az not in zones]
    if missing:
        return Result(name, Status.FAIL, f"{field}: not orderable in {', '.join(missing)} "
                      f"(only in {', '.join(sorted(zones))})")
    return Result(name, Status.PASS,
                  f"{spec.instance_class} orderable for {ENGINE} {spec.engine_version} in {', '.join(wanted)}")


def state_bucket(ctx: Context) -> Iterator[Result]:
    """With S3 state: the bucket exists, in `state.s3.region`, and has versioning on."""
    if ctx.config.state.backend != "s3":
        return
    s3_spec = ctx.config.state.s3_settings
    region = ctx.config.state_region
    field = f"state.s3.bucket = {s3_spec.bucket!r}"
    exists: list[bool] = []

    def bucket() -> Result:
        s3 = ctx.clients(Identity(region)).client("s3")
        try:
            head = s3.head_bucket(Bucket=s3_spec.bucket)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket"):
                first = " (or deploy the state stack first: make deploy STACKS=state)" if s3_spec.bootstrap else ""
                return Result("state bucket", Status.FAIL, f"{field}: no such bucket; create it first{first}")
            if code in ("403", "AccessDenied"):
                return Result("state bucket", Status.FAIL, f"{field}: exists, but these credentials may not use it")
            raise
        actual = head.get("BucketRegion") or region
        if actual != region:
            return Result("state bucket", Status.FAIL, f"{field}: in {actual}, but state.s3.region is {region}")
        exists.append(True)
        return Result("state bucket", Status.PASS, f"{s3_spec.bucket} in {region}")

    def versioning() -> Result:
        if not exists:
            return Result("state bucket versioning", Status.SKIP, "not checked: no usable bucket")
        status = ctx.clients(Identity(region)).client("s3").get_bucket_versioning(Bucket=s3_spec.bucket).get("Status")
        if status != "Enabled":
            return Result("state bucket versioning", Status.FAIL, (
                f"{field}: versioning is {'suspended' if status == 'Suspended' else 'off'}, so an overwritten or "
                f"deleted state cannot be restored; aws s3api put-bucket-versioning --bucket {s3_spec.bucket} "
                "--versioning-configuration Status=Enabled"
            ))
        return Result("state bucket versioning", Status.PASS, "enabled")

    yield attempt("state bucket", bucket)
    yield attempt("state bucket versioning", versioning)


def rosa_vpcs(ctx: Context) -> Iterator[Result]:
    """Per ROSA cluster, the rules the peering stack's guards enforce: its finder matches
    exactly one VPC; `machine_cidr` lies inside one of that VPC's CIDR blocks and the
    VPC overlaps no `aurora.vpc_cidr`; at least one ROSA route table is selected. A retired
    cluster's VPC is no longer looked up (it may be gone): one row says so."""
    for i, rosa in enumerate(ctx.config.rosa_clusters):
        if rosa.retired:
            yield Result(f"{rosa.name}: VPC", Status.SKIP, "retired: its stacks destroy what they hold, no lookup")
            continue
        yield from _rosa_cluster(ctx, f"rosa_clusters[{i}]", rosa)


def _rosa_cluster(ctx: Context, field: str, rosa: RosaClusterSpec) -> Iterator[Result]:
    identity = Identity(ctx.config.rosa_region(rosa), rosa.role_arn)
    found: list[RosaVpc] = []

    def vpc() -> Result:
        name = f"{rosa.name}: VPC"
        ec2 = ctx.clients(identity).client("ec2")
        try:
            rosa_vpc = find_rosa_vpc(ec2, rosa, field, messages.in_region(identity.region, identity.role_arn))
        except VpcNotFound as err:
            return Result(name, Status.FAIL, str(err))
        found.append(rosa_vpc)
        blocks = ", ".join(rosa_vpc.cidr_blocks)
        return Result(name, Status.PASS, f"{rosa_vpc.vpc_id} ({blocks}), by {field}.vpc.{rosa.vpc.way}")

    def cidrs() -> Result:
        name = f"{rosa.name}: CIDRs"
        if not found:
            return Result(name, Status.SKIP, "not checked: no VPC found")
        rosa_vpc = found[0]
        machine = str(rosa.machine_cidr) if rosa.machine_cidr is not None else rosa_vpc.cidr_block
        aurora_cidr = str(ctx.config.aurora.vpc_cidr)
        problems = []
        if not cidr.fits_one_of(machine, rosa_vpc.cidr_blocks):
            blocks = ", ".join(rosa_vpc.cidr_blocks)
            problems.append(messages.machine_cidr_outside(field, machine, rosa_vpc.vpc_id, blocks))
        overlapping = cidr.overlapping(rosa_vpc.cidr_blocks, aurora_cidr)
        if overlapping:
            problems.append(messages.aurora_overlaps(field, aurora_cidr, rosa_vpc.vpc_id, ", ".join(overlapping)))
        if problems:
            return Result(name, Status.FAIL, "\n".join(problems))
        return Result(name, Status.PASS, f"machine CIDR {machine} inside the VPC; disjoint from aurora.vpc_cidr {aurora_cidr}")

    def route_tables() -> Result:
        name = f"{rosa.name}: route tables"
        if not found:
            return Result(name, Status.SKIP, "not checked: no VPC found")
        tables = selected_route_tables(ctx.clients(identity).client("ec2"), rosa, found[0].vpc_id)
        if not tables:
            return Result(name, Status.FAIL, messages.no_route_table(field, rosa, found[0].vpc_id))
        return Result(name, Status.PASS, f"{len(tables)} selected ({field}.route_tables.mode = {rosa.route_tables.mode!r})")

    yield attempt(f"{rosa.name}: VPC", vpc)
    yield attempt(f"{rosa.name}: CIDRs", cidrs)
    yield attempt(f"{rosa.name}: route tables", route_tables)


def oidc_providers(ctx: Context) -> Iterator[Result]:
    """With pod roles (`keycloak.credentials` `iam` or `external-secrets`): the database's
    account holds an IAM OIDC provider for each ROSA cluster's `oidc_issuer`, listing the
    audience `sts.amazonaws.com`; the `access-<name>` stacks' roles trust it (they live in
    the database's account, where `rds-db:connect` on the cluster can be granted)."""
    config = ctx.config
    if not config.keycloak.uses_pod_roles:
        return
    for i, rosa in enumerate(config.rosa_clusters):
        if rosa.retired:  # its roles are being destroyed: nothing trusts the provider any more
            continue
        name = f"{rosa.name}: OIDC provider"
        issuer = str(rosa.oidc_issuer)

        def probe(issuer: str = issuer, name: str = name, i: int = i) -> Result:
            iam = ctx.clients(ctx.aurora).client("iam")
            wanted = issuer_host_path(issuer)
            arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
            arn = next((a for a in arns if a.split(":oidc-provider/", 1)[-1] == wanted), None)
            field = f"rosa_clusters[{i}].oidc_issuer = {issuer!r}"
            if arn is None:
                return Result(
                    name, Status.FAIL,
                    f"{field}: no IAM OIDC provider for it in the database's account; create it there "
                    f"(aws iam create-open-id-connect-provider --url {issuer} --client-id-list {WEB_IDENTITY_AUDIENCE} "
                    "--thumbprint-list <the issuer's CA thumbprint>)",
                )
            audiences = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn).get("ClientIDList", [])
            if WEB_IDENTITY_AUDIENCE not in audiences:
                return Result(
                    name, Status.FAIL,
                    f"{field}: the provider {arn} does not list the audience {WEB_IDENTITY_AUDIENCE} "
                    f"(it lists {', '.join(audiences) or 'none'}); aws iam add-client-id-to-open-id-connect-provider "
                    f"--open-id-connect-provider-arn {arn} --client-id {WEB_IDENTITY_AUDIENCE}",
                )
            return Result(name, Status.PASS, f"{arn}, audience {WEB_IDENTITY_AUDIENCE}")

        yield attempt(name, probe)


#: What a publisher needs of the key of an encrypted topic (SNS developer guide).
_PUBLISH_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def _grants(policy: dict[str, Any], service: str) -> bool:
    """Whether `policy` has an Allow statement for `service` covering `_PUBLISH_ACTIONS`
    (a statement's conditions are taken as met: they cannot be evaluated from here)."""
    for statement in policy.get("Statement", []):
        principals = (statement.get("Principal") or {}) if isinstance(statement.get("Principal"), dict) else {}
        services = principals.get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and service in services and all(
            any(fnmatch.fnmatchcase(wanted, pattern) for pattern in actions) for wanted in _PUBLISH_ACTIONS
        ):
            return True
    return False


def alarm_notifications(ctx: Context) -> Iterator[Result]:
    """With alarms and a key or topic brought by the config: CloudWatch alarms and RDS events
    can publish. The topic of `aurora.alarms.topic_arn` exists; the key encrypting the alarm
    topic (`aurora.kms_key_arn`, or the topic's own) is a customer-managed key whose policy
    lets `NOTIFYING_SERVICES` use it. SNS drops what a publisher cannot encrypt, silently:
    nothing else would say so. This tool's own key and topic need no check."""
    config = ctx.config
    alarms = config.aurora.alarms
    if alarms is None or not (alarms.topic_arn or config.aurora.kms_key_arn):
        return
    name = "alarm notifications"

    def probe() -> Result:
        clients = ctx.clients(ctx.aurora)
        if alarms.topic_arn:
            field = f"aurora.alarms.topic_arn = {alarms.topic_arn!r}"
            try:
                attributes = clients.client("sns").get_topic_attributes(TopicArn=alarms.topic_arn)["Attributes"]
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") == "NotFound":
                    return Result(name, Status.FAIL, f"{field}: no such topic; create it first, or leave topic_arn out")
                raise
            key = attributes.get("KmsMasterKeyId")
            if not key:
                return Result(name, Status.PASS, f"topic {alarms.topic_arn}, not encrypted")
            whose = f"{field}: its key {key}"
        else:
            key = str(config.aurora.kms_key_arn)
            whose = f"aurora.kms_key_arn = {key!r}: the key of the alarm topic"
        kms = clients.client("kms")
        metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
        if metadata.get("KeyManager") == "AWS":
            return Result(name, Status.FAIL, f"{whose} is AWS managed, and its policy cannot let CloudWatch and RDS "
                          "events publish; encrypt the topic with a customer-managed key")
        policy = json.loads(kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"])
        missing = [service for service in NOTIFYING_SERVICES if not _grants(policy, service)]
        if missing:
            return Result(
                name, Status.FAIL,
                f"{whose} does not let {' and '.join(missing)} use it (kms:GenerateDataKey*, kms:Decrypt), "
                "so SNS would drop every alarm and event silently; add the statement of docs/operations.md, "
                "\"Alarms and the dashboard\", to its policy",
            )
        return Result(name, Status.PASS, f"key {metadata['Arn']} lets {' and '.join(NOTIFYING_SERVICES)} publish")

    yield attempt(name, probe)


#: Every check, in the order the table lists them; credentials first (later rows skip
#: an identity whose credentials failed).
CHECKS: tuple[Check, ...] = (
    credentials, availability_zones, engine_offerings, state_bucket, rosa_vpcs, oidc_providers, alarm_notifications,
)


def run_checks(ctx: Context, checks: tuple[Check, ...] = CHECKS) -> list[Result]:
    """Every row of every check, in order."""
    return [row for check in checks for row in check(ctx)]
