"""The Keycloak operator's CRD, pinned by its SHA-256, and the check of a CR patch against it.

`make render` checks every patch it writes, merged into a minimal Keycloak CR as `oc patch
--type merge` merges it (RFC 7386), against the `v2alpha1` schema of the CRD of the
operator version this tool targets (`OPERATOR_VERSION`): a misspelt or misplaced field
fails here instead of being silently dropped by the API server.

Where the CRD comes from, first found wins, each copy checked against `SHA256`:

1. `$KEYCLOAK_AURORA_CRD`: a file you put there (air-gapped machines);
2. the download cache, `.build/keycloak-crd/` in the repository (git-ignored);
3. an offline copy beside the repository, `../shared/keycloak/` (the maintainers' machines
   and CI);
4. the operator's release in keycloak/keycloak-k8s-resources on GitHub (`URL`), downloaded
   once into the cache.

A copy whose digest differs is refused with both digests (never used, never cached).
"""

from __future__ import annotations

import copy
import hashlib
import os
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

#: The Keycloak operator whose CRD the patches are checked against (Keycloak 26.0).
OPERATOR_VERSION = "26.0.0"
#: The CRD file's name in the operator's release.
FILENAME = "keycloaks.k8s.keycloak.org-v1.yml"
#: Where the operator publishes it for that version.
URL = f"https://raw.githubusercontent.com/keycloak/keycloak-k8s-resources/{OPERATOR_VERSION}/kubernetes/{FILENAME}"
#: SHA-256 of that file: every copy, wherever it comes from, must have it.
SHA256 = "f8cf7e76df7ae348aa01ed834adf0e84922d56f71aa4260c4a895cd550833a11"
#: Environment variable naming a local copy (checked like any other).
ENV = "KEYCLOAK_AURORA_CRD"

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".build" / "keycloak-crd" / f"{OPERATOR_VERSION}-{FILENAME}"
OFFLINE_COPY = ROOT.parent / "shared" / "keycloak" / FILENAME
#: Seconds to wait for the download.
DOWNLOAD_TIMEOUT = 30

#: The smallest Keycloak CR a patch is merged into: what the HA guide's CR sets besides the
#: database. The CRD's schema itself requires no field of `spec`.
MINIMAL_KEYCLOAK: dict[str, Any] = {
    "apiVersion": "k8s.keycloak.org/v2alpha1",
    "kind": "Keycloak",
    "metadata": {"name": "keycloak", "namespace": "keycloak"},
    "spec": {"instances": 1, "hostname": {"hostname": "example.org"}, "http": {"tlsSecret": "x"}},
}


class CrdUnavailable(Exception):
    """No copy of the CRD with the pinned digest could be found or downloaded; says why."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verified(data: bytes, origin: str) -> bytes:
    digest = _digest(data)
    if digest != SHA256:
        raise CrdUnavailable(f"{origin}: SHA-256 {digest}, expected {SHA256} (the Keycloak {OPERATOR_VERSION} "
                             f"operator's {FILENAME}); refusing it")
    return data


def crd_bytes(*, download: bool = True) -> bytes:
    """The CRD file's bytes, from the first source that has it (see the module docstring);
    `download` (default true) allows fetching it. Raises `CrdUnavailable`."""
    explicit = os.environ.get(ENV)
    candidates = [Path(explicit)] if explicit else [CACHE, OFFLINE_COPY]
    for path in candidates:
        if path.is_file():
            return _verified(path.read_bytes(), str(path))
    if explicit:
        raise CrdUnavailable(f"${ENV} names {explicit}, which does not exist")
    if not download:
        raise CrdUnavailable(f"no copy in {CACHE} or {OFFLINE_COPY}, and downloading is off")
    try:
        with urllib.request.urlopen(URL, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 (a fixed https URL)
            data = _verified(response.read(), URL)
    except (urllib.error.URLError, OSError) as err:
        raise CrdUnavailable(f"cannot download {URL}: {getattr(err, 'reason', err)} (put a copy at ${ENV})") from None
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_bytes(data)
    return data


def _structural(schema: Any) -> Any:
    """The schema without `x-kubernetes-*` keys, and closed like the API server's pruning:
    an object with `properties` and no `additionalProperties` accepts no other field (the
    API server would silently drop it, so a misspelt field must fail here)."""
    if isinstance(schema, list):
        return [_structural(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _structural(value) for key, value in schema.items() if not key.startswith("x-kubernetes-")}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@lru_cache(maxsize=4)
def crd_validator(version: str = "v2alpha1", *, download: bool = True) -> jsonschema.Draft7Validator:
    """A JSON Schema validator for Keycloak CRs of `version` (default `v2alpha1`). Raises
    `CrdUnavailable`."""
    crd = yaml.safe_load(crd_bytes(download=download))
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = _structural(served["schema"]["openAPIV3Schema"])
    # apiVersion, kind and metadata are the API server's to check; keep them allowed.
    schema["properties"].update({"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}})
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, `null` deletes, anything else
    (lists included) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def validation_errors(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    """Every schema violation of `document`, as `path: message` lines."""
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def patch_errors(patch: dict[str, Any], validator: jsonschema.Draft7Validator) -> list[str]:
    """The schema violations of a Keycloak CR after `patch` is merged into `MINIMAL_KEYCLOAK`."""
    return validation_errors(validator, merge_patch(MINIMAL_KEYCLOAK, patch))
