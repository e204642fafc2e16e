"""Prove the harness works: apply a VPC + Aurora stack to moto, expect no drift.

Run from the repository root::

    TF_PROVIDER_MIRROR=/opt/tf-plugins python -m tests.harness.selfcheck

Steps: start the patched moto server; create the state bucket with boto3;
write a hand-written ``main.tf.json`` (aws provider and S3 backend with
``use_lockfile`` both pointed at moto); ``init``; ``apply`` while checking
that a ``.tflock`` object exists and that a concurrent ``plan
-lock-timeout=0s`` fails with "Error acquiring the state lock"; ``plan
-detailed-exitcode`` must exit 0 (no drift); ``destroy``. Prints timings
and the resources that took 5 s or more. Exits non-zero on failure and then
keeps its temporary directory (moto.log, apply.out/err, plan.log). Not a
pytest module on purpose (slow, needs Terraform and the provider).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.harness.moto import FAKE_REGION, MotoServer, aws_env, boto3_client
from tests.harness.terraform import (
    TerraformError,
    provider_mirror,
    terraform,
    write_cli_config,
)

BUCKET = "selfcheck-tfstate"
STATE_KEY = "selfcheck/terraform.tfstate"
LOCK_KEY = STATE_KEY + ".tflock"
PROVIDER_ENDPOINTS = (
    "ec2", "rds", "s3", "sts", "iam", "secretsmanager", "kms", "dynamodb", "logs",
)


def stack_config(url: str) -> dict[str, Any]:
    """Return the Terraform JSON configuration, every AWS call going to ``url``."""
    backend = {
        "bucket": BUCKET,
        "key": STATE_KEY,
        "region": FAKE_REGION,
        "encrypt": True,
        "use_lockfile": True,
        "use_path_style": True,
        "endpoints": {"s3": url, "sts": url},
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
    }
    provider = {
        "region": FAKE_REGION,
        "access_key": "testing",
        "secret_key": "testing",
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": "true",
        "s3_use_path_style": True,
        "endpoints": [{name: url for name in PROVIDER_ENDPOINTS}],
        "default_tags": [{"tags": {"Project": "selfcheck"}}],
    }
    subnets = {
        "a": {"cidr_block": "192.168.0.0/24", "availability_zone": "eu-west-1a"},
        "b": {"cidr_block": "192.168.1.0/24", "availability_zone": "eu-west-1b"},
    }
    resource: dict[str, Any] = {
        "aws_vpc": {
            "main": {
                "cidr_block": "192.168.0.0/16",
                "enable_dns_hostnames": True,
                "enable_dns_support": True,
                "tags": {"Name": "selfcheck"},
            }
        },
        "aws_subnet": {
            name: {
                "vpc_id": "${aws_vpc.main.id}",
                **args,
                "map_public_ip_on_launch": False,
                "tags": {"Name": f"db-{name}"},
            }
            for name, args in subnets.items()
        },
        "aws_route_table": {
            "db": {"vpc_id": "${aws_vpc.main.id}", "tags": {"Name": "db"}}
        },
        "aws_route_table_association": {
            name: {
                "subnet_id": f"${{aws_subnet.{name}.id}}",
                "route_table_id": "${aws_route_table.db.id}",
            }
            for name in subnets
        },
        "aws_db_subnet_group": {
            "db": {
                "name": "selfcheck-db",
                "description": "Aurora subnets, one per availability zone",
                "subnet_ids": [f"${{aws_subnet.{name}.id}}" for name in subnets],
            }
        },
        # Like the product: no inline rules (so no egress at all), and a
        # separately managed ingress rule as the peering stacks add.
        "aws_security_group": {
            "db": {
                "name": "selfcheck-db",
                "description": "Aurora PostgreSQL",
                "vpc_id": "${aws_vpc.main.id}",
                "tags": {"Name": "selfcheck-db"},
            }
        },
        "aws_vpc_security_group_ingress_rule": {
            "postgres": {
                "security_group_id": "${aws_security_group.db.id}",
                "description": "PostgreSQL from the VPC",
                "ip_protocol": "tcp",
                "from_port": 5432,
                "to_port": 5432,
                "cidr_ipv4": "192.168.0.0/16",
            }
        },
        "aws_rds_cluster": {
            "db": {
                "cluster_identifier": "selfcheck",
                "engine": "aurora-postgresql",
                "engine_mode": "provisioned",
                "engine_version": "16.8",
                "database_name": "app",
                "master_username": "app_admin",
                "manage_master_user_password": True,
                "port": 5432,
                "db_subnet_group_name": "${aws_db_subnet_group.db.name}",
                "vpc_security_group_ids": ["${aws_security_group.db.id}"],
                "skip_final_snapshot": True,
                "tags": {"Name": "selfcheck"},
            }
        },
        "aws_rds_cluster_instance": {
            name: {
                "identifier": f"selfcheck-{name}",
                "cluster_identifier": "${aws_rds_cluster.db.id}",
                "engine": "${aws_rds_cluster.db.engine}",
                "engine_version": "${aws_rds_cluster.db.engine_version}",
                "instance_class": "db.t4g.large",
                "availability_zone": az,
                "promotion_tier": tier,
                "auto_minor_version_upgrade": False,
                "publicly_accessible": False,
                "db_subnet_group_name": "${aws_db_subnet_group.db.name}",
                "tags": {"Name": f"selfcheck-{name}"},
            }
            for name, az, tier in (("writer", "eu-west-1a", 0), ("reader", "eu-west-1b", 1))
        },
    }
    return {
        "terraform": {
            "required_providers": {
                "aws": {"source": "hashicorp/aws", "version": "~> 5.100"}
            },
            "backend": {"s3": backend},
        },
        "provider": {"aws": provider},
        "resource": resource,
    }


def _slow_resources(result: subprocess.CompletedProcess[str], min_seconds: int = 5) -> str:
    """The "<addr>: ... complete after Ns" lines of ``result`` with N >= ``min_seconds``."""
    found = re.findall(r"^(\S+): \w+ complete after (?:(\d+)m)?(\d+)s", result.stdout, re.M)
    slow = [(a, int(m or 0) * 60 + int(sec)) for a, m, sec in found]
    return ", ".join(f"{a} {t}s" for a, t in slow if t >= min_seconds) or "none"


class _Timer:
    """Collects named durations and prints each as it finishes."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def run(self, name: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        try:
            return func(*args, **kwargs)
        finally:
            self.times[name] = time.monotonic() - start
            print(f"  {name}: {self.times[name]:.1f}s", flush=True)


def _apply_with_lock_probe(
    workdir: Path, probe_dir: Path, env: dict[str, str], s3: Any
) -> dict[str, Any]:
    """Run ``apply`` in the background; while it runs, look for the lock
    object and run a competing ``plan -lock-timeout=0s`` from ``probe_dir``.

    Apply output goes to ``apply.out``/``apply.err`` files next to
    ``workdir`` (pipes could fill up and stall it while we poll). Returns a
    dict: ``lock_seen`` (bool), ``lock_body`` (str or None),
    ``competing_plan`` (CompletedProcess or None), ``apply``
    (CompletedProcess). Raises :class:`TerraformError` if apply fails.
    """
    cmd = ["terraform", "apply", "-no-color", "-auto-approve"]
    env = {**env, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    out_path, err_path = workdir.parent / "apply.out", workdir.parent / "apply.err"
    report: dict[str, Any] = {"lock_seen": False, "lock_body": None, "competing_plan": None}
    with open(out_path, "w") as out, open(err_path, "w") as err:
        apply = subprocess.Popen(
            cmd, cwd=workdir, env=env, text=True,
            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )
        while apply.poll() is None and not report["lock_seen"]:
            try:
                obj = s3.get_object(Bucket=BUCKET, Key=LOCK_KEY)
            except s3.exceptions.NoSuchKey:
                time.sleep(0.2)
                continue
            report["lock_seen"] = True
            report["lock_body"] = obj["Body"].read().decode()
            report["competing_plan"] = terraform(
                ["plan", "-lock-timeout=0s"], probe_dir, env, ok_codes=(0, 1, 2)
            )
        apply.wait()
    report["apply"] = subprocess.CompletedProcess(
        cmd, apply.returncode, out_path.read_text(), err_path.read_text()
    )
    if apply.returncode != 0:
        raise TerraformError(report["apply"])
    return report


def main() -> int:
    """Run the self-check; return 0 on success, 1 on a failed expectation."""
    mirror = provider_mirror()
    print(f"provider mirror: {mirror or '(none: registry)'}")
    tmp = Path(tempfile.mkdtemp(prefix="harness-selfcheck-"))
    failures: list[str] = []
    timer = _Timer()
    try:
        with MotoServer.start(log_dir=tmp) as moto:
            print(f"moto: {moto.url} (log {moto.log_path})")
            env = aws_env(moto.url)
            env["TF_CLI_CONFIG_FILE"] = str(write_cli_config(tmp / "terraformrc", mirror))
            s3 = boto3_client("s3", FAKE_REGION, moto.url)
            s3.create_bucket(
                Bucket=BUCKET,
                CreateBucketConfiguration={"LocationConstraint": FAKE_REGION},
            )
            s3.put_bucket_versioning(
                Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
            )

            workdir, probe_dir = tmp / "stack", tmp / "probe"
            config = json.dumps(stack_config(moto.url), indent=2)
            for directory in (workdir, probe_dir):
                directory.mkdir()
                (directory / "main.tf.json").write_text(config)

            timer.run("init", terraform, ["init"], workdir, env)
            timer.run("init (probe dir)", terraform, ["init"], probe_dir, env)
            report = timer.run("apply", _apply_with_lock_probe, workdir, probe_dir, env, s3)
            print(f"  slow resources: {_slow_resources(report['apply'])}")

            print(f"lock object {LOCK_KEY} seen during apply: {report['lock_seen']}")
            if report["lock_body"]:
                print(f"  lock body: {report['lock_body']}")
            competing = report["competing_plan"]
            if competing is None:
                failures.append("no .tflock object seen while apply was running")
            else:
                blocked = (
                    competing.returncode == 1
                    and "Error acquiring the state lock" in competing.stderr
                )
                print(
                    f"competing plan exit {competing.returncode}, blocked: {blocked}, "
                    f"S3 answered 412 PreconditionFailed: "
                    f"{'PreconditionFailed' in competing.stderr}"
                )
                if not blocked:
                    failures.append(
                        "competing plan was not blocked by the lock:\n"
                        + competing.stdout[-2000:] + competing.stderr[-2000:]
                    )
            lock_left = "Contents" in s3.list_objects_v2(Bucket=BUCKET, Prefix=LOCK_KEY)
            print(f"lock object left after apply: {lock_left}")
            if lock_left:
                failures.append("lock object not removed after apply")

            plan = timer.run(
                "plan", terraform, ["plan", "-detailed-exitcode"], workdir, env,
                ok_codes=(0, 2),
            )
            (tmp / "plan.log").write_text(plan.stdout)
            if plan.returncode != 0:
                failures.append("plan after apply shows drift:\n" + plan.stdout)
            elif "changed outside of Terraform" in plan.stdout:
                print("note: plan reports objects changed outside Terraform:\n" + plan.stdout)

            destroy = timer.run(
                "destroy", terraform, ["destroy", "-auto-approve"], workdir, env
            )
            print(f"  slow resources: {_slow_resources(destroy)}")
    except TerraformError as error:
        failures.append(str(error))
    finally:
        print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timer.times.items()))

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        print(f"work dir kept for inspection: {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("selfcheck OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
