"""The `access-<rosa>` stack per ROSA cluster: the AWS roles its pods assume through the
cluster's OIDC provider (`stack.py`, built from `pod_role.py`). AWS only, so it deploys
and is verified like the peering, without Kubernetes."""
