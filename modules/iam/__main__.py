"""Write the IAM policies of a deployment as JSON files, and a Terraform configuration that
creates the workflows' roles with them (docs/security.md, "Roles and policies").

    python -m modules.iam [--config FILE] [--out-dir iam-policies] [--account 123456789012]
    make iam-policies [CONFIG=...] [ACCOUNT=...]

Writes `<out-dir>/<name>.json` for each policy (`deploy-*`, `plan`, `rosa-account-<cluster>`
and its `.trust`, `preflight`, `find-vpc`, `recover`) and `<out-dir>/roles.tf.json`; prints one line per
file with its size against AWS's 6,144-character limit of a managed policy. Without
`--account` the ARNs name any account (`*`). Exit status 2 on an invalid config.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

from modules.config import ConfigError, selected_config_path
from modules.iam.policies import MANAGED_POLICY_LIMIT, UnknownType, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modules.iam", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the deployment config (default: the one main.py would use)")
    parser.add_argument("--out-dir", type=Path, default=Path("iam-policies"), help="default iam-policies/")
    parser.add_argument("--account", default="*", help="the database's AWS account id (default: any, `*`)")
    args = parser.parse_args(argv)
    if args.account != "*" and not re.fullmatch(r"\d{12}", args.account):
        print(f"error: --account {args.account!r}: must be a 12-digit AWS account id", file=sys.stderr)
        return 2
    path = args.config or selected_config_path()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        from modules import fastsynth

        fastsynth.install()
        from modules.iam.generate import generate

        policies = generate(data, account=args.account)
    except (ConfigError, OSError, yaml.YAMLError) as err:
        print(f"error: {path}: {err}", file=sys.stderr)
        return 2
    except UnknownType as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for stem, document in policies.documents.items():
        target = args.out_dir / f"{stem}.json"
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"{target}: {size(document)} of {MANAGED_POLICY_LIMIT} characters")
    for stem, document in policies.trusts.items():
        target = args.out_dir / f"{stem}.json"
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"{target}: the trust policy of that role (the workflows' roles assume it)")
    roles = args.out_dir / "roles.tf.json"
    roles.write_text(json.dumps(policies.roles, indent=2) + "\n", encoding="utf-8")
    print(f"{roles}: the roles of .github/workflows (terraform apply -var github_repository=<owner>/<repo>)")
    for mode, reason in policies.skipped_modes.items():
        print(f"note: keycloak.credentials: {mode} is left out: this config refuses it ({reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
