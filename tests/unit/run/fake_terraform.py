"""A stand-in for the `terraform` binary that records what it was asked and what it felt.

Installed on PATH as `terraform` by `tests/unit/run/conftest.py`. It reads its script from
`$FAKE_TF_SCRIPT` (JSON): `{"<stack>:<command>": {...}}` with, per stack and subcommand
(`init`, `plan`, `show`, `apply`, `output`, `state`):

    exit     exit code (default 0; `plan` defaults to 2, "changes", when `changes` is true)
    changes  plan: the saved plan has changes (`show` then shows one create)
    outputs  output: what `terraform output -json` prints (default {}: nothing deployed)
    empty    plan: the stack's state holds nothing yet (`show` then has no managed resource in
             `prior_state`; by default it holds one, as a deployed stack does)
    planfile plan: write the -out file (default true)
    stdout   text to print (e.g. for `state`, the addresses `terraform state list` prints)
    sleep    seconds to take before exiting (default 0)
    await    `<stack>.<command>`: before exiting, wait until that call has started (at most
             30 s; then exit 3): proves two calls overlap, whatever the machine's load
    block    wait until SIGINT, then take `stopping` seconds (default 0.5) "saving state",
             write `<stack>.stopped` into $FAKE_TF_LOG's directory and exit 1
    ignore   with block: ignore SIGINT altogether (only SIGKILL ends it)

Every call appends one JSON line to `$FAKE_TF_LOG` as it exits: stack, command, argv, pid,
pgid, start and end times, the signals received and the exit code; and writes
`<stack>.<command>.started` next to it as it starts (once its signal handlers are in place).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

stack = Path.cwd().name
command = sys.argv[1] if len(sys.argv) > 1 else ""
script = json.loads(os.environ.get("FAKE_TF_SCRIPT", "{}")).get(f"{stack}:{command}", {})
log_path = Path(os.environ["FAKE_TF_LOG"])
record = {"stack": stack, "command": command, "argv": sys.argv[1:], "pid": os.getpid(), "pgid": os.getpgrp(),
          "start": time.time(), "signals": []}
state = {"interrupted": False}


def on_signal(signum: int, _frame: object) -> None:
    record["signals"].append(signal.Signals(signum).name)
    state["interrupted"] = True


for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN if script.get("ignore") else on_signal)
(log_path.parent / f"{stack}.{command}.started").write_text(str(os.getpid()))


def finish(code: int) -> None:
    record.update(end=time.time(), exit=code)
    with log_path.open("a") as log:
        log.write(json.dumps(record) + "\n")
    sys.exit(code)


if command == "plan":
    out = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("-out=")), None)
    if out and script.get("planfile", True):
        Path(out).write_text(json.dumps({"changes": bool(script.get("changes")), "empty": bool(script.get("empty"))}))
elif command == "show":
    saved = json.loads(Path(sys.argv[-1]).read_text())
    changes = [{"address": "aws_route.r", "mode": "managed", "type": "aws_route", "name": "r",
                "change": {"actions": ["create"], "before": None, "after": {}, "after_unknown": {}}}]
    held = [] if saved.get("empty") else [{"address": "aws_vpc.v", "mode": "managed", "type": "aws_vpc", "name": "v"}]
    held.append({"address": "data.aws_region.r", "mode": "data", "type": "aws_region", "name": "r"})
    print(json.dumps({"format_version": "1.2", "resource_changes": changes if saved["changes"] else [],
                      "prior_state": {"values": {"root_module": {"resources": held}}}}))

elif command == "output":
    print(json.dumps(script.get("outputs", {})))

if script.get("stdout"):
    print(script["stdout"], end="", flush=True)

if script.get("block"):
    while not state["interrupted"]:
        time.sleep(0.05)
    time.sleep(script.get("stopping", 0.5))
    (log_path.parent / f"{stack}.stopped").write_text("state saved\n")
    finish(1)
time.sleep(script.get("sleep", 0))
if script.get("await"):
    awaited = log_path.parent / f"{script['await']}.started"
    give_up = time.monotonic() + 30
    while not awaited.exists():
        if time.monotonic() > give_up:
            finish(3)
        time.sleep(0.02)
default = 2 if command == "plan" and script.get("changes") else 0
finish(script.get("exit", default))
