"""Pieces of the Jobs the `keycloak-<name>` stacks run in a ROSA cluster (the database
user bootstrap, the connectivity check): images, the restricted container, volumes.

Elements of lists (containers, env, volumes, mounts) reach jsii as plain maps, not
structs, so their keys are the jsii (camelCase) names; the synthesized JSON is
snake_case as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: The AWS CLI v2 (with jq and curl) for init containers that call AWS: the official
#: image, a release seen pinned in public code in 2026. Pin it by digest, or mirror it,
#: for production (README, "Keycloak without a password").
AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.36.15"
#: AWS's bundle of every RDS certificate authority: what `sslmode=verify-full` checks
#: the writer's certificate against. Fetched over HTTPS at run time (a Job's init
#: container); the Keycloak image carries its own copy (images/keycloak/Containerfile).
RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
#: Where a Job's init container leaves what its main container reads (memory only).
HANDOVER_DIR = "/handover"

#: No privilege escalation, every capability dropped, a read-only root filesystem, not
#: root (OpenShift's restricted-v2 SCC assigns the user id).
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}
#: Enough for psql or the AWS CLI, once.
SMALL = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
#: The AWS CLI (Python) needs more memory than psql.
AWS_CLI = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
#: The pod: non-root, the runtime's seccomp profile.
POD_SECURITY = {"run_as_non_root": True, "seccomp_profile": {"type": "RuntimeDefault"}}


def psql_image(engine_major: int) -> str:
    """`postgres:<major>`: psql of the engine's major (the guide's check pod)."""
    return f"postgres:{engine_major}"


def env(values: Mapping[str, str]) -> list[dict[str, Any]]:
    """Plain `name=value` environment entries, in order."""
    return [{"name": name, "value": value} for name, value in values.items()]


def container(
    name: str,
    image: str,
    *,
    script: str,
    args: Sequence[str] = (),
    environment: Mapping[str, str],
    mounts: Mapping[str, str],
    read_only: Sequence[str] = (),
    resources: Mapping[str, Any] = SMALL,
) -> dict[str, Any]:
    """A restricted container running `script` with `/bin/sh -ec` (`args` become `"$@"`),
    with `environment` and volume `mounts` ({volume: path}; those in `read_only` read-only)."""
    spec: dict[str, Any] = {"name": name, "image": image, "command": ["/bin/sh", "-ec", script, name]}
    if args:
        spec["args"] = list(args)
    return {
        **spec,
        "env": env(environment),
        "volumeMount": [
            {"name": volume, "mountPath": path, "readOnly": volume in read_only} for volume, path in mounts.items()
        ],
        "securityContext": RESTRICTED,
        "resources": dict(resources),
    }


def memory_volume(name: str, size: str = "1Mi") -> dict[str, Any]:
    """An emptyDir in memory (tmpfs): it never reaches a disk and dies with the pod."""
    return {"name": name, "emptyDir": {"medium": "Memory", "sizeLimit": size}}


def scratch_volume(name: str) -> dict[str, Any]:
    """A small emptyDir for a tool's home and caches (the root filesystem is read-only)."""
    return {"name": name, "emptyDir": {"sizeLimit": "64Mi"}}


def fetch_ca_bundle(target: str) -> str:
    """Shell lines downloading `RDS_CA_BUNDLE_URL` to `target`, HTTPS only, failing loudly."""
    return f'curl --fail --silent --show-error --proto =https --tlsv1.2 --output "{target}" "{RDS_CA_BUNDLE_URL}"\n'
