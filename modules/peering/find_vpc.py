"""Print the id of a ROSA cluster's VPC, to put in the config instead of a worker node's name.

    python -m modules.peering.find_vpc --region eu-west-1 --node ip-10-0-16-10.eu-west-1.compute.internal
    python -m modules.peering.find_vpc --region eu-west-1 --cluster-id 2f3c1a0b9d8e7f6a5b4c3d2e1f0a9b8c
    make find-vpc REGION=eu-west-1 NODE=ip-10-0-16-10.eu-west-1.compute.internal   # or CLUSTER_ID=...

The guide finds the ROSA VPC from one worker node's private DNS name; that stops working
once ROSA replaces the node (upgrades, scale-downs). This command resolves a node name
(the node as it is now, in any state AWS still shows) or a cluster id (its running
instances, tag `--tag`, default `api.openshift.com/id`) to the VPC, and prints what to
write under `rosa_clusters[].vpc` instead: `id`, and `cluster_id` when the node carries
the cluster's id. `--role-arn` for a cluster in another account. Read-only (EC2
DescribeInstances and DescribeVpcs). Exit status 0 when one VPC is found, 1 otherwise
(none, several, or AWS could not be asked).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from modules.aws.clients import AwsClients
from modules.naming import ROSA_CLUSTER_ID_TAG
from modules.peering.messages import in_region
from modules.peering.vpc_lookup import RUNNING, describe_vpc, instances


def _describe(instance: dict[str, Any]) -> str:
    return f"instance {instance['InstanceId']} ({instance['State']['Name']}, {instance.get('PrivateDnsName') or 'no DNS name'})"


def _nodes(ec2: Any, args: argparse.Namespace) -> tuple[list[dict[str, Any]], str]:
    """(the instances the arguments name, what was looked for, as "no <that>" reads)."""
    if args.node:
        return instances(ec2, [{"Name": "private-dns-name", "Values": [args.node]}]), f"instance named {args.node}"
    filters = [{"Name": f"tag:{args.tag}", "Values": [args.cluster_id]}, RUNNING]
    return instances(ec2, filters), f"running instance tagged {args.tag}={args.cluster_id}"


def find(args: argparse.Namespace, out: Any = None, err: Any = None) -> int:
    """Look the VPC up and print it to `out` (problems to `err`; default stdout and
    stderr); the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    ec2 = AwsClients(args.region, role_arn=args.role_arn).client("ec2")
    nodes, looked_for = _nodes(ec2, args)
    where = in_region(args.region, args.role_arn)
    if not nodes:
        print(f"error: no {looked_for} {where}", file=err)
        return 1
    vpcs = sorted({node["VpcId"] for node in nodes})
    if len(vpcs) > 1:
        print(f"error: {len(nodes)} instances {where} match, in {len(vpcs)} VPCs:", file=err)
        for node in nodes:
            print(f"  {node['VpcId']}: {_describe(node)}", file=err)
        return 1

    vpc = describe_vpc(ec2, vpcs[0])
    print(f"{vpc.vpc_id} ({', '.join(vpc.cidr_blocks) or vpc.cidr_block}) {where}", file=out)
    for node in nodes:
        print(f"  found from {_describe(node)}", file=out)
    cluster_ids = sorted({tag["Value"] for node in nodes for tag in node.get("Tags", []) if tag["Key"] == args.tag})
    choices = [f"id: {vpc.vpc_id}"]
    if len(cluster_ids) == 1:
        tag = f", cluster_id_tag: {args.tag}" if args.tag != ROSA_CLUSTER_ID_TAG else ""
        choices.insert(0, f"cluster_id: {cluster_ids[0]}{tag}")
    print(f"\nUnder rosa_clusters[].vpc in the config, {'one of' if len(choices) > 1 else 'write'} "
          "(lasting through node replacements):", file=out)
    for choice in choices:
        print(f"  {choice}", file=out)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m modules.peering.find_vpc", description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True, help="the ROSA cluster's region, e.g. eu-west-1")
    parser.add_argument("--role-arn", help="role to assume for a cluster in another account (rosa_clusters[].role_arn)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--node", help="a worker node's private DNS name, e.g. ip-10-0-16-10.eu-west-1.compute.internal")
    which.add_argument("--cluster-id", help="the cluster's ID, as `rosa describe cluster -c <name>` prints it")
    parser.add_argument("--tag", default=ROSA_CLUSTER_ID_TAG, help=f"instance tag holding the cluster id (default {ROSA_CLUSTER_ID_TAG})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return find(args)
    except (BotoCoreError, ClientError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
