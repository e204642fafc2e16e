"""`make find-vpc` against a moto server: a worker node's name or a cluster id becomes the
VPC id to put in the config, and what cannot be resolved says so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from modules.peering.find_vpc import main
from tests.harness.moto import MotoServer, aws_env, boto3_client

#: One moto server and world per module: its tests stay on one xdist worker.
pytestmark = pytest.mark.xdist_group("find-vpc")

CLUSTER_ID = "2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c"
#: One of moto's default Amazon AMIs, named rather than listed: listing them all is slow.
AMI = "ami-12c6146b"
NODE = "ip-10-0-16-10.eu-west-1.compute.internal"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A ROSA-like VPC whose worker carries the cluster id, and a cluster split over two VPCs."""
    with MotoServer.start(log_dir=tmp_path_factory.mktemp("moto")) as moto, pytest.MonkeyPatch.context() as env:
        for name, value in aws_env(moto.url).items():
            env.setenv(name, value)
        ec2 = boto3_client("ec2", "eu-west-1", moto.url)
    
        def vpc_with_node(cidr: str, subnet_cidr: str, ip: str, cluster_id: str | None) -> str:
            vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
            tags = [{"Key": "api.openshift.com/id", "Value": cluster_id}] if cluster_id else [{"Key": "Name", "Value": "x"}]
            ec2.run_instances(
                ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, PrivateIpAddress=ip,
                TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
            )
            return vpc

        yield {
            "rosa": vpc_with_node("10.0.0.0/16", "10.0.16.0/20", "10.0.16.10", CLUSTER_ID),
            "split-1": vpc_with_node("10.7.0.0/16", "10.7.0.0/20", "10.7.0.10", "split"),
            "split-2": vpc_with_node("10.8.0.0/16", "10.8.0.0/20", "10.8.0.10", "split"),
            "untagged": vpc_with_node("10.9.0.0/16", "10.9.0.0/20", "10.9.0.10", None),
        }


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["--region", "eu-west-1", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_node_name_gives_the_vpc_id_and_the_cluster_id(world: dict[str, str], capsys: Any) -> None:
    status, out, err = run(capsys, "--node", NODE)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{world['rosa']} (10.0.0.0/16) in eu-west-1"
    assert lines[1].startswith("  found from instance i-") and lines[1].endswith(f" (running, {NODE})")
    assert lines[-3:] == [
        "Under rosa_clusters[].vpc in the config, one of (lasting through node replacements):",
        f"  cluster_id: {CLUSTER_ID}",
        f"  id: {world['rosa']}",
    ]


def test_a_node_without_the_cluster_id_tag_gives_the_vpc_id_only(world: dict[str, str], capsys: Any) -> None:
    status, out, _ = run(capsys, "--node", "ip-10-9-0-10.eu-west-1.compute.internal")
    assert status == 0
    assert out.splitlines()[-2:] == [
        "Under rosa_clusters[].vpc in the config, write (lasting through node replacements):",
        f"  id: {world['untagged']}",
    ]


def test_a_cluster_id_gives_the_vpc_of_its_running_nodes(world: dict[str, str], capsys: Any) -> None:
    status, out, _ = run(capsys, "--cluster-id", CLUSTER_ID)
    assert status == 0
    assert out.splitlines()[0] == f"{world['rosa']} (10.0.0.0/16) in eu-west-1"
    assert out.splitlines()[-1] == f"  id: {world['rosa']}"


def test_an_unknown_node_is_named(world: dict[str, str], capsys: Any) -> None:
    status, out, err = run(capsys, "--node", "ip-10-0-99-99.eu-west-1.compute.internal")
    assert (status, out) == (1, "")
    assert err == "error: no instance named ip-10-0-99-99.eu-west-1.compute.internal in eu-west-1\n"


def test_a_cluster_in_two_vpcs_is_refused_with_both(world: dict[str, str], capsys: Any) -> None:
    status, out, err = run(capsys, "--cluster-id", "split")
    assert (status, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == "error: 2 instances in eu-west-1 match, in 2 VPCs:"
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == sorted([world["split-1"], world["split-2"]])


def test_node_or_cluster_id_is_required() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--region", "eu-west-1"])
    assert exited.value.code == 2
