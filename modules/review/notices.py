"""Notices: one WARNING block per kind of risky change a reviewer must act on, beyond the
data-at-risk warning (which `modules.review.markdown` writes first), and last one NOTE
naming what changes in how the database is watched and when it is maintained (alarms,
maintenance and backup windows), one line each.

Each notice is a function of the plans of every stack that returns its lines (quoted
Markdown, ending with an empty line), or nothing when the plans hold no such change.
`NOTICES` lists them in the order they appear in the comment. A notice names stacks,
addresses and attribute names, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from modules.naming import ACCESS_STACK_PREFIX, AURORA_SECONDARY_STACK_ID, WRITER_ID
from modules.review.plan import ResourceChange, StackPlan
from modules.review.text import code

Notice = Callable[[Sequence[StackPlan]], list[str]]


def major_engine_upgrade(stacks: Sequence[StackPlan]) -> list[str]:
    """A cluster updated in place to another engine major: every instance restarts and the
    database is down until the upgrade ends; only a snapshot taken before goes back."""
    changes = [(s.name, c) for s in stacks for c in s.changes if c.engine_major_change]
    if not changes:
        return []
    lines = [
        "> [!WARNING]",
        "> **Major engine upgrade: downtime, snapshot first.** Every instance restarts and the database is"
        " unavailable until the upgrade ends; there is no way back but a restore. Take a cluster snapshot"
        " right before applying (`aws rds create-db-cluster-snapshot`) and check that Keycloak supports the"
        " new major. It runs at apply with `aurora.apply_immediately: true`, else in the next maintenance"
        " window; the new cluster parameter group is created first and the old one deleted last.",
    ]
    lines += [f"> - {code(stack)}: {code(change.address)} moves `engine_version` to another major" for stack, change in changes]
    return lines + [""]


def password_change(stacks: Sequence[StackPlan]) -> list[str]:
    """An update giving the master user a new password: Keycloak learns it only when its
    stacks are applied too."""
    changes = [(s.name, c) for s in stacks for c in s.changes if c.password_attributes]
    if not changes:
        return []
    lines = [
        "> [!WARNING]",
        "> **The database password changes.** Keycloak holds the old one until its stacks are"
        " applied: apply every `keycloak-*` stack right after this change, or Keycloak cannot"
        " open new connections.",
    ]
    for stack, change in changes:
        attributes = ", ".join(code(name) for name in change.password_attributes)
        line = f"> - {code(stack)}: {code(change.address)} changes {attributes}"
        if "manage_master_user_password" in change.password_attributes:
            line += " (turning it off makes RDS delete the master secret it managed)"
        lines.append(line)
    return lines + [""]


def restore_makes_a_new_cluster(stacks: Sequence[StackPlan]) -> list[str]:
    """A cluster created from a snapshot or a point in time: new endpoints and a new master
    secret, which Keycloak learns only from a new render and its stacks' apply."""
    changes = [(s.name, c) for s in stacks for c in s.changes if c.restore]
    if not changes:
        return []
    lines = [
        "> [!WARNING]",
        "> **A restore makes a new cluster**, with the data as of the snapshot or point in time, new endpoints"
        " and a new master secret. After the apply, render Keycloak's patch again from the new outputs"
        " (`python -m modules.keycloak.render --outputs ...`) and apply the `keycloak-*` stacks.",
    ]
    for stack, change in changes:
        line = f"> - {code(stack)}: {code(change.address)} is created from {change.restore}"
        if change.action == "replace":
            line += " and **replaces** the current cluster"
        lines.append(line)
    return lines + [""]


def _steps(changed: Sequence[ResourceChange], depends_on: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """The addresses of `changed` in the order Terraform changes them: step by step, each
    step waiting for the ones before (through `depends_on`, also indirectly); the
    instances of one step change together."""
    addresses = {change.address for change in changed}
    step: dict[str, int] = {}

    def upstream(address: str, seen: frozenset[str]) -> set[str]:
        found = set()
        for dep in depends_on.get(address, ()):
            if dep not in seen:
                found |= {dep} | upstream(dep, seen | {dep})
        return found

    def place(address: str) -> int:
        if address not in step:
            before = upstream(address, frozenset({address})) & addresses
            step[address] = 1 + max((place(dep) for dep in before), default=-1)
        return step[address]

    for address in sorted(addresses):
        place(address)
    return [sorted(a for a in addresses if step[a] == n) for n in range(max(step.values(), default=-1) + 1)]


def instance_class_change(stacks: Sequence[StackPlan]) -> list[str]:
    """DB instances changing class: each restarts. Says in which order (readers first and
    the writer last with `aurora.readers_first`, else the writer first) and when."""
    plans = []
    for stack in stacks:
        changed = [
            c for c in stack.changes
            if c.type == "aws_rds_cluster_instance" and c.action == "update" and "instance_class" in c.attributes
        ]
        if changed:
            plans.append((stack.name, _steps(changed, stack.depends_on)))
    if not plans:
        return []
    lines = [
        "> [!WARNING]",
        "> **Instance class change: each instance restarts.** In this order, each step waiting for the one"
        " before; the instances of one step restart together. With `aurora.apply_immediately: false` they all"
        " change in the maintenance window (`aurora.maintenance_window`) instead, together.",
    ]
    for stack, steps in plans:
        lines.append(f"> - {code(stack)}: " + ", then ".join(" and ".join(code(a) for a in step) for step in steps))
        writer_first = any(f"_{WRITER_ID}_" in address for address in steps[0]) and len(steps) > 1
        if writer_first:
            lines.append(
                ">   The writer goes first: on an existing cluster, `aurora.readers_first: true` changes the readers"
                " first and the writer last."
            )
        elif len(steps) == 1 and len(steps[0]) > 1:
            lines.append(">   **All at once**: Keycloak loses its database until they are back.")
    return lines + [""]


#: What Keycloak's credentials are made of in a `keycloak-*` stack: its ServiceAccount (the
#: pod role's annotation), the Secrets it reads, the External Secrets documents filling one.
CREDENTIAL_RESOURCE_TYPES = ("kubernetes_service_account_v1", "kubernetes_secret_v1", "kubernetes_manifest")
_CREDENTIAL_ACTIONS = {"create": "created", "delete": "destroyed", "replace": "replaced", "forget": "forgotten (left in place)"}


def _credential_change(stack: str, change: ResourceChange) -> bool:
    if change.action not in _CREDENTIAL_ACTIONS:
        return False
    if stack.startswith(ACCESS_STACK_PREFIX):
        return change.type == "aws_iam_role"
    return stack.startswith("keycloak-") and change.type in CREDENTIAL_RESOURCE_TYPES


def credentials_change(stacks: Sequence[StackPlan]) -> list[str]:
    """Keycloak's way into the database changes (`keycloak.credentials`, e.g. `copy` to
    `iam`): a pod role comes or goes, or a `keycloak-*` stack creates, destroys or forgets
    a ServiceAccount, a Secret or the documents filling one. Running Keycloak keeps what it
    started with until its CR is patched, so the order of the steps matters."""
    # A retired cluster's pod roles and Secrets go with it: its own warning says so.
    changes = [(s.name, c) for s in stacks if not s.retired for c in s.changes if _credential_change(s.name, c)]
    if not changes:
        return []
    lines = [
        "> [!WARNING]",
        "> **Keycloak's database credentials change.** Keycloak keeps what it started with until its CR is"
        " patched: apply these stacks, then the patch `make render` writes (Keycloak's pods roll), and only then"
        " delete what is forgotten here (README: \"Moving a deployment from copy to iam\").",
    ]
    lines += [f"> - {code(stack)}: {code(change.address)} {_CREDENTIAL_ACTIONS[change.action]}" for stack, change in changes]
    return lines + [""]


def changed_outside_terraform(stacks: Sequence[StackPlan]) -> list[str]:
    """Drift: resources deleted or changed outside Terraform since the last apply, which
    this plan changes back. Their rows in the tables are repairs, not changes of the code
    under review; the scheduled drift check (`plan --detailed-exitcode`) reports them too."""
    found = [(s.name, c) for s in stacks for c in s.drift]
    if not found:
        return []
    n = len(found)
    lines = [
        "> [!WARNING]",
        f"> **Changed outside Terraform: {n} resource{'s' if n != 1 else ''}** (drift since the last apply). This"
        f" plan puts {'them' if n != 1 else 'it'} back as the configuration says.",
    ]
    for stack, change in found:
        if change.action == "delete":
            what = "was deleted"
        else:
            what = "was changed" + (": " + ", ".join(code(a) for a in change.attributes) if change.attributes else "")
        lines.append(f"> - {code(stack)}: {code(change.address)} {what}")
    return lines + [""]


#: The Aurora resources that carry a window, and the attributes that hold them.
WINDOW_ATTRIBUTES = {"preferred_maintenance_window": "maintenance", "preferred_backup_window": "backup"}
def global_database_membership(stacks: Sequence[StackPlan]) -> list[str]:
    """A change to the Aurora Global Database (`aurora.secondary`): the global cluster
    created (the primary joins it in place), changed, replaced or destroyed (its members are
    removed first: the secondary stops replicating and becomes a writable cluster of its
    own), a cluster detached from it (a config that dropped `aurora.secondary`), or the
    secondary cluster created or destroyed."""
    lines: list[str] = []
    for stack in stacks:
        for change in stack.changes:
            if change.type == "aws_rds_global_cluster":
                what = {
                    "create": "is created: the primary cluster joins it in place (no replacement)",
                    "update": "changes " + ", ".join(code(a) for a in change.attributes),
                    "replace": "is **replaced**: its members are removed first, and the secondary stops replicating",
                    "delete": "is **destroyed**: its members are removed first, and the secondary stops replicating",
                }.get(change.action)
            elif (change.type == "aws_rds_cluster" and change.action == "update"
                  and "global_cluster_identifier" in change.attributes):
                # Only once `aurora.secondary` is gone from the config: with it, both clusters
                # ignore the field.
                what = "is **detached** from the global database (RemoveFromGlobalCluster)"
            elif change.type == "aws_rds_cluster" and stack.name == AURORA_SECONDARY_STACK_ID:
                what = {
                    "create": "is created and joins the global database as its secondary",
                    "replace": "is **replaced**: removed from the global database, deleted, and created again",
                    "delete": "is removed from the global database and deleted",
                }.get(change.action)
            else:
                what = None
            if what:
                lines.append(f"> - {code(stack.name)}: {code(change.address)} {what}")
    if not lines:
        return []
    return [
        "> [!WARNING]",
        "> **The global database's membership changes.** Membership decides which cluster takes writes and"
        " which one replicates; a switchover or failover is done with the runbook, never by a plan"
        " (docs/operations.md, \"A second region\").",
        *lines,
        "",
    ]


_WINDOW_TYPES = {"aws_rds_cluster": "cluster", "aws_rds_cluster_instance": "instance"}
_ALARM_VERBS = (("create", "created"), ("update", "changed"), ("replace", "replaced"), ("delete", "destroyed"))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def alarms_and_windows(stacks: Sequence[StackPlan]) -> list[str]:
    """What changes in how the database is watched and maintained, one line each: the
    CloudWatch alarms (how many are created, changed, replaced, destroyed, and which
    attributes change), and the maintenance and backup windows (of which resources). Not a
    risk: a NOTE, so that a reviewer sees a threshold or a window move without reading the
    tables."""
    alarms = [(s.name, c) for s in stacks for c in s.changes if c.type == "aws_cloudwatch_metric_alarm"]
    windows: dict[str, dict[str, int]] = {}
    for stack in stacks:
        for change in stack.changes:
            kind = _WINDOW_TYPES.get(change.type)
            if kind is None or change.action != "update":
                continue
            for attribute, window in WINDOW_ATTRIBUTES.items():
                if attribute in change.attributes:
                    counted = windows.setdefault(window, {})
                    counted[kind] = counted.get(kind, 0) + 1
    if not alarms and not windows:
        return []
    lines = ["> [!NOTE]", "> **Alarms and maintenance windows change.**"]
    if alarms:
        parts = [_count(n, "alarm") + f" {word}" for verb, word in _ALARM_VERBS
                 if (n := sum(1 for _, c in alarms if c.action == verb))]
        attributes = sorted({a for _, c in alarms if c.action in ("update", "replace") for a in c.attributes})
        where = ", ".join(code(name) for name in sorted({stack for stack, _ in alarms}))
        lines.append(
            f"> - Alarms ({where}): " + ", ".join(parts)
            + (f"; changed: {', '.join(code(a) for a in attributes)}" if attributes else "")
        )
    if windows:
        described = []
        for window in ("maintenance", "backup"):
            counted = windows.get(window)
            if counted:
                whose = [_count(counted[kind], kind) for kind in ("cluster", "instance") if counted.get(kind)]
                described.append(f"the {window} window of {' and '.join(whose)}")
        lines.append(
            "> - Windows: " + "; ".join(described) + " (in place; pending changes wait for the new maintenance window)"
        )
    return lines + [""]


#: Every notice, in the order they appear: the major upgrade leads (downtime, snapshot first).
NOTICES: tuple[Notice, ...] = (
    major_engine_upgrade,
    password_change,
    credentials_change,
    restore_makes_a_new_cluster,
    global_database_membership,
    instance_class_change,
    changed_outside_terraform,
    alarms_and_windows,
)
