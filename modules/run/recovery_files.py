"""After a deploy: the recovery files whose imports are now in the state are removed.

`make recover` writes `recovery/<deployment>/<state location>/<stack>.imports.json`, and
`main.py` turns it into import blocks of that stack at every synth, so the next deploy
imports what an interrupted apply had created. From then on the file has done its work;
left in the checkout, it would be read at every later synth, and once those resources are
destroyed every plan of the stack would fail ("Cannot import non-existent remote
object"). So after a deploy, for each stack of the run that has one, `terraform state
list` (in the stack's directory, which the deploy initialised) says whether every address
the file imports is in the state; when it is, the file is removed, and the run says so.
A file whose imports did not all happen (the deploy failed or was not approved) stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from modules.config import DeploymentConfig
from modules.recover import imports_file
from modules.run.process import Stopped, Supervisor, say
from modules.run.stacks import Stack


def retire_recovery_files(
    stacks: Sequence[Stack], config: DeploymentConfig, supervisor: Supervisor, env: Mapping[str, str]
) -> None:
    """Remove the recovery file of each of `stacks` whose imports are all in its state."""
    directory, deployment = imports_file.recovery_dir(), imports_file.DeploymentKey.of(config)
    try:
        files = imports_file.read_all(directory, deployment)
    except imports_file.RecoveryFileError:
        return  # the synth refused it already, naming it
    for stack in stacks:
        recovery = files.get(stack.name)
        if recovery is None:
            continue
        listed: list[str] = []
        try:
            code = supervisor.run(["terraform", "state", "list"], cwd=stack.directory, env=env,
                                  label=f"terraform state list ({stack.name})", output=listed.append)
        except Stopped:
            return
        in_state = {line.strip() for line in listed}
        if code == 0 and all(block.to in in_state for block in recovery.blocks):
            imports_file.remove(directory, deployment, stack.name)
            say(f"removed {recovery.path}: its {len(recovery.blocks)} imports are in the state of {stack.name}")
