"""The Keycloak CRD's schema as a JSON Schema validator, and merge patches applied as
`oc patch --type merge` applies them (RFC 7386), for checking rendered patches.

The CRD is `../shared/keycloak/keycloaks.k8s.keycloak.org-v1.yml` (Keycloak Operator 26.0.0),
relative to the repository root's parent; `crd_validator()` skips the calling test with
the reason when that folder is absent.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

CRD_PATH = ROOT.parent / "shared" / "keycloak" / "keycloaks.k8s.keycloak.org-v1.yml"

#: The smallest Keycloak CR a patch is merged into: what the HA guide's CR sets besides
#: the database. The CRD's schema itself requires no field of `spec`.
MINIMAL_KEYCLOAK = {
    "apiVersion": "k8s.keycloak.org/v2alpha1",
    "kind": "Keycloak",
    "metadata": {"name": "keycloak", "namespace": "keycloak"},
    "spec": {"instances": 1, "hostname": {"hostname": "example.org"}, "http": {"tlsSecret": "x"}},
}


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


def crd_validator(version: str = "v2alpha1") -> jsonschema.Draft7Validator:
    """A validator for Keycloak CRs of `version`; skips the test if the CRD is absent."""
    if not CRD_PATH.is_file():
        pytest.skip(f"Keycloak CRD not found at {CRD_PATH} (the shared folder next to the repository is absent)")
    crd = yaml.safe_load(CRD_PATH.read_text(encoding="utf-8"))
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
