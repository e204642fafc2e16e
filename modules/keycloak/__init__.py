"""Keycloak's side: the `keycloak-<rosa>` stack per ROSA cluster (`stack.py`: with
`credentials: iam` Keycloak's ServiceAccount and user Secret (`identity.py`) and the
database user bootstrap Job (`db_bootstrap.py`, `db_user.py`); otherwise the database
Secret (`secret.py`); the optional connectivity check) and the Keycloak CR patches rendered
from the deployed outputs (`python -m modules.keycloak.render`). Importing `render`,
`manifests`, `db_user` or `deployed_outputs` starts no Node.js process."""
