"""The README's topology picture is the example's diagram as `modules.review.topology` draws it now.

PNG bytes differ between machines (fonts, Chromium builds), so staleness is decided on the
Mermaid source: docs/topology-example.mmd must be what `mermaid(config/example.yaml)`
gives today, and docs/topology-example.png must carry that source's SHA-256 (stamped by
`make topology-png`, which regenerates both). No renderer needed; tests/render renders.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import zlib
from pathlib import Path
from types import ModuleType

from modules.config import load_config
from modules.review.topology import mermaid
from tests.conftest import EXAMPLE_CONFIG, ROOT

REGENERATE = "stale: run `make topology-png` and commit docs/topology-example.*"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("topology_picture", ROOT / "tools" / "topology_picture.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


picture = _load_tool()


def test_the_committed_source_is_the_examples_diagram_now() -> None:
    assert picture.SOURCE.read_text(encoding="utf-8") == mermaid(load_config(EXAMPLE_CONFIG)), REGENERATE


def test_the_committed_picture_was_drawn_from_that_source() -> None:
    source = picture.SOURCE.read_text(encoding="utf-8")
    assert picture.png_stamp(picture.PICTURE) == picture.source_digest(source), REGENERATE


def test_the_readme_shows_the_picture() -> None:
    assert "](docs/topology-example.png)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_stamp_replaces_the_last_and_keeps_the_png_valid(tmp_path: Path) -> None:
    png = tmp_path / "p.png"
    shutil.copyfile(picture.PICTURE, png)
    picture.stamp_png(png, "flowchart LR\n")
    picture.stamp_png(png, "flowchart TB\n")
    assert picture.png_stamp(png) == picture.source_digest("flowchart TB\n")
    data, at, kinds = png.read_bytes(), 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        kinds.append(kind)
        at += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and kinds.count(b"tEXt") == 1
