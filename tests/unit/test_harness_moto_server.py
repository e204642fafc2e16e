"""The emulator answers a retried request as its first attempt was answered, so a create
the SDK resends (its answer lost under load) makes no second object; an attempt after an
error answer runs again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from tests.harness.moto import MotoServer
from tests.harness.moto_server import _RetryReplay


def test_a_retried_create_makes_one_object_and_gets_the_first_answer(tmp_path: Path) -> None:
    with MotoServer.start(log_dir=tmp_path) as moto:
        ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        seen: list[int] = []

        def retry_once(attempts: int, **_: Any) -> int | None:
            """As if the first answer never arrived: botocore sends the same invocation again."""
            seen.append(attempts)
            return 0 if attempts == 1 else None

        ec2.meta.events.register_first("needs-retry.ec2.CreateVpc", retry_once)
        vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
        assert seen == [1, 2]
        created = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.77.0.0/16"]
        assert created == [vpc]
        assert "moto_server: retry attempt 2 of CreateVpc" in moto.log_path.read_text()


def environ(invocation: str, attempt: int) -> dict[str, str]:
    return {"HTTP_AMZ_SDK_INVOCATION_ID": invocation, "HTTP_AMZ_SDK_REQUEST": f"attempt={attempt}; max=3"}


class App:
    """A WSGI application answering `statuses` in turn, counting its calls."""

    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)
        self.calls = 0

    def __call__(self, environ: dict[str, str], start_response: Any) -> list[bytes]:
        status = self.statuses[self.calls]
        self.calls += 1
        start_response(status, [("Content-Type", "text/xml")])
        return [f"<CreateThingResponse><n>{self.calls}</n></CreateThingResponse>".encode()]


def test_only_a_2xx_answer_is_replayed_and_only_to_its_own_invocation() -> None:
    lines: list[str] = []
    replay = _RetryReplay(log=lines.append)
    answered: list[str] = []
    app = App("500 Internal Server Error", "200 OK", "200 OK")

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answered.append(status)

    assert replay(app, environ("a", 1), start_response) == [b"<CreateThingResponse><n>1</n></CreateThingResponse>"]
    assert replay(app, environ("a", 2), start_response) == [b"<CreateThingResponse><n>2</n></CreateThingResponse>"]
    assert replay(app, environ("a", 3), start_response) == [b"<CreateThingResponse><n>2</n></CreateThingResponse>"]
    assert replay(app, environ("b", 1), start_response) == [b"<CreateThingResponse><n>3</n></CreateThingResponse>"]
    assert (app.calls, answered) == (3, ["500 Internal Server Error", "200 OK", "200 OK", "200 OK"])
    assert lines == [
        "moto_server: retry attempt 2 of invocation a: its earlier attempts got no 2xx answer, so it runs",
        "moto_server: retry attempt 3 of CreateThing (invocation a) answered as its first attempt was, 200 OK",
    ]


def test_a_request_without_an_invocation_id_always_runs() -> None:
    replay = _RetryReplay(log=lambda line: None)
    app = App("200 OK", "200 OK")
    for _ in range(2):
        replay(app, {}, lambda status, headers, exc_info=None: None)
    assert app.calls == 2


def test_only_the_last_answers_are_kept() -> None:
    replay = _RetryReplay(keep=2, log=lambda line: None)
    app = App(*["200 OK"] * 4)
    for invocation in ("a", "b", "c", "a"):
        replay(app, environ(invocation, 1), lambda status, headers, exc_info=None: None)
    assert app.calls == 4 and list(replay.answers) == ["c", "a"]
