"""The topology diagram as a reviewer's browser draws it: mermaid-cli in Debian's Chromium.

    python tools/topology_picture.py      # make topology-png

writes `docs/topology-example.mmd` (the Mermaid source of `config/example.yaml`, from
`modules.review.topology.mermaid`) and `docs/topology-example.png` (that source rendered, at
twice the size for sharp text), after checking the rendered layout: nothing overdrawn.
The PNG carries the SHA-256 of the source it was drawn from (a `tEXt` chunk
`mermaid-source-sha256`), so a test can tell a stale picture without rendering: PNG bytes
differ between machines (fonts, Chromium), the source does not.

The helpers are shared with tests/render: `render()` runs mmdc once for any number of
diagrams, `measure()` asks Chromium where each box and text sits, `layout_problems()`
says what is overdrawn. Chromium is `/usr/bin/chromium` (tools/mermaid/puppeteer.json,
flags that keep it off the network); puppeteer never downloads a browser.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MMDC = ROOT / "node_modules" / ".bin" / "mmdc"
PUPPETEER_CONFIG = ROOT / "tools" / "mermaid" / "puppeteer.json"
BOXES_SCRIPT = ROOT / "tools" / "mermaid" / "boxes.mjs"
CHROMIUM = Path(json.loads(PUPPETEER_CONFIG.read_text())["executablePath"])
EXAMPLE_CONFIG = ROOT / "config" / "example.yaml"
SOURCE = ROOT / "docs" / "topology-example.mmd"
PICTURE = ROOT / "docs" / "topology-example.png"
STAMP_KEY = "mermaid-source-sha256"
#: Device scale of the committed picture (GitHub shrinks it to the page: sharp text),
#: and a page wide enough to draw it at its own size.
PICTURE_SCALE = 2
PICTURE_PAGE_WIDTH = 2000
#: Pixels two boxes may share before they count as overlapping (anti-aliased edges).
TOLERANCE = 1.0
_TIMEOUT = 300
_SVG_ID = "my-svg"


class RenderError(RuntimeError):
    """mmdc failed: a parse or render error, or Chromium would not start."""


def missing_tools() -> list[str]:
    """What rendering needs and this machine lacks (empty when it can render)."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium fonts-liberation)")
    if not MMDC.exists():
        missing.append(f"{MMDC.relative_to(ROOT)} (make install)")
    if shutil.which("node") is None:
        missing.append("node")
    return missing


def source_digest(source: str) -> str:
    """The SHA-256 (hex) of a Mermaid source, as stamped into its picture."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _env() -> dict[str, str]:
    return {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "true", "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD": "true"}


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "diagram"


def render(
    sources: dict[str, str], out_dir: Path, fmt: str = "svg", scale: float = 1, width: int = 800
) -> dict[str, Path]:
    """Render every `{name: mermaid source}` in one mmdc run; returns {name: out_dir/<name>.<fmt>}.

    The sources go into one Markdown file (mmdc renders each ```mermaid block, one Chromium
    for all); `width` is the page's (a wider diagram is shrunk to it in a PNG). Raises
    `RenderError` with mmdc's output and the names not rendered when any diagram fails to
    parse or render.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(sources)
    files = [_file_name(name) for name in names]
    if len(set(files)) != len(files):
        raise ValueError(f"diagram names clash as file names: {names}")
    batch = out_dir / f"batch-{fmt}.md"
    batch.write_text("".join(f"```mermaid\n{sources[name]}```\n\n" for name in names), encoding="utf-8")
    artefacts = out_dir / f"batch-{fmt}"
    shutil.rmtree(artefacts, ignore_errors=True)
    artefacts.mkdir()
    command = [
        str(MMDC), "-p", str(PUPPETEER_CONFIG), "-i", str(batch), "-o", str(artefacts / "batch.md"),
        "-a", str(artefacts), "-e", fmt, "-s", str(scale), "-w", str(width), "-I", _SVG_ID,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT, env=_env(), check=False)
    made = {name: artefacts / f"batch-{n}.{fmt}" for n, name in enumerate(names, start=1)}
    failed = [name for name, path in made.items() if not path.exists()]
    if done.returncode != 0 or failed:
        raise RenderError(
            f"mmdc exited {done.returncode}; not rendered: {failed or 'none'}\n{done.stdout}\n{done.stderr}".strip()
        )
    out = {}
    for name, file in zip(names, files):
        out[name] = out_dir / f"{file}.{fmt}"
        made[name].replace(out[name])
    shutil.rmtree(artefacts, ignore_errors=True)
    return out


def measure(svgs: list[Path], png: bool = False) -> dict[Path, dict[str, Any]]:
    """{svg: boxes} as Chromium lays each rendered SVG out (see tools/mermaid/boxes.mjs).

    `png`: also save each SVG as Chromium shows it, as <svg minus .svg>.png.
    """
    command = ["node", str(BOXES_SCRIPT), *(["--png"] if png else []), str(PUPPETEER_CONFIG), *map(str, svgs)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT, env=_env(), check=False)
    if done.returncode != 0:
        raise RenderError(f"boxes.mjs exited {done.returncode}\n{done.stderr}")
    return {Path(svg): boxes for svg, boxes in json.loads(done.stdout).items()}


def _intersect(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] + TOLERANCE < b["x"] + b["width"]
        and b["x"] + TOLERANCE < a["x"] + a["width"]
        and a["y"] + TOLERANCE < b["y"] + b["height"]
        and b["y"] + TOLERANCE < a["y"] + a["height"]
    )


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - TOLERANCE
        and inner["y"] >= outer["y"] - TOLERANCE
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + TOLERANCE
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + TOLERANCE
    )


def element_id(raw: str) -> str:
    """The Mermaid id of a rendered cluster or node (`my-svg-flowchart-writer-3` -> `writer`)."""
    match = re.fullmatch(rf"{_SVG_ID}-flowchart-(.+)-\d+", raw)
    return match.group(1) if match else raw.removeprefix(f"{_SVG_ID}-")


def layout_problems(boxes: dict[str, Any]) -> list[str]:
    """What is overdrawn in one measured diagram; empty when it reads cleanly.

    Checked: no two texts overlap (subgraph titles, node labels, edge labels); a subgraph's
    title lies inside its box and under no node and no other subgraph but the ones holding
    it; a node's label lies inside its shape; no edge label lies on a node; no two nodes
    overlap.
    """
    if boxes.get("kind") != "flowchart-v2":
        return [f"not a rendered flowchart: {boxes.get('kind')!r} (an error diagram?)"]
    problems = []
    clusters = [(element_id(c["id"]), c) for c in boxes["clusters"]]
    nodes = [(element_id(n["id"]), n) for n in boxes["nodes"]]
    texts = [(f"title of subgraph {i} {c['title']['text']!r}", c["title"]["box"]) for i, c in clusters if c["title"]]
    texts += [(f"label of node {i} {n['label']['text']!r}", n["label"]["box"]) for i, n in nodes if n["label"]]
    texts += [(f"edge label {e['label']['text']!r}", e["label"]["box"]) for e in boxes["edgeLabels"]]
    for (a, box_a), (b, box_b) in combinations(texts, 2):
        if _intersect(box_a, box_b):
            problems.append(f"{a} and {b} overlap")
    for i, cluster in clusters:
        title = cluster["title"]
        if not title:
            continue
        if not _inside(title["box"], cluster["box"]):
            problems.append(f"title of subgraph {i} {title['text']!r} runs outside its box")
        for j, node in nodes:
            if _intersect(title["box"], node["shape"]):
                problems.append(f"title of subgraph {i} {title['text']!r} is overdrawn by node {j}")
        for j, other in clusters:
            holds = _inside(cluster["box"], other["box"])
            if j != i and not holds and _intersect(title["box"], other["box"]):
                problems.append(f"title of subgraph {i} {title['text']!r} is overdrawn by subgraph {j}")
    for i, node in nodes:
        if node["label"] and not _inside(node["label"]["box"], node["shape"]):
            problems.append(f"label of node {i} {node['label']['text']!r} runs outside its shape")
    for edge in boxes["edgeLabels"]:
        for j, node in nodes:
            if _intersect(edge["label"]["box"], node["shape"]):
                problems.append(f"edge label {edge['label']['text']!r} lies on node {j}")
    for (i, a), (j, b) in combinations(nodes, 2):
        if _intersect(a["shape"], b["shape"]):
            problems.append(f"nodes {i} and {j} overlap")
    return problems


# --- the stamp: which source a PNG was drawn from -----------------------------------


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def stamp_png(path: Path, source: str) -> None:
    """Record `source_digest(source)` in the PNG at `path` (a `tEXt` chunk before `IEND`)."""
    key = STAMP_KEY.encode() + b"\0"
    chunks = [(k, b) for k, b in _chunks(path.read_bytes()) if not (k == b"tEXt" and b.startswith(key))]
    stamp = (b"tEXt", key + source_digest(source).encode())
    chunks.insert(len(chunks) - 1, stamp)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(k, b) for k, b in chunks))


def png_stamp(path: Path) -> str | None:
    """The source digest stamped into the PNG at `path`, or None."""
    for kind, body in _chunks(path.read_bytes()):
        key, _, value = body.partition(b"\0")
        if kind == b"tEXt" and key == STAMP_KEY.encode():
            return value.decode()
    return None


def example_source() -> str:
    """`modules.review.topology.mermaid` of config/example.yaml, as committed in docs/."""
    from modules.config import load_config
    from modules.review.topology import mermaid

    return mermaid(load_config(EXAMPLE_CONFIG))


def main() -> int:
    """Regenerate docs/topology-example.mmd and .png; 1 when the tools are missing or the picture is overdrawn."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    missing = missing_tools()
    if missing:
        print("cannot render, missing: " + "; ".join(missing), file=sys.stderr)
        return 1
    source = example_source()
    with tempfile.TemporaryDirectory() as tmp:
        (svg,) = render({"example": source}, Path(tmp), "svg").values()
        problems = layout_problems(measure([svg])[svg])
        if problems:
            print("the example's picture is overdrawn:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        (png,) = render({"example": source}, Path(tmp), "png", scale=PICTURE_SCALE, width=PICTURE_PAGE_WIDTH).values()
        stamp_png(png, source)
        SOURCE.parent.mkdir(parents=True, exist_ok=True)
        SOURCE.write_text(source, encoding="utf-8")
        shutil.copyfile(png, PICTURE)
    print(f"wrote {SOURCE.relative_to(ROOT)} and {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
