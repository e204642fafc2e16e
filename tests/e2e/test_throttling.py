"""Issue #23, item 3: the boto3 commands survive throttling. A proxy on 127.0.0.1 in front of
a moto world of its own (xdist group `throttling`) answers one of every three requests
itself, with a throttling error of the request's protocol or a bare HTTP 503
(`tests/harness/throttling_proxy.py`); `make find-vpc`, `make preflight` and `make recover`
still give the right answer (botocore's standard retry mode, `modules/aws/clients.py`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from modules.aws.clients import CLIENT_CONFIG, max_attempts
from modules.config import ENDPOINT_SERVICES
from tests.conftest import ROOT
from tests.e2e.world import NODE_DNS, Deployment, build_rosa_vpcs, e2e_config, new_world
from tests.harness.moto import MotoServer
from tests.harness.throttling_proxy import ThrottlingProxy

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("throttling")]


@pytest.fixture(scope="module")
def world(terraform_env: dict[str, str], example_data: dict[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, ThrottlingProxy]]:
    work = tmp_path_factory.mktemp("throttling")
    with MotoServer.start(log_dir=work) as moto, ThrottlingProxy.start(moto.url, period=3, throttled=1) as proxy:
        data = e2e_config(example_data, moto.url)
        d = new_world(moto, terraform_env, work, data, rosa=build_rosa_vpcs(moto.url))
        d.client("s3").put_bucket_versioning(Bucket=data["state"]["s3"]["bucket"],
                                             VersioningConfiguration={"Status": "Enabled"})
        # Every AWS call of the commands goes through the proxy.
        data["aws"]["endpoints"] = {service: proxy.url for service in sorted(ENDPOINT_SERVICES)}
        d.write_config(data)
        d.env["AWS_ENDPOINT_URL"] = proxy.url
        yield d, proxy


def run(d: Deployment, proxy: ThrottlingProxy, *argv: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """`python -m <argv>` against the proxy; (the result, requests the proxy throttled)."""
    before = proxy.throttled_count
    result = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env=d.env, capture_output=True, text=True,
                            timeout=600, stdin=subprocess.DEVNULL)
    print(result.stdout, result.stderr)
    return result, proxy.throttled_count - before


def test_retries_outlast_the_proxy() -> None:
    # Ten attempts in all: far more than the proxy's one in three needs, as AWS's throttling
    # of a busy account may (unless AWS_MAX_ATTEMPTS says otherwise; not set here).
    client = boto3.client("sts", region_name="eu-west-1", config=CLIENT_CONFIG,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 10}
    assert max_attempts({}) == 10 and max_attempts({"AWS_MAX_ATTEMPTS": "3"}) == 3
    assert max_attempts({"AWS_MAX_ATTEMPTS": "0"}) == max_attempts({"AWS_MAX_ATTEMPTS": "x"}) == 10


def test_find_vpc_through_throttling(world) -> None:
    d, proxy = world
    result, throttled = run(d, proxy, "modules.peering.find_vpc", "--region", "eu-west-1", "--node", NODE_DNS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{d.rosa['rosa-site-a'].vpc_id} (10.0.0.0/16)")
    assert throttled >= 1


def test_preflight_through_throttling(world) -> None:
    d, proxy = world
    result, throttled = run(d, proxy, "modules.preflight")
    assert result.returncode == 0, result.stdout
    assert "All " in result.stdout and "checks passed" in result.stdout
    assert "✗" not in result.stdout
    assert throttled >= 5


def test_recover_through_throttling(world) -> None:
    d, proxy = world
    result, throttled = run(d, proxy, "modules.recover", "aurora", "peering-rosa-site-a")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("lock: none") == 2
    assert "error" not in result.stdout
    assert throttled >= 2
