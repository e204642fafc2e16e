"""Regenerate the golden Terraform JSON of every config: `python -m tests.golden --update`."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tests.golden import GOLDEN_DIR, config_files, golden_name, synthesized


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__)
    parser.add_argument("--update", action="store_true", required=True, help="rewrite tests/golden/ from a fresh synth")
    parser.parse_args(argv)
    from modules.fastsynth import install

    install()
    with tempfile.TemporaryDirectory() as work:
        for n, config in enumerate(config_files()):
            target = GOLDEN_DIR / golden_name(config)
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for stack, body in synthesized(config, Path(work) / str(n)).items():
                (target / f"{stack}.tf.json").write_bytes(body)
            print(f"{target.relative_to(GOLDEN_DIR.parent.parent)}: {len(list(target.iterdir()))} stacks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
