"""The environment Terraform runs in: unattended, and on air-gapped machines pointed at a
provider mirror.

`TF_PROVIDER_MIRROR` names a Terraform filesystem mirror holding hashicorp/aws
(`<mirror>/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/...`). When it is set,
a CLI config that installs hashicorp providers from it (every other provider from its
registry) is written to `.build/terraformrc` and `TF_CLI_CONFIG_FILE` points there, as
`make deploy` always did; without it Terraform's own CLI config applies (the public
registry, or whatever `TF_CLI_CONFIG_FILE` names).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

MIRROR_VARIABLE = "TF_PROVIDER_MIRROR"
#: Where the CLI config for a mirror is written, relative to the working directory.
CLI_CONFIG = Path(".build") / "terraformrc"
HASHICORP_PROVIDERS = "registry.terraform.io/hashicorp/*"


def mirror_cli_config(mirror: str) -> str:
    """A Terraform CLI config: hashicorp providers from the filesystem mirror `mirror`, every
    other provider directly from its registry."""
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {json.dumps(mirror)}\n"
        f"    include = [{json.dumps(HASHICORP_PROVIDERS)}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{json.dumps(HASHICORP_PROVIDERS)}]\n"
        "  }\n"
        "}\n"
    )


def terraform_env(base: Mapping[str, str] | None = None, *, workdir: Path = Path(".")) -> dict[str, str]:
    """The environment for every Terraform the runner starts: `base` (default `os.environ`)
    with `TF_IN_AUTOMATION=1` (no "run terraform apply next" hints) and `TF_INPUT=0` (Terraform
    never has a terminal: it would stop on a prompt instead of failing), plus the mirror's CLI
    config under `workdir` when `TF_PROVIDER_MIRROR` is set."""
    env = dict(os.environ if base is None else base)
    env.update(TF_IN_AUTOMATION="1", TF_INPUT="0")
    mirror = env.get(MIRROR_VARIABLE)
    if mirror:
        path = (Path(workdir) / CLI_CONFIG).absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(mirror_cli_config(str(Path(mirror).absolute())), encoding="utf-8")
        env["TF_CLI_CONFIG_FILE"] = str(path)
    return env
