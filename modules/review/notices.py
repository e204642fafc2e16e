"""Notices: one WARNING block per kind of risky change a reviewer must act on, beyond the
data-at-risk warning (which `modules.review.markdown` writes first).

Each notice is a function of the plans of every stack that returns its lines (quoted
Markdown, ending with an empty line), or nothing when the plans hold no such change.
`NOTICES` lists them in the order they appear in the comment. A notice names stacks,
addresses and attribute names, never values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from modules.review.plan import StackPlan
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


#: Every notice, in the order they appear.
NOTICES: tuple[Notice, ...] = (password_change,)
