"""tools/tfc_plan_json.py against a fake Terraform Cloud API on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.harness.http_server import serving

PLAN = {"format_version": "1.2", "resource_changes": []}


def _load_tool() -> Any:
    spec = importlib.util.spec_from_file_location("tfc_plan_json", ROOT / "tools" / "tfc_plan_json.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


@pytest.fixture
def fake_tfc() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    """(address, requests seen as (path, Authorization header)); the API redirects to /archivist."""
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append((self.path, self.headers.get("Authorization")))
            if self.path == "/api/v2/runs/run-abc/plan/json-output":
                self.send_response(307)
                self.send_header("Location", "/archivist/signed?token=xyz")
                self.end_headers()
            elif self.path.startswith("/archivist/"):
                body = json.dumps(PLAN).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield url, seen


def test_follows_the_redirect_without_the_token(fake_tfc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    address, seen = fake_tfc
    monkeypatch.setenv("TFE_TOKEN", "secret-token")
    out = tmp_path / "aurora.json"
    assert tool.main(["run-abc", "--address", address, "--output", str(out)]) == 0
    assert json.loads(out.read_text()) == PLAN
    assert seen == [
        ("/api/v2/runs/run-abc/plan/json-output", "Bearer secret-token"),
        ("/archivist/signed?token=xyz", None),
    ]


def test_http_errors_become_one_line(
    fake_tfc, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    address, _ = fake_tfc
    monkeypatch.setenv("TFE_TOKEN", "secret-token")
    assert tool.main(["run-missing", "--address", address]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: GET ") and "HTTP 404" in err and "secret-token" not in err


def test_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFE_TOKEN", raising=False)
    with pytest.raises(SystemExit) as exit_:
        tool.main(["run-abc"])
    assert exit_.value.code == 2
