"""Synthesize every stack of a deployment config to Terraform JSON (cdktf.out/).

    python main.py [--version]

The config path comes from `KEYCLOAK_AURORA_CONFIG`, else the cdktf.json context key
`config`, else `config/example.yaml` (said on stderr, so a forgotten export is noticed). An invalid config prints one line per problem and
exits with status 2 before anything is written. Advice on a valid config (a choice known
to break later, `modules.config.advice`) is printed to stderr as `warning: ...` lines, and
the synth goes on.

Recovery files that `make recover` wrote for this deployment
(`recovery/<aurora.name>/<state location>/<stack>.imports.json`, or under
`$KEYCLOAK_AURORA_RECOVERY_DIR`) become Terraform `import` blocks of their stacks; each one
is named on stderr.
"""

from __future__ import annotations

import gc
import os
import sys

from modules import __version__, fastsynth
from modules.config import ConfigError, config_advice, fallback_notice, load_config, selected_config_path
from modules.recover import imports_file


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        print(f"keycloak-aurora {__version__}")
        return 0
    if args:
        print("usage: python main.py [--version]  (the config comes from KEYCLOAK_AURORA_CONFIG)", file=sys.stderr)
        return 2
    # jsii warns on every start that Node.js 20 is past end-of-life; it works, and the
    # noise would bury real messages. Set before anything imports jsii.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    path = selected_config_path()
    notice = fallback_notice()
    if notice:
        print(notice, file=sys.stderr)
    try:
        config = load_config(path)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for line in config_advice(config):
        print(f"warning: {line}", file=sys.stderr)

    fast = fastsynth.enabled()
    fastsynth.install()  # before the first import of cdktf (below): the kernel starts then
    if fast:
        # A synth is a short-lived process that builds one object graph and exits. Python's
        # cyclic garbage collector would walk the tens of thousands of long-lived objects
        # jsii creates again and again (about 50 ms of a 0.8 s synth) and reclaim next to
        # nothing (the peak RSS is the same either way), so it stays off.
        # CDKTF_FAST_PROVIDERS=0 gives the stock behaviour.
        gc.disable()

    try:
        imports = imports_file.read_all(imports_file.recovery_dir(), imports_file.DeploymentKey.of(config))
        for stack, recovery in imports.items():
            print(f"{recovery.path}: {len(recovery.blocks)} import blocks for stack {stack}", file=sys.stderr)
        # Imported only now: a bad config fails in milliseconds, before jsii and Node start.
        from modules.app import build_app

        app = build_app(config, imports=imports)
    except imports_file.RecoveryFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    app.synth()
    if fast:
        # The synth is written. At exit the interpreter still runs a full collection
        # over every object (about 90 ms); frozen objects are skipped. atexit handlers,
        # which stop the jsii kernel and remove its temporary files, still run.
        gc.freeze()
    return 0


if __name__ == "__main__":
    sys.exit(main())
