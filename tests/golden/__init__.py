"""Golden Terraform JSON: every stack of every config under `config/`, as synthesized.

Terraform addresses come from construct ids, and a moved address on a deployed database is
a replacement. A refactoring must leave the synthesized JSON byte for byte as it was; a
change that alters it on purpose regenerates the files and shows the difference in review:

    make golden            # python -m tests.golden --update

Files: `tests/golden/<config>/<stack>.tf.json`, where `<config>` is `example` for
`config/example.yaml` and `examples-<name>` for `config/examples/<name>.yaml`.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).resolve().parent


def config_files() -> list[Path]:
    """Every deployment config of the project: `config/example.yaml` and `config/examples/*.yaml`."""
    return [ROOT / "config" / "example.yaml", *sorted((ROOT / "config" / "examples").glob("*.yaml"))]


def golden_name(config: Path) -> str:
    """`example`, or `examples-<name>` for `config/examples/<name>.yaml`."""
    relative = config.relative_to(ROOT / "config").with_suffix("")
    return "-".join(relative.parts)


def synthesized(config: Path, outdir: Path) -> dict[str, bytes]:
    """{stack id: bytes of its cdk.tf.json} of `config`, synthesized into `outdir`."""
    from modules.app import build_app
    from modules.config import load_config

    build_app(load_config(config), outdir=str(outdir)).synth()
    return {d.name: (d / "cdk.tf.json").read_bytes() for d in sorted((outdir / "stacks").iterdir())}


def golden(config: Path) -> dict[str, bytes]:
    """{stack id: bytes} of the committed golden files of `config` ({} when none)."""
    directory = GOLDEN_DIR / golden_name(config)
    return {f.name.removesuffix(".tf.json"): f.read_bytes() for f in sorted(directory.glob("*.tf.json"))}
