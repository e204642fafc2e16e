"""What a failed command's output says about the failure, short enough for an assertion
message: a long run (the README's First deploy prints thousands of lines of plans) pushes
the one failed stack's error far out of any tail.

`explain()` keeps, in this order: every block the runner printed for a failed stack
(`--- <stack>: failed (<step>) ---` up to the next block), every Terraform `Error:` with the
lines that follow it, then the output's tail; and, given the moto server, the requests it
answered with a 4xx/5xx status and any traceback it logged: an error Terraform reports in
one line often has its cause only there.
"""

from __future__ import annotations

import re
import subprocess

from tests.harness.moto import MotoServer

#: The header of a stack's block in the runner's plan output (`modules.run.plan._report`).
_BLOCK = re.compile(r"^(?:--- (?P<name>\S+): (?P<title>.*) ---|::group::(?P<gname>\S+): (?P<gtitle>.*))$")
#: Where a block ends besides the next block: the next README step of the First deploy walk.
_STEP = re.compile(r"^>>> step \d+: ")
#: A request moto answered with an error, in werkzeug's log format: `"POST / HTTP/1.1" 400 -`.
_ERROR_STATUS = re.compile(r'" [45]\d\d ')


def failed_blocks(output: str) -> list[str]:
    """The runner's blocks of failed stacks in `output`, each with its header."""
    found: list[str] = []
    current: list[str] | None = None
    for line in output.splitlines():
        header = _BLOCK.match(line)
        if header or _STEP.match(line) or line == "::endgroup::":
            if current:
                found.append("\n".join(current))
            title = (header.group("title") or header.group("gtitle")) if header else ""
            current = [line] if title.startswith("failed") else None
            continue
        if current is not None:
            current.append(line)
    if current:
        found.append("\n".join(current))
    return found


def terraform_errors(output: str, context: int = 12) -> list[str]:
    """Each Terraform `Error:` line of `output` with up to `context` lines after it."""
    lines = output.splitlines()
    return ["\n".join(lines[i:i + 1 + context]) for i, line in enumerate(lines)
            if line.lstrip("│ ").startswith("Error:")]


def moto_errors(moto: MotoServer, limit: int = 30) -> str:
    """The last `limit` requests moto answered with a 4xx/5xx status or saw retried (the
    harness logs `moto_server: retry ...`), and the last traceback in its log (a 500's
    cause)."""
    try:
        log = moto.log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "<no moto log>"
    errors = [line for line in log if _ERROR_STATUS.search(line) or line.startswith("moto_server: retry")][-limit:]
    starts = [i for i, line in enumerate(log) if line.startswith("Traceback")]
    traceback = log[starts[-1]:starts[-1] + 40] if starts else []
    return "\n".join(errors + traceback) or "<no error in the moto log>"


def explain(result: subprocess.CompletedProcess[str], moto: MotoServer | None = None, *,
            tail: int = 3000, max_errors: int = 10) -> str:
    """An assertion message for a failed `result`: its failed stacks' blocks (the last 3,000
    characters of each), its first `max_errors` distinct Terraform errors, the last `tail`
    characters of stdout and of stderr, and moto's errors."""
    output = (result.stdout or "") + "\n" + (result.stderr or "")
    parts = [f"exit code {result.returncode}"]
    blocks = failed_blocks(result.stdout or "")
    if blocks:
        parts.append("failed stacks:\n" + "\n\n".join(block[-3000:] for block in blocks))
    errors = terraform_errors(output)
    if errors:
        parts.append("Terraform errors:\n" + "\n\n".join(list(dict.fromkeys(errors))[:max_errors]))
    parts.append(f"stdout tail:\n{(result.stdout or '')[-tail:]}\nstderr tail:\n{(result.stderr or '')[-tail:]}")
    if moto is not None:
        parts.append(f"moto errors:\n{moto_errors(moto)}")
    return "\n\n".join(parts)
