"""Turn a stack's recovery file into Terraform `import` blocks at synth (the app side).

`import { to = <address>  id = <id> }` makes the next plan import the object instead of
creating another (Terraform >= 1.5); an address already in the state is skipped without a
word. The blocks are written as one top-level `import` list of the stack's JSON, which
takes instance addresses (`aws_route.x["rtb-1"]`) as well. Every target must be a resource
of the stack: Terraform would refuse the plan ("Configuration for import target does not
exist"), so the synth refuses first, naming the file.
"""

from __future__ import annotations

from cdktf import TerraformResource, TerraformStack

from modules.recover.imports_file import RecoveryFile, RecoveryFileError


def add_import_blocks(stack: TerraformStack, recovery: RecoveryFile) -> None:
    """Add the import blocks of the stack's recovery file to `stack`."""
    blocks = recovery.blocks
    addresses = {
        f"{node.terraform_resource_type}.{node.friendly_unique_id}"
        for node in stack.node.find_all()
        if isinstance(node, TerraformResource)
    }
    unknown = sorted({block.to for block in blocks if block.to.split("[", 1)[0] not in addresses})
    if unknown:
        raise RecoveryFileError(
            f"{recovery.path}: stack {stack.node.id} has no resource {', '.join(unknown)}; "
            "run `make recover` again or delete the file"
        )
    stack.add_override("import", [{"to": block.to, "id": block.id} for block in blocks])
