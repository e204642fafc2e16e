"""A proxy on 127.0.0.1 in front of moto that throttles: of every `period` requests, the
first `throttled` are answered by the proxy itself, alternately with a throttling error in
the request's protocol (`ThrottlingException`, `Throttling`, `RequestLimitExceeded`,
`SlowDown`) and a bare HTTP 503; the others go to moto. Deterministic, so a test never
depends on luck: a client that retries at least `throttled` times gets every answer.

    with ThrottlingProxy.start(moto.url) as proxy:   # proxy.url, proxy.throttled_count
        ...
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


def _error(headers: dict[str, str]) -> tuple[int, str, bytes]:
    """(status, content type, body) of a throttling error in the protocol of the request."""
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target")
    auth = headers.get("Authorization") or headers.get("authorization") or ""
    service = auth.split("Credential=", 1)[1].split("/")[3] if "Credential=" in auth else ""
    if target:  # JSON protocols (KMS, Logs, Secrets Manager, DynamoDB)
        return 400, "application/x-amz-json-1.1", b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
    if service == "ec2":
        body = (b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                b"</Message></Error></Errors><RequestID>throttled</RequestID></Response>")
        return 503, "text/xml", body
    if service == "s3":
        return 503, "application/xml", b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            b"</Error><RequestId>throttled</RequestId></ErrorResponse>")
    return 400, "text/xml", body


class ThrottlingProxy:
    """The proxy (see the module docstring); `url`, `throttled_count`, `forwarded_count`."""

    def __init__(self, upstream: str, *, period: int, throttled: int) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.period, self.throttled = period, throttled
        self.throttled_count = self.forwarded_count = 0
        self._lock = threading.Lock()
        self._seen = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                with proxy._lock:
                    number = proxy._seen
                    proxy._seen += 1
                    throttle = number % proxy.period < proxy.throttled
                    if throttle:
                        proxy.throttled_count += 1
                    else:
                        proxy.forwarded_count += 1
                if throttle:
                    status, content_type, payload = _error(headers) if number % 2 == 0 else (503, "text/plain", b"")
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                connection = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=120)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status)
                    for key, value in answer.getheaders():
                        if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                finally:
                    connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self._server.server_address[1]}"

    @classmethod
    @contextlib.contextmanager
    def start(cls, upstream: str, *, period: int = 3, throttled: int = 1) -> Iterator[ThrottlingProxy]:
        """Serve until the block ends; by default one of every three requests is throttled."""
        proxy = cls(upstream, period=period, throttled=throttled)
        thread = threading.Thread(target=proxy._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield proxy
        finally:
            proxy._server.shutdown()
            proxy._server.server_close()
            thread.join(timeout=10)
