"""Run the Terraform CLI from tests: provider mirror, CLI config, runner."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

HASHICORP_PROVIDERS = "registry.terraform.io/hashicorp/*"
#: The aws provider the stacks are written for (cdktf-cdktf-provider-aws 20.1.0).
AWS_PROVIDER_VERSION = "5.100.0"
#: Where a filesystem mirror may sit when TF_PROVIDER_MIRROR is not set: .ci/run's
#: convention, then Terraform's implicit local mirror directories on Linux.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
REGISTRY_HOST = "registry.terraform.io"

# Subcommands that accept -no-color.
_NO_COLOR_COMMANDS = frozenset(
    {"apply", "console", "destroy", "fmt", "force-unlock", "get", "graph",
     "import", "init", "output", "plan", "providers", "refresh", "show",
     "state", "taint", "test", "untaint", "validate", "workspace"}
)


class TerraformError(AssertionError):
    """A Terraform command exited with an unexpected code.

    Subclasses ``AssertionError`` so pytest reports it as a test failure;
    the message holds the command, exit code and stdout/stderr tails.
    """

    def __init__(self, result: subprocess.CompletedProcess[str], tail_lines: int = 60):
        self.result = result
        message = (
            f"terraform {' '.join(result.args[1:])} exited {result.returncode}\n"
            f"--- stdout (tail) ---\n{_tail(result.stdout, tail_lines)}\n"
            f"--- stderr (tail) ---\n{_tail(result.stderr, tail_lines)}"
        )
        super().__init__(message)


def _tail(text: str | None, lines: int) -> str:
    return "\n".join((text or "").splitlines()[-lines:])


def _holds_aws(mirror: Path) -> bool:
    return (mirror / REGISTRY_HOST / "hashicorp" / "aws" / AWS_PROVIDER_VERSION).is_dir()


def provider_mirror() -> Path | None:
    """The filesystem mirror to install hashicorp providers from, or ``None`` for the
    registry: ``$TF_PROVIDER_MIRROR`` when set (and a directory), else the first of
    ``MIRROR_CANDIDATES`` holding hashicorp/aws ``AWS_PROVIDER_VERSION``."""
    value = os.environ.get("TF_PROVIDER_MIRROR")
    if value:
        return Path(value) if Path(value).is_dir() else None
    for candidate in MIRROR_CANDIDATES:
        path = Path(candidate).expanduser()
        if _holds_aws(path):
            return path
    return None


def registry_reachable(timeout: float = 3.0) -> bool:
    """Whether the Terraform registry answers on 443 (assumed when a proxy is set)."""
    if any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy")):
        return True
    try:
        socket.create_connection((REGISTRY_HOST, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def provider_source_problem() -> str | None:
    """None when Terraform can install the aws provider (a mirror, or the registry);
    otherwise one line saying what to set."""
    mirror = provider_mirror()
    if mirror is not None:
        if _holds_aws(mirror):
            return None
        return (f"TF_PROVIDER_MIRROR={mirror} holds no {REGISTRY_HOST}/hashicorp/aws/{AWS_PROVIDER_VERSION}: "
                "point it at a Terraform filesystem mirror that does")
    if registry_reachable():
        return None
    return (f"Terraform cannot reach {REGISTRY_HOST} and no provider mirror was found: set TF_PROVIDER_MIRROR "
            f"to a filesystem mirror holding hashicorp/aws {AWS_PROVIDER_VERSION} "
            "(`terraform providers mirror <dir>` on a connected machine)")


def write_cli_config(
    path: Path, mirror: Path | None, plugin_cache_dir: Path | None = None
) -> Path:
    """Write a Terraform CLI config file at ``path`` and return ``path``.

    With ``mirror``, hashicorp providers come only from that filesystem
    mirror and all others directly from their registries. Without it the
    file is empty (valid; default installation). ``plugin_cache_dir``
    (default ``None``) adds a shared plugin cache, useful when many tests
    ``init`` against the registry; with a local mirror it only saves a copy.
    Point ``TF_CLI_CONFIG_FILE`` at the result.
    """
    blocks: list[str] = []
    if plugin_cache_dir is not None:
        Path(plugin_cache_dir).mkdir(parents=True, exist_ok=True)
        blocks.append(f"plugin_cache_dir = {json.dumps(str(plugin_cache_dir))}\n")
    if mirror is not None:
        blocks.append(
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f"    path    = {json.dumps(str(mirror))}\n"
            f"    include = [{json.dumps(HASHICORP_PROVIDERS)}]\n"
            "  }\n"
            "  direct {\n"
            f"    exclude = [{json.dumps(HASHICORP_PROVIDERS)}]\n"
            "  }\n"
            "}\n"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(blocks))
    return path


def terraform(
    args: Sequence[str],
    cwd: Path | str,
    env: Mapping[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
    timeout: float | None = 1800,
) -> subprocess.CompletedProcess[str]:
    """Run ``terraform <args>`` in ``cwd`` and return the completed process.

    ``env`` defaults to ``os.environ``; ``TF_IN_AUTOMATION=1`` and
    ``TF_INPUT=0`` are always set, and ``-no-color`` is inserted after the
    subcommand when it accepts it. Output is captured as text. Raises
    :class:`TerraformError` if the exit code is not in ``ok_codes``
    (default ``(0,)``); ``timeout`` (default 1800 s) is passed to
    ``subprocess.run``.
    """
    args = list(args)
    if args and args[0] in _NO_COLOR_COMMANDS and "-no-color" not in args:
        # `terraform state list` etc. take the flag after the sub-subcommand.
        position = 2 if args[0] in {"state", "workspace"} and len(args) > 1 else 1
        args.insert(position, "-no-color")
    run_env = dict(os.environ if env is None else env)
    run_env.update(TF_IN_AUTOMATION="1", TF_INPUT="0")
    result = subprocess.run(
        ["terraform", *args],
        cwd=cwd,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode not in ok_codes:
        raise TerraformError(result)
    return result
