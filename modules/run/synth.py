"""Synthesis, as a child process: `python main.py` writes every stack's Terraform JSON.

The runner itself never imports cdktf or starts the jsii kernel; it runs the app as the
cdktf CLI does (`CDKTF_OUTDIR` names the output directory), under the same supervisor as
Terraform, so an interrupt during the synth stops it too.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from modules.run.process import Supervisor, say

#: The app, relative to the working directory (cdktf.json's `app` runs it too).
APP = "main.py"


def synthesize(supervisor: Supervisor, *, outdir: Path, env: Mapping[str, str]) -> bool:
    """Run `python main.py` (this interpreter) into `outdir`; True when it succeeded."""
    say(f"synthesizing into {outdir}")
    code = supervisor.run([sys.executable, APP], cwd=".", env={**env, "CDKTF_OUTDIR": str(outdir)}, label="synth")
    if code != 0:
        say(f"synth failed (exit {code})")
    return code == 0
