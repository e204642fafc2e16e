"""Start the patched moto server in a subprocess and talk to it.

Example::

    with MotoServer.start() as moto:
        s3 = boto3_client("s3", "eu-west-1", moto.url)

The order in which the server served AWS calls (moto's request recorder, off until
``start_recording``)::

    moto.start_recording()
    ...                                   # terraform apply, boto3 calls
    [action for action, _ in query_actions(moto.recorded_requests())]
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
FAKE_REGION = "eu-west-1"


def _free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class MotoServer:
    """A ``python -m tests.harness.moto_server`` subprocess on 127.0.0.1.

    Attributes: ``port``, ``url`` (``http://127.0.0.1:<port>``), ``log_path``
    (the server's combined stdout/stderr; moto's request recording is kept next
    to it), ``process``.
    """

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path):
        self.process = process
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log_path = log_path

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, log_dir: Path | None = None, timeout: float = 30.0, hold_dir: Path | None = None
    ) -> Iterator[MotoServer]:
        """Launch a server on a free port and yield it once it answers HTTP.

        ``log_dir`` defaults to a fresh temporary directory (kept after exit so
        the log can be read). Waits at most ``timeout`` seconds (default 30)
        and raises ``RuntimeError`` with the log tail if the server does not
        come up. The server is stopped when the ``with`` block exits.
        ``hold_dir`` (default none): hold the responses to the actions named by
        files there (``tests.harness.moto_server._hold``).
        """
        log_dir = Path(log_dir or tempfile.mkdtemp(prefix="moto-"))
        log_path = log_dir / "moto.log"
        port = _free_port()
        hold = ["--hold-dir", str(hold_dir)] if hold_dir is not None else []
        # moto's recorder writes to MOTO_RECORDER_FILEPATH, by default `moto_recording` in
        # the server's working directory: the repository. Keep it next to the log.
        env = {**os.environ, "MOTO_RECORDER_FILEPATH": str(log_dir / "moto_recording")}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.harness.moto_server", "--port", str(port), *hold],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = cls(process, port, log_path)
        try:
            server._wait_ready(timeout)
            yield server
        finally:
            server.stop()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"moto server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                # moto_api is served by moto itself; any HTTP answer means ready.
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(
            f"moto server not answering on {self.url} after {timeout}s:\n{self.log_tail()}"
        )

    def _moto_api(self, path: str, method: str = "POST") -> str:
        request = urllib.request.Request(f"{self.url}/moto-api/recorder/{path}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    def start_recording(self) -> None:
        """Empty moto's request recording and record every request from now on."""
        self._moto_api("reset-recording")
        self._moto_api("start-recording")

    def stop_recording(self) -> None:
        self._moto_api("stop-recording")

    def recorded_requests(self) -> list[dict[str, Any]]:
        """The requests recorded since `start_recording`, in the order the server
        served them (it serves one at a time): moto's entries (method, url, headers,
        body)."""
        text = self._moto_api("download-recording", method="GET")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def log_tail(self, lines: int = 40) -> str:
        """Return the last ``lines`` lines (default 40) of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Send SIGTERM, then SIGKILL if still alive after ``timeout`` s (default 10)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def aws_env(url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Return an environment for boto3/Terraform that talks to moto at ``url``.

    Starts from ``base`` (default: a copy of ``os.environ``), sets fake
    credentials ``testing``/``testing``, region ``eu-west-1``, disables the
    EC2 metadata lookup and removes variables that could select real
    credentials (profiles, session tokens, shared config/credential files).
    ``AWS_ENDPOINT_URL`` is set to ``url`` too, so any service a client or
    provider has no explicit endpoint for still goes to moto, never to AWS.
    """
    env = dict(os.environ if base is None else base)
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        env.pop(name, None)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=FAKE_REGION,
        AWS_REGION=FAKE_REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=url,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def query_actions(requests: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """(Action, parameters) of every AWS query-protocol request (RDS, EC2, IAM, ...) in a
    recording, in order; requests of other protocols (S3, JSON APIs) are left out."""
    actions = []
    for entry in requests:
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        fields = urllib.parse.parse_qs(body)
        if "Action" in fields:
            actions.append((fields["Action"][0], {k: v[0] for k, v in fields.items() if k not in ("Action", "Version")}))
    return actions


def boto3_client(service: str, region: str, url: str, role_arn: str | None = None) -> Any:
    """Return a boto3 client for ``service`` in ``region`` against moto at
    ``url``, using the fake ``testing`` credentials (no profile, no files).

    With ``role_arn`` (default none) the client acts as that role: its credentials
    come from ``AssumeRole`` with the ``testing`` ones, and moto serves requests
    signed with them from the role's account (``arn:aws:iam::222222222222:role/x``:
    account 222222222222, whose resources the default account 123456789012 does
    not see), as AWS does. moto checks no trust policy: any role can be assumed.
    """
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=region,
    )
    if role_arn is not None:
        credentials = session.client("sts", endpoint_url=url).assume_role(
            RoleArn=role_arn, RoleSessionName="e2e"
        )["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )
    return session.client(service, endpoint_url=url)
