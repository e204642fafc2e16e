"""tests/e2e/failures.py: a failed run's message keeps the failed stack's own log, however
much output followed it."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from modules.run.plan import FAILED, NO_CHANGES, WAITING, StackResult, _report
from tests.e2e.failures import explain, failed_blocks, moto_errors, terraform_errors


def runner_output(capsys: pytest.CaptureFixture[str], *results: StackResult) -> str:
    """What the runner's plan prints for `results`, in order (its own `_report`)."""
    lock = threading.Lock()
    for result in results:
        _report(result, lock)
    return capsys.readouterr().out


ERROR = ["Error: reading IAM OIDC Provider: operation error IAM: ListOpenIDConnectProviders, StatusCode: 500\n",
         "\n", "  with data.aws_iam_openid_connect_provider.oidc-provider,\n"]


def test_the_failed_stacks_block_is_kept_whatever_follows(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    failed = StackResult("access-rosa-site-b", status=FAILED, failed_step="plan", log=["Planning...\n", *ERROR])
    long = StackResult("peering-rosa-site-a", status=NO_CHANGES, log=[f"line {n}\n" for n in range(5000)])
    waiting = StackResult("keycloak-rosa-site-a", status=WAITING, waits_for=("access-rosa-site-a",))
    output = runner_output(capsys, failed, long, waiting)

    (block,) = failed_blocks(output)
    assert block.splitlines()[0] == "--- access-rosa-site-b: failed (plan) ---"
    assert "StatusCode: 500" in block and "line 0" not in block

    message = explain(subprocess.CompletedProcess(["make", "plan"], 2, stdout=output, stderr="run: done\n"))
    assert "StatusCode: 500" in message and "exit code 2" in message
    assert len(message) < 10_000


def test_github_groups_are_read_too(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    output = runner_output(capsys, StackResult("aurora", status=FAILED, failed_step="init", log=["boom\n"]),
                           StackResult("peering-x", status=NO_CHANGES, log=["fine\n"]))
    assert failed_blocks(output) == ["::group::aurora: failed (init)\nboom"]


def test_terraform_errors_in_boxes_and_plain() -> None:
    output = "a\n│ Error: one\n│ \n│ detail\nb\nError: two\nc\n"
    assert terraform_errors(output, context=1) == ["│ Error: one\n│ ", "Error: two\nc"]


def test_moto_errors_lists_error_statuses_and_the_last_traceback(tmp_path: Path) -> None:
    log = tmp_path / "moto.log"
    log.write_text('127.0.0.1 - - [x] "POST / HTTP/1.1" 200 -\n'
                   '127.0.0.1 - - [x] "POST / HTTP/1.1" 500 -\n'
                   "moto_server: retry attempt 2 of CreateVpc (invocation i) answered as its first attempt was, 200 OK\n"
                   "Traceback (most recent call last):\n  File \"x.py\"\nRuntimeError: dictionary changed size\n")

    class Moto:
        log_path = log

    found = moto_errors(Moto())  # type: ignore[arg-type]
    assert '" 500 -' in found and "RuntimeError: dictionary changed size" in found and '" 200 -' not in found
    assert "retry attempt 2 of CreateVpc" in found
