"""Notices: one WARNING block per kind of risky change a reviewer must act on, beyond the
data-at-risk warning (which `modules.review.markdown` writes first).

Each notice is a function of the plans of every stack that returns its lines (quoted
Markdown, ending with an empty line), or nothing when the plans hold no such change.
`NOTICES` lists them in the order they appear in the comment. A notice names stacks,
addresses and attribute names, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from modules.naming import ACCESS_STACK_PREFIX
from modules.review.plan import ResourceChange, StackPlan
from modules.review.text import code

Notice = Callable[[Sequence[StackPlan]], list[str]]


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
    changes = [(s.name, c) for s in stacks for c in s.changes if _credential_change(s.name, c)]
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


#: Every notice, in the order they appear.
NOTICES: tuple[Notice, ...] = (password_change, credentials_change, changed_outside_terraform)
