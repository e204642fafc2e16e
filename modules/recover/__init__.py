"""Recover an interrupted deploy (issue #16): `python -m modules.recover STACK...`.

Names a held state lock and removes it on request; finds what an interrupted apply
created in AWS but never wrote to state (by the `keycloak-aurora:address` tag every
resource carries, else by its unique name, else from its parent) and writes import blocks
for it to `recovery/<deployment>/<state location>/<stack>.imports.json`, which `main.py` turns into
Terraform `import` blocks at the next synth; lists duplicates and deletes the empty ones
on request. It never deletes or replaces the database or anything holding data.

Reads files, the state backend and AWS with boto3; never imports cdktf (it synthesizes
by running `main.py`). `import_blocks` is the one module the app itself uses.
"""
