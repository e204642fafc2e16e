"""Download the JSON plan of a Terraform Cloud / Enterprise run, for `python -m modules.review`.

A speculative plan in Terraform Cloud (one per workspace, i.e. per stack) leaves no plan
file on your machine, but the API serves its `terraform show -json` document::

    TFE_TOKEN=... python tools/tfc_plan_json.py run-AbCdEf123 --output plans/aurora.json
    python -m modules.review plans/*.json --config config/prod.yaml --output comment.md

`GET /api/v2/runs/<run>/plan/json-output` answers with a temporary redirect to a signed,
short-lived download URL; this follows it *without* the token, so the token never goes
to another host. The token (`TFE_TOKEN`, default) needs admin access to the workspace.
Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

#: Terraform Cloud; pass `--address` for Terraform Enterprise.
DEFAULT_ADDRESS = "https://app.terraform.io"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the caller instead of following them with the token."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


def json_output_url(address: str, run_id: str) -> str:
    """`<address>/api/v2/runs/<run_id>/plan/json-output`."""
    return f"{address.rstrip('/')}/api/v2/runs/{urllib.parse.quote(run_id, safe='')}/plan/json-output"


def fetch_plan_json(run_id: str, token: str, *, address: str = DEFAULT_ADDRESS, timeout: float = 60) -> bytes:
    """The JSON plan of `run_id`; `address` defaults to Terraform Cloud, `timeout` to 60 s."""
    request = urllib.request.Request(
        json_output_url(address, run_id), headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.read()  # an API that serves the document itself
    except urllib.error.HTTPError as err:
        location = err.headers.get("Location") if err.code in (301, 302, 303, 307, 308) else None
        if not location:
            raise RuntimeError(f"GET {request.full_url}: HTTP {err.code} {err.reason}") from None
    with urllib.request.urlopen(urllib.parse.urljoin(request.full_url, location), timeout=timeout) as response:
        return response.read()


def main(argv: list[str] | None = None) -> int:
    """CLI: write the run's JSON plan to --output (default stdout); 1 on an HTTP error."""
    parser = argparse.ArgumentParser(description="Download the JSON plan of a Terraform Cloud run.")
    parser.add_argument("run_id", help="e.g. run-AbCdEf123 (from the run's URL or the commit status link)")
    parser.add_argument("--output", help="file to write, named <stack>.json for python -m modules.review")
    parser.add_argument("--address", default=DEFAULT_ADDRESS, help=f"default {DEFAULT_ADDRESS}")
    parser.add_argument("--token-env", default="TFE_TOKEN", help="variable holding the API token (default TFE_TOKEN)")
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env)
    if not token:
        parser.error(f"set {args.token_env} to an API token with admin access to the workspace")
    try:
        document = fetch_plan_json(args.run_id, token, address=args.address)
    except (RuntimeError, urllib.error.URLError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_bytes(document)
    else:
        sys.stdout.buffer.write(document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
