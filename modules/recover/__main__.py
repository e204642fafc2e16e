"""`python -m modules.recover [--unlock] [--yes] [--delete-duplicates] STACK...`
(`make recover STACKS=... ARGS=...`): recover stacks after an interrupted deploy.

For each stack (names or patterns such as `peering-*`, of the config's synthesized stacks):

1. Names a held state lock (who, when, which operation, its ID). Without `--unlock` it
   stops there, exit status 3: a running deploy holds a lock too. With `--unlock` (asked
   for, or `--yes`) it removes it as `terraform force-unlock <ID>` does.
2. Reads the state, finds the stack's resources in AWS (by address tag, unique name or
   parent) and chooses one copy per resource (`keepers.py`). Where the state holds a copy
   that nothing uses and the database uses another, it removes the state's copy from the
   state (`terraform state rm`; asked for, or `--yes`).
3. Writes import blocks for every copy to adopt to
   `recovery/<deployment>/<state location>/<stack>.imports.json` (the next `make deploy`
   imports them, then removes it), or removes that file when nothing is left to import.
4. Lists duplicates with what they hold; `--delete-duplicates` (asked for, or `--yes`)
   deletes those holding nothing.

It never deletes or replaces a database, an instance, a key, or anything in a state.
Exit status: 0 done, 1 an AWS or Terraform error, 2 bad config or a backend it cannot read
(HCP Terraform), 3 stopped at a lock or a question not confirmed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from modules.config import ConfigError, command_config_path, load_config
from modules.recover import imports_file
from modules.recover.analysis import Analysis, Decision, analyze
from modules.recover.aws import Aws
from modules.recover.backend import LockMismatch, Unsupported, state_backend
from modules.recover.duplicates import Inspector
from modules.recover.finders import Finder
from modules.recover.keepers import Copy, base_address
from modules.recover.stack import ProviderSettings, SynthesizedStack
from modules.recover.terraform import TerraformFailed, remove_from_state

ROOT = Path(__file__).resolve().parents[2]
STOPPED = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m modules.recover",
        description="Recover stacks after an interrupted deploy: name a held state lock, import what the "
                    "apply created, list duplicates (docs/operations.md: Recover an interrupted deploy).",
        epilog="Exit status: 0 done, 1 AWS or Terraform error, 2 bad config or unreadable backend, "
               "3 stopped at a lock or a question.",
    )
    parser.add_argument("stacks", nargs="+", metavar="STACK", help="stack names or patterns (peering-*)")
    parser.add_argument("--config", help="config file (default: as main.py chooses it)")
    parser.add_argument("--unlock", action="store_true", help="remove a held state lock")
    parser.add_argument("--delete-duplicates", action="store_true", help="delete duplicates that hold nothing")
    parser.add_argument("--yes", action="store_true", help="answer yes to every question (automation)")
    parser.add_argument("--outdir", default="cdktf.out",
                        help="where cdktf runs the stacks (default cdktf.out; local state paths are relative to it)")
    args = parser.parse_args(argv)

    config_path = Path(command_config_path(args.config)).resolve()
    try:
        config = load_config(config_path)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="keycloak-aurora-recover-") as work:
        synthesized = _synthesize(config_path, Path(work))
        names = json.loads((synthesized / "manifest.json").read_text())["stacks"]
        selected = [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in args.stacks)]
        if not selected:
            print(f"error: no stack matches {' '.join(args.stacks)} (stacks: {', '.join(names)})", file=sys.stderr)
            return 2
        recovery = Recovery(args, imports_file.DeploymentKey.of(config), Aws())
        return max(
            recovery.stack(SynthesizedStack.load(synthesized / "stacks" / name,
                                                 run_directory=Path(args.outdir).resolve() / "stacks" / name))
            for name in selected
        )


def _synthesize(config_path: Path, work: Path) -> Path:
    """Run `main.py` for `config_path` into `work/out`, without any recovery file (the
    stacks as the config alone makes them); returns the output directory."""
    out = work / "out"
    env = {**os.environ, "CDKTF_OUTDIR": str(out), "KEYCLOAK_AURORA_CONFIG": str(config_path),
           imports_file.RECOVERY_DIR_ENV: str(work / "no-recovery-files")}
    result = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"error: synth failed:\n{result.stderr[-3000:]}")
    return out


class Recovery:
    """Recovers one stack at a time, printing what it finds and does."""

    def __init__(self, args: argparse.Namespace, deployment: imports_file.DeploymentKey, aws: Aws) -> None:
        self.args = args
        self.files = deployment  # whose recovery files: the name and the state location
        self.deployment = deployment.name
        self.aws = aws

    def ask(self, question: str) -> bool:
        """True with --yes, or when the operator types `yes`; False without a terminal."""
        if self.args.yes:
            return True
        if not sys.stdin.isatty():
            print(f"  {question} (no terminal to ask: pass --yes)")
            return False
        return input(f"  {question} Type 'yes' to go on: ").strip() == "yes"

    def stack(self, stack: SynthesizedStack) -> int:
        """Recover one stack; returns its exit status."""
        print(f"== {stack.name}")
        try:
            return self._stack(stack)
        except (BotoCoreError, ClientError, TerraformFailed) as error:
            print(f"  error: {error}")
            return 1

    def _stack(self, stack: SynthesizedStack) -> int:
        try:
            backend = state_backend(stack.backend, self.aws)
            remote = {name: state_backend(b, self.aws) for name, b in stack.remote_states.items()}
        except Unsupported as reason:
            print(f"  {reason}")
            return 2
        print(f"  state: {backend.describe()}")

        lock = backend.read_lock()
        if lock is not None:
            print(f"  lock: {lock.describe()}")
            if not self.args.unlock:
                print("  lock: left in place. If no Terraform run holds it (a deploy that was killed), "
                      "run again with --unlock")
                return STOPPED
            if not self.ask(f"Remove lock {lock.id}? Only if no Terraform run is in progress."):
                print("  lock: left in place")
                return STOPPED
            try:
                backend.remove_lock(lock.id)
            except LockMismatch as error:
                print(f"  lock: not removed: {error}")
                return STOPPED
            print(f"  lock: removed (ID {lock.id})")
        else:
            print("  lock: none")

        state = backend.read_state()
        print(f"  state: {len(state.resources)} resources" if state.exists else "  state: none saved yet")
        outputs = {name: reader.read_state().outputs for name, reader in remote.items()}
        analysis = analyze(stack, state, Finder(self.aws, self.deployment, stack), self.deployment, outputs)
        replaced = self._replace(stack, analysis)
        if replaced is None:
            return STOPPED
        self._write_imports(stack, analysis, replaced)
        self._report(analysis)
        return self._duplicates(stack, analysis, replaced)

    def _replace(self, stack: SynthesizedStack, analysis: Analysis) -> list[Decision] | None:
        """Take the state's unused copies out of the state; None when not confirmed."""
        decisions = analysis.by_action("replace")
        if not decisions:
            return []
        print("  the state holds copies nothing uses; the database and what it needs use others:")
        for d in decisions:
            assert d.state_copy is not None
            votes = f"{d.keeper.votes} reference" + ("s" if d.keeper.votes != 1 else "")
            print(f"    {d.address}: state {d.state_copy.import_id}, in use {d.keeper.copy.describe()} ({votes})")
        if not self.ask("Remove these addresses from the state (terraform state rm; nothing is deleted in AWS)?"):
            print("  state: unchanged; nothing written")
            return None
        remove_from_state(stack.backend, [d.address for d in decisions])
        for d in decisions:
            print(f"  state: removed {d.address} ({d.state_copy.import_id if d.state_copy else ''})")
        return decisions

    def _write_imports(self, stack: SynthesizedStack, analysis: Analysis, replaced: list[Decision]) -> None:
        blocks = [imports_file.ImportBlock(b["to"], b["id"]) for b in analysis.import_blocks()]
        directory = imports_file.recovery_dir()
        if blocks:
            path = imports_file.write(directory, self.files, stack.name, blocks)
            print(f"  wrote {path}: {len(blocks)} import blocks; `make deploy STACKS={stack.name}` imports them:")
            for d in sorted(analysis.by_action("import") + replaced, key=lambda d: d.address):
                note = " (ambiguous: no reference tells the copies apart)" if d.keeper.ambiguous else ""
                print(f"    import {d.address} <- {d.keeper.copy.describe()} [by {d.keeper.copy.found_by}]{note}")
        elif removed := imports_file.remove(directory, self.files, stack.name):
            print(f"  removed {removed}: everything it imported is in the state")
        else:
            print("  nothing to import")

    def _report(self, analysis: Analysis) -> None:
        for conflict in analysis.conflicts:
            print(f"  conflict: {conflict.found.import_id} has the name of {conflict.address} but is "
                  f"{conflict.reason}: not adopted; rename or remove one of them")
        if analysis.not_searched:
            print(f"  not searched (no finder for their type; if the interrupted apply created them, "
                  f"import them by hand): {', '.join(analysis.not_searched)}")

    def _duplicates(self, stack: SynthesizedStack, analysis: Analysis, replaced: list[Decision]) -> int:
        """List the copies nothing manages (with the state's copies just replaced); delete
        the empty ones with --delete-duplicates."""
        out_of_state = {d.address for d in replaced}
        copies: list[tuple[Copy, str, ProviderSettings]] = []
        for decision in analysis.decisions.values():
            resource = stack.resource(base_address(decision.address))
            assert resource is not None
            extra = [decision.state_copy] if decision.address in out_of_state and decision.state_copy else []
            copies += [(copy, resource.type, resource.provider) for copy in [*decision.duplicates, *extra]]
        if not copies:
            print("  duplicates: none")
            return 0
        inspector = Inspector(self.aws)
        duplicates = inspector.inspect(copies)
        print("  duplicates (copies no state manages):")
        for duplicate in duplicates:
            print(f"    {duplicate.describe()}")
        deletable = [d for d in duplicates if d.deletable]
        if not deletable:
            return 0
        if not self.args.delete_duplicates:
            print(f"  {len(deletable)} of them hold nothing: run again with --delete-duplicates to delete them")
            return 0
        names = ", ".join(d.copy.import_id for d in deletable)
        if not self.ask(f"Delete {names}?"):
            print("  duplicates: left in place")
            return STOPPED
        for duplicate in deletable:
            for line in inspector.delete(duplicate):
                print(f"  {line}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
