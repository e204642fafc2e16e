"""What lazy_preload.js changes in cdktf itself (points 4 and 5), run on the cdktf the
synth uses: the cdktf and constructs assemblies of the installed Python packages (the
tarballs jsii loads), extracted here, so no `npm ci` is needed.

* fast_resolve.js: cdktf's token resolution without the bookkeeping, giving exactly what
  cdktf's own gives. The cases (fast_resolve_cases.js) run both functions in one Node.js
  process; the golden files (test_golden.py) check the same on every example's stacks.
* cdktf's `archiver` and `semver` loaded on first use: not loaded with cdktf, and working
  when used (a TerraformAsset's zip, a binary version check).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
FAST_RESOLVE = ROOT / "modules" / "fastsynth" / "fast_resolve.js"
PRELOAD = ROOT / "modules" / "fastsynth" / "lazy_preload.js"
CASES = Path(__file__).with_name("fast_resolve_cases.js")


def _tarball(package: str) -> Path:
    """The npm tarball a jsii Python package carries (`<package>/_jsii/*.jsii.tgz`)."""
    module = __import__(package)
    (found,) = Path(module.__file__).parent.joinpath("_jsii").glob("*.jsii.tgz")
    return found


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node_modules directory holding the cdktf and constructs the kernel loads."""
    directory = tmp_path_factory.mktemp("fast-resolve") / "node_modules"
    for package in ("cdktf", "constructs"):
        with tarfile.open(_tarball(package)) as archive:
            archive.extractall(directory / "unpacked", filter="data")
        (directory / "unpacked" / "package").rename(directory / package)
    return directory


def _node(*args: str, env: dict[str, str] | None = None) -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed (as for every synth)"
    ran = subprocess.run([node, *args], capture_output=True, text=True, timeout=120, check=False, env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return ran.stdout


@pytest.fixture(scope="module")
def results(node_modules: Path) -> list[dict[str, Any]]:
    return json.loads(_node(str(CASES), str(node_modules), str(FAST_RESOLVE)))


def test_the_preload_installs_it_in_cdktf(node_modules: Path) -> None:
    """In a kernel started with lazy_preload.js (as the fast path starts it), cdktf's
    resolve export is fast_resolve.js's; without the preload, cdktf's own."""
    script = (f"require({json.dumps(str(node_modules / 'cdktf'))});"
              "const file = Object.keys(require.cache).find(f => f.endsWith('/lib/tokens/private/resolve.js'));"
              "console.log(require.cache[file].exports.resolve.toString().includes('untouched('));")
    env = {**os.environ, "CDKTF_LAZY_INDEX_PACKAGES": "@cdktf/provider-aws"}
    assert _node("--require", str(PRELOAD), "-e", script, env=env).strip() == "true"
    assert _node("-e", script).strip() == "false"


def test_every_case_resolves_as_cdktf_does(results: list[dict[str, Any]]) -> None:
    different = [r for r in results if not r["same"]]
    assert not different, json.dumps(different[:5], indent=1)[:6000]


def test_the_cases_reach_tokens_and_errors(results: list[dict[str, Any]]) -> None:
    """The cases are not all plain data: tokens resolve to Terraform expressions, and
    cdktf's errors (depth, functions, constructs, map placeholders) are raised by both."""
    by_name = {r["name"].split(" (")[0]: r["expected"] for r in results if r["name"].endswith("top level)")}
    assert by_name["a string token"]["value"] == "'${var.names}'"
    assert by_name["a getter, read once"]["value"] == "{ x: 'read 1' }"
    assert any(r["expected"]["warnings"] for r in results if r["name"].startswith("escapes in a string"))
    assert "var.port" in by_name["a number token in a string"]["value"]
    assert "join" in by_name["Fn calls"]["value"]
    for name in ("depth 201 ending in a string", "a function", "a construct", "map-token placeholders",
                 "number map placeholder", "an unregistered number token", "a key that resolves to no string"):
        assert "error" in by_name[name], name
    assert "value" in by_name["depth 200 ending in a string"]


LAZY_SCRIPT = r"""
const path = require('path'), fs = require('fs'), os = require('os');
const [cdktfDir, work] = process.argv.slice(1);
require(cdktfDir);
const loaded = () => Object.keys(require.cache).filter((f) => /[\\/]node_modules[\\/](archiver|semver)[\\/]/.test(f));
const before = loaded().length;
const { ValidateBinaryVersion } = require(path.join(cdktfDir, 'lib/validations/validate-binary-version.js'));
const ok = new ValidateBinaryVersion('node', '>=1.0.0', 'node --version').validate();
const tooOld = new ValidateBinaryVersion('node', '>=999.0.0', 'node --version').validate();
const src = path.join(work, 'asset');
fs.mkdirSync(src, { recursive: true });
fs.writeFileSync(path.join(src, 'file.txt'), 'zipped');
const zip = path.join(work, 'asset.zip');
require(path.join(cdktfDir, 'lib/private/fs.js')).archiveSync(src, zip);
const bytes = fs.readFileSync(zip);
console.log(JSON.stringify({ before, after: loaded().length, ok, tooOld, zipMagic: bytes.subarray(0, 2).toString(),
  zipHasFile: bytes.includes(Buffer.from('file.txt')) }));
"""


def test_archiver_and_semver_load_on_first_use(node_modules: Path, tmp_path: Path) -> None:
    """With the preload (as the kernel runs, and the child node that zips an asset
    inherits it), requiring cdktf loads neither; a version check and an asset's zip work."""
    preload = f"--require {PRELOAD}"
    env = {**os.environ, "CDKTF_LAZY_INDEX_PACKAGES": "@cdktf/provider-aws", "NODE_OPTIONS": preload}
    report = json.loads(_node("-e", LAZY_SCRIPT, str(node_modules / "cdktf"), str(tmp_path), env=env))
    assert report["before"] == 0
    assert report["after"] > 0  # semver, loaded by the version check
    assert report["ok"] == []
    assert "lower than the required version >=999.0.0" in report["tooOld"][0]
    assert report["zipMagic"] == "PK" and report["zipHasFile"]
    # without the preload, cdktf loads both with itself
    plain = {k: v for k, v in env.items() if k != "NODE_OPTIONS"}
    assert json.loads(_node("-e", LAZY_SCRIPT, str(node_modules / "cdktf"), str(tmp_path / "plain"), env=plain))["before"] > 0
