"""The master password as a sensitive Terraform variable (`aurora.master_password: variable`).

Declared the same way in every stack that needs it (the `aurora` stack sets it on the
cluster, a `keycloak-<name>` stack copies it into Keycloak's Secret), so one
`TF_VAR_master_password` serves them all and its value never reaches config or JSON.
"""

from __future__ import annotations

from cdktf import TerraformStack, TerraformVariable
from constructs import Construct

#: The variable's name in every stack: set it with `TF_VAR_master_password`.
VARIABLE_NAME = "master_password"


def master_password_variable(scope: Construct, *, description: str) -> TerraformVariable:
    """Variable `master_password` (string, sensitive, not null) of the stack holding `scope`."""
    return TerraformVariable(
        TerraformStack.of(scope),
        VARIABLE_NAME,
        type="string",
        sensitive=True,
        nullable=False,
        description=description,
    )
