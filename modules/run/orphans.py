"""Before Terraform runs: every state the backend holds for this deployment has a stack.

Deleting a ROSA cluster's entry from the config stops synthesizing its stacks, and Terraform
never hears of them again: the peering, its routes on both sides, the 5432 rule and the pod
roles would keep running with nothing to manage them, while the plan says nothing and the
deploy exits 0. So `plan`, `deploy` and `destroy` first list the states of the deployment
(`modules.state.inventory`, at the location the config gives) and compare them with the
synthesized stacks:

* a state of no stack that still holds resources is an **orphan**: the run stops (exit 1)
  before any Terraform, naming each such stack, what it holds and the fix (put the entry
  back with `retired: true`, deploy, then delete it);
* a state of no stack that holds nothing is what a completed retirement (or a destroy)
  leaves: `deploy` removes it and says so, `plan` and `destroy` say it will be (HCP
  Terraform workspaces are named, for deleting by hand).

`destroy` also asks it which dependant stacks still hold resources
(`modules.run.stacks.check_destroy_complete`): one that was destroyed already, or never
deployed, does not block the destroy of the stacks it depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from modules.config import ConfigError, DeploymentConfig, load_config
from modules.naming import rosa_cluster_of
from modules.run.process import say
from modules.run.stacks import Stack, StackError
from modules.state.inventory import InventoryError, StateInventory, StoredState, state_inventory
from modules.state.location import StateLocation


class DeploymentStates:
    """The states of one deployment, listed once and read on demand."""

    def __init__(self, inventory: StateInventory, config: DeploymentConfig) -> None:
        self.inventory = inventory
        self.config = config
        self._listed: list[str] | None = None
        self._read: dict[str, StoredState] = {}

    def stacks(self) -> list[str]:
        """The stacks the backend holds a state of."""
        if self._listed is None:
            self._listed = self._inventory(self.inventory.stacks)
        return self._listed

    def read(self, stack: str) -> StoredState:
        if stack not in self._read:
            self._read[stack] = self._inventory(lambda: self.inventory.read(stack))
        return self._read[stack]

    def holds_resources(self, stack: str) -> bool:
        """Whether `stack` has a state holding at least one resource."""
        return stack in self.stacks() and self.read(stack).resources > 0

    @staticmethod
    def _inventory(call):  # noqa: ANN001, ANN205 - a thunk and its result
        try:
            return call()
        except InventoryError as err:
            raise StackError(str(err)) from None

    def check(self, stacks: Mapping[str, Stack], *, remove_empty: bool) -> None:
        """Raise `StackError` when a state of none of `stacks` holds resources; otherwise
        report the empty ones, and with `remove_empty` remove them."""
        leftover = [self.read(name) for name in self.stacks() if name not in stacks]
        orphans = [state for state in leftover if state.resources]
        if orphans:
            raise StackError(self._orphans_message(orphans))
        for state in leftover:
            self._empty(state, remove=remove_empty and self.inventory.removable)

    def _empty(self, state: StoredState, *, remove: bool) -> None:
        left_by = f"left by the retirement of {state.retired}" if state.retired else "left by a destroy or a retirement"
        if remove:
            try:
                where = self.inventory.remove(state.stack)
            except InventoryError as err:
                say(f"state of {state.stack} holds nothing and no stack uses it ({left_by}); {err}")
                return
            say(f"removed the state of {state.stack}, {where}: it held nothing and no stack uses it ({left_by})")
        elif self.inventory.removable:
            say(f"state of {state.stack}, {state.where}, holds nothing and no stack uses it ({left_by}): "
                "the next deploy removes it")
        else:
            say(f"{state.where} holds nothing and no stack uses it ({left_by}): delete the workspace in "
                "HCP Terraform (Settings > Destruction and Deletion) when you no longer need it")

    def _orphans_message(self, orphans: list[StoredState]) -> str:
        live = {rosa.name for rosa in self.config.rosa_clusters}
        lines = [
            f"{self.inventory.location.describe()} holds states that no stack of this config manages; what they "
            "hold would keep running with nothing to manage it:"
        ]
        lines += [f"  {state.stack}: {state.resources} resource{'s' if state.resources != 1 else ''} "
                  f"({state.where})" for state in orphans]
        clusters = sorted({cluster for state in orphans if (cluster := rosa_cluster_of(state.stack)) and cluster not in live})
        others = [state.stack for state in orphans if rosa_cluster_of(state.stack) not in clusters]
        for cluster in clusters:
            lines.append(
                f"ROSA cluster {cluster} is not in rosa_clusters: put the entry back with `retired: true` "
                "(rosa_clusters[].retired), deploy (that destroys what its stacks hold), then delete the entry."
            )
        if others:
            lines.append(
                f"{', '.join(others)}: this config no longer makes {'these stacks' if len(others) > 1 else 'this stack'}; "
                "go back to the config that did, destroy it (`make destroy STACKS=<stack>`), then change the config."
            )
        lines.append("Nothing was planned or changed.")
        return "\n".join(lines)


def deployment_states(config_path: Path | str, outdir: Path) -> DeploymentStates:
    """The states of the deployment `config_path` describes; local state paths start where
    Terraform's do, in the directory holding `outdir`."""
    try:
        config = load_config(config_path)
    except ConfigError as err:
        raise StackError(str(err)) from None
    root = Path(outdir).absolute().parent
    return DeploymentStates(state_inventory(StateLocation.of(config), root=root), config)
