"""Reading a deployment config: the file to use, YAML parsing, and one `ConfigError`
naming every problem (field rules first, then cross-field rules).

Each line names the field path, the value and the rule; a value that may be a secret typed
by mistake (a field marked `SECRET_INPUT`) is never repeated.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from modules.config.errors import ConfigError
from modules.config.model import RENAMED_KEYS, DeploymentConfig
from modules.config.rules import cross_field_problems

#: The config synthesized when nothing else is named.
DEFAULT_CONFIG = "config/example.yaml"
#: Environment variable naming the config file (`make synth CONFIG=...` sets it).
CONFIG_ENV = "KEYCLOAK_AURORA_CONFIG"


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The model classes inside a field annotation (`X`, `X | None`, `list[X]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in getattr(annotation, "__args__", ()) for model in _models(arg)]


def _walk(loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, list[Any]]:
    """(the model whose fields apply below `loc`, or None where `loc` leaves the models;
    the field infos met along `loc`)."""
    model: Any = DeploymentConfig
    fields = []
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part) if model is not None else None
        if field is None:
            return None, fields
        fields.append(field)
        inner = _models(field.annotation)
        model = inner[0] if inner else None
    return model, fields


def _secret(fields: list[Any]) -> bool:
    """Whether a value at the end of this field path may be a secret typed by mistake."""
    return any((field.json_schema_extra or {}).get("secret_input") for field in fields)


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden" and _path(loc) in RENAMED_KEYS:
        new, note = RENAMED_KEYS[_path(loc)]
        return f"{_path(loc)} = {error.get('input')!r}: renamed to {new} ({note})"
    if kind == "extra_forbidden":
        parent, _ = _walk(loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        return f"{_path(loc)}: unknown key (allowed: {', '.join(allowed)}){suggestion}"
    if kind == "missing":
        return f"{_path(loc)}: required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    if _secret(_walk(loc)[1]):
        return f"{_path(loc)} = (value not shown): {message}"
    return f"{_path(loc)} = {error.get('input')!r}: {message}"


def parse_config(data: Any, source: str | None = None) -> DeploymentConfig:
    """Validate a config mapping (already parsed from YAML) into a `DeploymentConfig`.

    Raises `ConfigError` listing every problem; field rules first, then cross-field rules.
    """
    if not isinstance(data, dict):
        raise ConfigError([f"(top level) = {data!r}: must be a mapping with aurora, state, ..."], source)
    try:
        config = DeploymentConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError([_describe(e) for e in err.errors()], source) from None
    problems = cross_field_problems(config)
    if problems:
        raise ConfigError(problems, source)
    return config


def selected_config_path() -> str:
    """The config to use: `$KEYCLOAK_AURORA_CONFIG`, else cdktf.json's context `config`
    (read from the working directory), else `config/example.yaml`."""
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return from_env
    try:
        with open("cdktf.json", encoding="utf-8") as handle:
            return json.load(handle).get("context", {}).get("config", DEFAULT_CONFIG)
    except FileNotFoundError:
        return DEFAULT_CONFIG


def fallback_notice() -> str | None:
    """When `$KEYCLOAK_AURORA_CONFIG` is unset, a line saying which config is used instead
    (so no command falls back to the example silently); None when it is set. Commands print
    it to stderr."""
    if os.environ.get(CONFIG_ENV):
        return None
    return (f"note: {CONFIG_ENV} is not set: using {selected_config_path()} "
            f"(export {CONFIG_ENV}=<your config> once per shell, or pass CONFIG=<file> to make)")


def command_config_path(explicit: str | Path | None) -> str:
    """The config a command uses: `explicit` (its `--config`), else `selected_config_path()`,
    printing `fallback_notice()` to stderr when that falls back to the default."""
    if explicit:
        return str(explicit)
    notice = fallback_notice()
    if notice:
        print(notice, file=sys.stderr)
    return selected_config_path()


def load_config(path: str | Path) -> DeploymentConfig:
    """Read and validate the YAML deployment config at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError([f"cannot read config file: {err.strerror}"], str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError([f"not valid YAML: {err}"], str(path)) from None
    return parse_config(data, str(path))
