"""`make preflight` against a moto server: passes on a correct config, and each mistake of
issue #17 fails exactly one row, with the whole message asserted.

The world: a ROSA-like VPC in eu-west-1 whose running worker carries the cluster id tag,
another found by its Name tag in eu-central-1, two VPCs sharing a tag, and two state
buckets, one with versioning on. The RDS offerings come from the harness's patch
(aurora-postgresql 15.6-17.5; no m5 classes), as AWS answers."""

from __future__ import annotations

import copy
import json
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from modules.config import ENDPOINT_SERVICES
from modules.preflight.__main__ import preflight
from tests.harness.moto import MotoServer, aws_env, boto3_client

#: One moto server and world per module: its tests stay on one xdist worker.
pytestmark = pytest.mark.xdist_group("preflight")

CLUSTER_ID = "2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"
#: One of moto's default Amazon AMIs, named rather than listed: listing them all is slow.
AMI = "ami-12c6146b"
PARTNER_ROLE = "arn:aws:iam::222222222222:role/peering"
BUCKET = "preflight-state"
UNVERSIONED_BUCKET = "preflight-unversioned"
#: The OIDC issuer of each ROSA cluster; the world's database account holds providers for
#: the first two, and one for the third without the sts.amazonaws.com audience.
ISSUERS = {
    "rosa-site-a": "https://oidc.op1.openshiftapps.com/site-a",
    "rosa-site-b": "https://oidc.op1.openshiftapps.com/site-b",
    "rosa-partner": "https://oidc.op1.openshiftapps.com/partner",
}
WRONG_AUDIENCE_ISSUER = "https://oidc.op1.openshiftapps.com/wrong-audience"


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with MotoServer.start(log_dir=tmp_path_factory.mktemp("moto")) as server, pytest.MonkeyPatch.context() as env:
        for name, value in aws_env(server.url).items():
            env.setenv(name, value)
        yield server


def _build_world(url: str) -> dict[str, str]:
    """The ROSA VPCs and buckets; returns {name: id} of what tests refer to."""
    ec2 = boto3_client("ec2", "eu-west-1", url)
    vpc_a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_a, CidrBlock="10.0.16.0/20", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.xlarge", SubnetId=subnet, PrivateIpAddress="10.0.16.10",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "api.openshift.com/id", "Value": CLUSTER_ID}]}],
    )
    for cidr in ("10.5.0.0/16", "10.6.0.0/16"):
        ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Team", "Value": "shared"}]}])
    boto3_client("ec2", "eu-central-1", url).create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "rosa-site-b-vpc"}]}],
    )
    # A cluster in another account: moto keeps one backend per account, as AWS does.
    credentials = boto3_client("sts", "us-east-1", url).assume_role(RoleArn=PARTNER_ROLE, RoleSessionName="world")
    boto3.session.Session(
        aws_access_key_id=credentials["Credentials"]["AccessKeyId"],
        aws_secret_access_key=credentials["Credentials"]["SecretAccessKey"],
        aws_session_token=credentials["Credentials"]["SessionToken"],
        region_name="us-east-1",
    ).client("ec2", endpoint_url=url).create_vpc(
        CidrBlock="10.2.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "rosa-partner-vpc"}]}],
    )
    iam = boto3_client("iam", "eu-west-1", url)
    for issuer in ISSUERS.values():
        iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    iam.create_open_id_connect_provider(Url=WRONG_AUDIENCE_ISSUER, ClientIDList=["openshift"], ThumbprintList=["a" * 40])
    # Keys and topics a config may bring for the alarms (issue #21).
    kms, sns = boto3_client("kms", "eu-west-1", url), boto3_client("sns", "eu-west-1", url)
    granting = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]},
         "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"},
    ]}
    keys = {"granting_key": kms.create_key(Policy=json.dumps(granting))["KeyMetadata"]["Arn"],
            "bare_key": kms.create_key()["KeyMetadata"]["Arn"]}
    topics = {"plain_topic": sns.create_topic(Name="db-alarms")["TopicArn"],
              "bare_topic": sns.create_topic(Name="db-alarms-bare", Attributes={"KmsMasterKeyId": keys["bare_key"]})["TopicArn"]}
    s3 = boto3_client("s3", "eu-west-1", url)
    for bucket in (BUCKET, UNVERSIONED_BUCKET):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return {"vpc_a": vpc_a, **keys, **topics}


@pytest.fixture(scope="module")
def world(moto: MotoServer) -> dict[str, str]:
    return _build_world(moto.url)


@pytest.fixture
def config(moto: MotoServer, world: dict[str, str], example_data: dict[str, Any]) -> dict[str, Any]:
    """The example pointed at moto: rosa-site-a by cluster id, rosa-site-b by tags in eu-central-1."""
    data = copy.deepcopy(example_data)
    data["aws"] = {"endpoints": {service: moto.url for service in sorted(ENDPOINT_SERVICES)}, "skip_validation": True}
    data["state"] = {"backend": "s3", "s3": {"bucket": BUCKET}}
    data["rosa_clusters"] = [
        {"name": "rosa-site-a", "vpc": {"cluster_id": CLUSTER_ID}, "machine_cidr": "10.0.0.0/16",
         "oidc_issuer": ISSUERS["rosa-site-a"]},
        {"name": "rosa-site-b", "region": "eu-central-1", "vpc": {"tags": {"Name": "rosa-site-b-vpc"}},
         "oidc_issuer": ISSUERS["rosa-site-b"]},
    ]
    return data


def run(data: dict[str, Any], tmp_path: Path) -> tuple[int, list[list[str]]]:
    """(exit status, the table's rows as [status, name, reason]) of a preflight of `data`."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = io.StringIO()
    status = preflight(str(path), out)
    lines = out.getvalue().splitlines()
    rows = []
    for line in lines[2:]:
        if not line:
            break
        if line.startswith("  "):  # a reason's next line
            rows[-1][2] += "\n" + line.strip()
            continue
        mark, rest = line.split(" ", 1)
        name, _, reason = rest.partition("  ")
        rows.append([mark, name.strip(), reason.strip()])
    return status, rows


def test_the_correct_config_passes_every_check(config: dict[str, Any], tmp_path: Path, world: dict[str, str]) -> None:
    status, rows = run(config, tmp_path)
    assert [row[:2] for row in rows] == [
        ["✓", "config"],
        ["✓", "credentials: aurora, state, rosa-site-a"],
        ["✓", "credentials: rosa-site-b"],
        ["✓", "availability zones"],
        ["✓", "engine version"],
        ["✓", "instance class"],
        ["✓", "state bucket"],
        ["✓", "state bucket versioning"],
        ["✓", "rosa-site-a: VPC"],
        ["✓", "rosa-site-a: CIDRs"],
        ["✓", "rosa-site-a: route tables"],
        ["✓", "rosa-site-b: VPC"],
        ["✓", "rosa-site-b: CIDRs"],
        ["✓", "rosa-site-b: route tables"],
        ["✓", "rosa-site-a: OIDC provider"],
        ["✓", "rosa-site-b: OIDC provider"],
    ]
    assert status == 0
    reasons = {name: reason for _, name, reason in rows}
    assert reasons["credentials: rosa-site-b"] == "account 123456789012 as arn:aws:sts::123456789012:user/moto (eu-central-1)"
    assert reasons["instance class"] == "db.t4g.large orderable for aurora-postgresql 16.8 in eu-west-1a, eu-west-1b"
    assert reasons["rosa-site-a: VPC"] == f"{world['vpc_a']} (10.0.0.0/16), by rosa_clusters[0].vpc.cluster_id"
    assert reasons["rosa-site-b: OIDC provider"] == (
        "arn:aws:iam::123456789012:oidc-provider/oidc.op1.openshiftapps.com/site-b, audience sts.amazonaws.com"
    )


def test_without_pod_roles_no_oidc_provider_is_needed(config: dict[str, Any], tmp_path: Path) -> None:
    config["keycloak"] = {"credentials": "copy"}
    for rosa in config["rosa_clusters"]:
        rosa.pop("oidc_issuer")
    status, rows = run(config, tmp_path)
    assert status == 0
    assert not [name for _, name, _ in rows if name.endswith("OIDC provider")]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


#: One mistake each -> (the one failing row, its whole reason; `{vpc_a}` is filled in).
MISTAKES: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "unknown engine version": (
        _set("aurora.engine_version", "16.99"),
        "engine version",
        "aurora.engine_version = '16.99': aurora-postgresql does not offer it in eu-west-1 "
        "(16.x offered: 16.2, 16.3, 16.4, 16.6, 16.8)",
    ),
    "instance class not orderable": (
        _set("aurora.instance_class", "db.m5.large"),
        "instance class",
        "aurora.instance_class = 'db.m5.large': not orderable for aurora-postgresql 16.8 in eu-west-1",
    ),
    "missing state bucket": (
        _set("state.s3.bucket", "no-such-preflight-bucket"),
        "state bucket",
        "state.s3.bucket = 'no-such-preflight-bucket': no such bucket; create it first",
    ),
    "state bucket versioning off": (
        _set("state.s3.bucket", UNVERSIONED_BUCKET),
        "state bucket versioning",
        f"state.s3.bucket = '{UNVERSIONED_BUCKET}': versioning is off, so an overwritten or deleted state cannot be "
        f"restored; aws s3api put-bucket-versioning --bucket {UNVERSIONED_BUCKET} --versioning-configuration Status=Enabled",
    ),
    "availability zone the region does not have": (
        _set("aurora.subnets.1.availability_zone", "eu-west-1d"),
        "availability zones",
        "aurora.subnets[1].availability_zone = 'eu-west-1d': not an availability zone of eu-west-1 "
        "(it has eu-west-1a, eu-west-1b, eu-west-1c)",
    ),
    "availability zone of another region": (
        _set("aurora.subnets.1.availability_zone", "eu-central-1b"),
        "config",
        "aurora.subnets[1].availability_zone = 'eu-central-1b': not an availability zone of aurora.region eu-west-1 "
        "(expected eu-west-1a, eu-west-1b, ...)",
    ),
    "machine CIDR typo": (
        _set("rosa_clusters.0.machine_cidr", "10.9.0.0/16"),
        "rosa-site-a: CIDRs",
        "rosa_clusters[0].machine_cidr = '10.9.0.0/16': not inside the ROSA VPC {vpc_a}'s CIDR blocks (10.0.0.0/16), "
        "so Aurora would route to and admit addresses no ROSA node has; write the cluster's machine CIDR (`rosa "
        "describe cluster`: Machine CIDR) or leave machine_cidr out to use the VPC's",
    ),
    "ROSA VPC overlapping the Aurora VPC": (
        lambda data: data["aurora"].update(
            vpc_cidr="10.1.0.0/16",
            subnets=[{"availability_zone": "eu-west-1a", "cidr": "10.1.0.0/19"},
                     {"availability_zone": "eu-west-1b", "cidr": "10.1.32.0/19"}],
        ),
        "rosa-site-b: CIDRs",
        "aurora.vpc_cidr = '10.1.0.0/16': overlaps the CIDR blocks (10.1.0.0/16) of the ROSA VPC {vpc_b} found by "
        "rosa_clusters[1].vpc; VPC peering needs disjoint address ranges",
    ),
    "cluster id that matches no running instance": (
        _set("rosa_clusters.0.vpc", {"cluster_id": "0000aaaa"}),
        "rosa-site-a: VPC",
        "rosa_clusters[0].vpc.cluster_id = '0000aaaa': no running EC2 instance in eu-west-1 is tagged "
        "api.openshift.com/id=0000aaaa; check the id (`rosa describe cluster -c <name>`: ID) and the cluster's region "
        "and role_arn. Nodes of ROSA classic may not carry that tag: give vpc.id instead (`make find-vpc` prints it "
        "from a node's name)",
    ),
    "tags that match two VPCs": (
        _set("rosa_clusters.1", {"name": "rosa-site-b", "vpc": {"tags": {"Team": "shared"}},
                                 "oidc_issuer": ISSUERS["rosa-site-b"]}),
        "rosa-site-b: VPC",
        "rosa_clusters[1].vpc.tags = {'Team': 'shared'}: matched 2 VPCs in eu-west-1 ({shared}); exactly one must "
        "match: add a tag that only that VPC carries, or give vpc.id",
    ),
    "OIDC issuer without a provider in the database's account": (
        _set("rosa_clusters.0.oidc_issuer", "https://oidc.op1.openshiftapps.com/unknown"),
        "rosa-site-a: OIDC provider",
        "rosa_clusters[0].oidc_issuer = 'https://oidc.op1.openshiftapps.com/unknown': no IAM OIDC provider for it in "
        "the database's account; create it there (aws iam create-open-id-connect-provider --url "
        "https://oidc.op1.openshiftapps.com/unknown --client-id-list sts.amazonaws.com --thumbprint-list <the "
        "issuer's CA thumbprint>)",
    ),
    "OIDC provider without the sts.amazonaws.com audience": (
        _set("rosa_clusters.0.oidc_issuer", WRONG_AUDIENCE_ISSUER),
        "rosa-site-a: OIDC provider",
        f"rosa_clusters[0].oidc_issuer = '{WRONG_AUDIENCE_ISSUER}': the provider "
        "arn:aws:iam::123456789012:oidc-provider/oidc.op1.openshiftapps.com/wrong-audience does not list the audience "
        "sts.amazonaws.com (it lists openshift); aws iam add-client-id-to-open-id-connect-provider "
        "--open-id-connect-provider-arn arn:aws:iam::123456789012:oidc-provider/oidc.op1.openshiftapps.com/wrong-audience "
        "--client-id sts.amazonaws.com",
    ),
    "route tables by tags that no table carries": (
        _set("rosa_clusters.0.route_tables", {"mode": "tags", "tags": {"kubernetes.io/role/internal-elb": "1"}}),
        "rosa-site-a: route tables",
        "rosa_clusters[0].route_tables.tags = {'kubernetes.io/role/internal-elb': '1'}: no route table of the ROSA VPC "
        "{vpc_a} is selected, so no ROSA subnet would route to Aurora",
    ),
}


@pytest.mark.parametrize("case", MISTAKES, ids=list(MISTAKES))
def test_each_mistake_fails_exactly_one_check(case: str, config: dict[str, Any], tmp_path: Path, moto: MotoServer,
                                               world: dict[str, str]) -> None:
    # GIVEN the correct config with one mistake
    change, row, reason = MISTAKES[case]
    change(config)
    # WHEN preflight runs
    status, rows = run(config, tmp_path)
    # THEN it exits 1, and exactly that row failed, saying why
    assert status == 1
    failed = [(name, text) for mark, name, text in rows if mark == "✗"]
    ec2_west, ec2_central = boto3_client("ec2", "eu-west-1", moto.url), boto3_client("ec2", "eu-central-1", moto.url)
    shared = ec2_west.describe_vpcs(Filters=[{"Name": "tag:Team", "Values": ["shared"]}])["Vpcs"]
    vpc_b = ec2_central.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["rosa-site-b-vpc"]}])["Vpcs"][0]["VpcId"]
    ids = {"{vpc_a}": world["vpc_a"], "{vpc_b}": vpc_b, "{shared}": ", ".join(sorted(v["VpcId"] for v in shared))}
    expected = reason
    for marker, value in ids.items():
        expected = expected.replace(marker, value)
    assert failed == [(row, expected)]


def test_without_credentials_every_aws_row_is_skipped(config: dict[str, Any], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    status, rows = run(config, tmp_path)
    assert status == 1
    marks = [(mark, name) for mark, name, _ in rows]
    assert marks[1:3] == [("✗", "credentials: aurora, state, rosa-site-a"), ("✗", "credentials: rosa-site-b")]
    assert {mark for mark, _ in marks[3:]} == {"-"}
    assert rows[1][2] == "no usable credentials for eu-west-1: Unable to locate credentials"
    assert rows[3][2] == "not checked: no usable credentials for eu-west-1"


def test_a_cluster_in_another_account_is_checked_through_its_role(config: dict[str, Any], tmp_path: Path) -> None:
    config["rosa_clusters"].append({
        "name": "rosa-partner", "region": "us-east-1", "role_arn": PARTNER_ROLE,
        "vpc": {"tags": {"Name": "rosa-partner-vpc"}}, "machine_cidr": "10.2.0.0/16",
        "oidc_issuer": ISSUERS["rosa-partner"],
    })
    status, rows = run(config, tmp_path)
    assert [row for row in rows if row[0] != "✓"] == []
    assert status == 0
    reasons = {name: reason for _, name, reason in rows}
    assert reasons["credentials: rosa-partner"] == (
        "account 222222222222 as arn:aws:sts::222222222222:assumed-role/peering/keycloak-aurora-readonly "
        f"(us-east-1, role {PARTNER_ROLE})"
    )
    assert reasons["rosa-partner: VPC"].endswith("(10.2.0.0/16), by rosa_clusters[2].vpc.tags")


# --- alarm notifications (issue #21) -------------------------------------------------------


def notifications_row(config: dict[str, Any], tmp_path: Path) -> tuple[int, list[str]]:
    status, rows = run(config, tmp_path)
    (row,) = [row for row in rows if row[1] == "alarm notifications"]
    return status, row


def test_a_brought_key_that_lets_alarms_and_events_publish(config: dict[str, Any], tmp_path: Path,
                                                           world: dict[str, str]) -> None:
    config["aurora"]["kms_key_arn"] = world["granting_key"]
    status, row = notifications_row(config, tmp_path)
    assert (status, row) == (0, ["✓", "alarm notifications", f"key {world['granting_key']} lets "
                                 "cloudwatch.amazonaws.com and events.rds.amazonaws.com publish"])


def test_a_brought_key_without_the_grant_fails_saying_what_to_add(config: dict[str, Any], tmp_path: Path,
                                                                   world: dict[str, str]) -> None:
    config["aurora"]["kms_key_arn"] = world["bare_key"]
    status, row = notifications_row(config, tmp_path)
    assert status == 1
    assert row == ["✗", "alarm notifications", (
        f"aurora.kms_key_arn = '{world['bare_key']}': the key of the alarm topic does not let cloudwatch.amazonaws.com "
        "and events.rds.amazonaws.com use it (kms:GenerateDataKey*, kms:Decrypt), so SNS would drop every alarm and "
        'event silently; add the statement of docs/operations.md, "Alarms and the dashboard", to its policy')]


def test_a_brought_topic(config: dict[str, Any], tmp_path: Path, world: dict[str, str]) -> None:
    config["aurora"]["alarms"] = {"topic_arn": world["plain_topic"]}
    assert notifications_row(config, tmp_path) == (0, ["✓", "alarm notifications",
                                                       f"topic {world['plain_topic']}, not encrypted"])
    config["aurora"]["alarms"] = {"topic_arn": world["bare_topic"]}
    status, row = notifications_row(config, tmp_path)
    assert (status, row[0]) == (1, "✗")
    assert row[2].startswith(f"aurora.alarms.topic_arn = '{world['bare_topic']}': its key {world['bare_key']} does "
                             "not let cloudwatch.amazonaws.com and events.rds.amazonaws.com use it")
    config["aurora"]["alarms"] = {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:no-such-topic"}
    assert notifications_row(config, tmp_path)[1][2] == (
        "aurora.alarms.topic_arn = 'arn:aws:sns:eu-west-1:123456789012:no-such-topic': no such topic; create it "
        "first, or leave topic_arn out")


def test_a_retired_clusters_vpc_and_oidc_provider_are_not_looked_up(config: dict[str, Any], tmp_path: Path) -> None:
    # GIVEN rosa-site-b retired, its VPC gone already (no VPC matches its tags any more) and
    # its OIDC provider deleted (an issuer no provider has)
    config["rosa_clusters"][1].update(retired=True, vpc={"tags": {"Name": "gone"}},
                                      oidc_issuer="https://oidc.op1.openshiftapps.com/deleted")
    status, rows = run(config, tmp_path)
    # THEN nothing fails: its credentials are still checked (the retirement's destroy needs
    # them), its VPC row says why it is not looked up, and its OIDC provider is not asked for
    assert status == 0, rows
    marks = {name: (mark, reason) for mark, name, reason in rows}
    assert marks["credentials: rosa-site-b"][0] == "✓"
    assert marks["rosa-site-b: VPC"] == ("-", "retired: its stacks destroy what they hold, no lookup")
    assert "rosa-site-b: OIDC provider" not in marks and "rosa-site-b: CIDRs" not in marks


# --- aurora.secondary (issue #25) ----------------------------------------------------

SECONDARY = {
    "region": "eu-central-1",
    "vpc_cidr": "172.20.0.0/16",
    "subnets": [{"availability_zone": "eu-central-1a", "cidr": "172.20.0.0/19"},
                {"availability_zone": "eu-central-1b", "cidr": "172.20.32.0/19"}],
}


def global_database(config: dict[str, Any]) -> dict[str, Any]:
    """The config as a global database: a secondary in eu-central-1, a variable password."""
    config["aurora"].update(secondary=copy.deepcopy(SECONDARY), master_password="variable",
                            instance_class="db.r6g.large")
    config["keycloak"] = {"credentials": "copy"}
    return config


def test_a_secondary_is_checked_in_its_own_region(config: dict[str, Any], tmp_path: Path) -> None:
    status, rows = run(global_database(config), tmp_path)
    assert status == 0, rows
    reasons = {name: reason for mark, name, reason in rows if mark == "✓"}
    assert reasons["credentials: aurora-secondary, rosa-site-b"] == (
        "account 123456789012 as arn:aws:sts::123456789012:user/moto (eu-central-1)")
    assert reasons["aurora-secondary: availability zones"] == "eu-central-1a, eu-central-1b in eu-central-1"
    assert reasons["engine version"] == "aurora-postgresql 16.8 is offered in eu-west-1, for global databases"
    assert reasons["aurora-secondary: engine version"] == (
        "aurora-postgresql 16.8 is offered in eu-central-1, for global databases")
    assert reasons["aurora-secondary: instance class"] == (
        "db.r6g.large orderable for aurora-postgresql 16.8 in eu-central-1a, eu-central-1b")


def test_a_secondary_zone_the_region_lacks_fails_one_row(config: dict[str, Any], tmp_path: Path) -> None:
    data = global_database(config)
    data["aurora"]["secondary"]["subnets"][1]["availability_zone"] = "eu-central-1z"
    status, rows = run(data, tmp_path)
    assert status == 1
    failed = [(name, reason) for mark, name, reason in rows if mark == "✗"]
    assert len(failed) == 1 and failed[0][0] == "aurora-secondary: availability zones"
    assert failed[0][1].startswith("aurora.secondary.subnets[1].availability_zone = 'eu-central-1z': not an "
                                   "availability zone of eu-central-1 (it has eu-central-1a, ")


def test_a_version_without_global_databases_is_refused() -> None:
    # AWS marks each engine version `SupportsGlobalDatabases`; every version the harness
    # offers supports them, so the answer for one that does not is stubbed here.
    from botocore.stub import Stubber

    from modules.config import parse_config
    from modules.preflight.checks import _sites, _version
    from modules.preflight.context import Context, Status

    data = global_database(yaml.safe_load((Path(__file__).parents[3] / "config" / "example.yaml").read_text()))
    ctx = Context(parse_config(data))
    site = _sites(ctx)[1]
    rds = boto3.client("rds", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(rds) as stub:
        stub.add_response("describe_db_engine_versions", {"DBEngineVersions": [
            {"Engine": "aurora-postgresql", "EngineVersion": "16.8", "Status": "available",
             "SupportsGlobalDatabases": False}]})
        ctx.clients(site.identity).client = lambda service: rds  # type: ignore[method-assign]
        result = _version(ctx, site, [])
    assert (result.status, result.reason) == (
        Status.FAIL,
        "aurora.engine_version = '16.8': aurora-postgresql 16.8 does not support global databases in eu-central-1 "
        "(aurora.secondary); choose a version that does",
    )
