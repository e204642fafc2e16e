"""Keycloak's side: the `keycloak-<rosa>` stack per ROSA cluster (`stack.py`: the database
Secret, the optional connectivity check) and the Keycloak CR patches rendered from the
deployed outputs (`python -m modules.keycloak.render`). Importing `render`, `manifests` or
`deployed_outputs` starts no Node.js process."""
