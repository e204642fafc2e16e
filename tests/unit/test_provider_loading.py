"""The fast provider loading (modules/provider_loading.py, issue #7).

The fast and the normal ("naive") path cannot be mixed in one process, so the
main tests run one small app per mode in a subprocess (both at once) and look
at what each reports: the synthesized files, the loaded modules and the jsii
kernel's environment. The naive run imports all ~2,100 AWS submodules and takes
~15 s; everything else here takes about a second.
"""

from __future__ import annotations

import filecmp
import importlib.util
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRELOAD = ROOT / "modules" / "_jsii_lazy_preload.js"
USER_NODE_OPTIONS = "--no-deprecation"  # stands for whatever the user had set

# Synthesizes an aws and a kubernetes stack to argv[2], then writes a JSON
# report to argv[3]. install() comes before anything that starts the kernel.
APP = r'''
import json, os, sys

root, outdir, report_path = sys.argv[1:4]
sys.path.insert(0, root)
from modules import provider_loading

provider_loading.install()

import cdktf_cdktf_provider_aws.vpc

aws_modules_after_one_import = [
    m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.")]

from cdktf import App, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider
from cdktf_cdktf_provider_kubernetes.secret_v1 import SecretV1, SecretV1Metadata

app = App(outdir=outdir)
aws = TerraformStack(app, "aws")
AwsProvider(aws, "aws", region="eu-west-1")
vpc = Vpc(aws, "vpc", cidr_block="10.0.0.0/16", tags={"Name": "test"})
TerraformOutput(aws, "vpc_id", value=vpc.id)
k8s = TerraformStack(app, "k8s")
KubernetesProvider(k8s, "k8s", config_path="~/.kube/config")
SecretV1(k8s, "secret", metadata=SecretV1Metadata(name="db", namespace="app"),
         data={"host": "db.example"})
app.synth()

import jsii
from jsii import _reference_map


def environ_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        items = f.read().decode().split("\0")
    return dict(item.split("=", 1) for item in items if "=" in item)


# The node wrapper jsii starts, and the kernel process it spawns.
wrapper = jsii.kernel.provider._process._process.pid
with open(f"/proc/{wrapper}/task/{wrapper}/children") as f:
    kernel = int(f.read().split()[0])

# Lazy attribute access, from-import and an unknown name on the package.
import cdktf_cdktf_provider_aws as pkg
from cdktf_cdktf_provider_aws import route
bucket_module = pkg.s3_bucket.S3Bucket.__module__

# A type the kernel returns from a submodule nobody imported: stand in for a
# construct created on the JS side, then reach it through the public API.
from jsii._kernel.types import CreateRequest
queue_imported_before = "cdktf_cdktf_provider_aws.sqs_queue" in sys.modules
scratch = TerraformStack(app, "scratch")
jsii.kernel.provider.create(
    CreateRequest(fqn="@cdktf/provider-aws.sqsQueue.SqsQueue", args=[scratch, "q"]))
queue_module = type(scratch.node.find_child("q")).__module__

# Every provider type registered so far must map back to the Python module
# that defines it (all ~50,000 of them in the naive run).
mapped = mismatched = 0
for registry in (_reference_map._types, _reference_map._data_types,
                 _reference_map._enums, _reference_map._interfaces):
    for fqn, cls in registry.items():
        if fqn.startswith("@cdktf/provider-"):
            mapped += 1
            js_submodule = fqn.split(".")[1]
            py_submodule = cls.__module__.split(".")[1]
            if provider_loading._jsii_submodule_name(py_submodule) != js_submodule:
                mismatched += 1

with open(report_path, "w") as f:
    json.dump({
        "aws_modules_after_one_import": aws_modules_after_one_import,
        "wrapper_node_options": environ_of(wrapper).get("NODE_OPTIONS"),
        "kernel_node_options": environ_of(kernel).get("NODE_OPTIONS"),
        "own_node_options": os.environ.get("NODE_OPTIONS"),
        "own_lazy_packages": os.environ.get("CDKTF_LAZY_INDEX_PACKAGES"),
        "bucket_module": bucket_module,
        "route_module": route.__name__,
        "has_unknown_submodule": hasattr(pkg, "no_such_submodule"),
        "queue_imported_before": queue_imported_before,
        "queue_module": queue_module,
        "types_mapped": mapped,
        "types_mismatched": mismatched,
    }, f)
'''


def _tree(directory: Path) -> dict[str, bytes]:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Run APP with the fast path on ("fast") and off ("naive"), in parallel."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("reads the kernel's environment from /proc (Linux)")
    base = tmp_path_factory.mktemp("provider_loading")
    (base / "app.py").write_text(APP)
    procs = {}
    for mode, switch in (("fast", "1"), ("naive", "0")):
        env = {
            **os.environ,
            "CDKTF_FAST_PROVIDERS": switch,
            "NODE_OPTIONS": USER_NODE_OPTIONS,
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        env.pop("CDKTF_LAZY_INDEX_PACKAGES", None)
        args = [sys.executable, base / "app.py", ROOT, base / mode, base / f"{mode}.json"]
        procs[mode] = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    results = {}
    for mode, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{mode} run failed:\n{stdout}\n{stderr}"
        report = json.loads((base / f"{mode}.json").read_text())
        results[mode] = {"report": report, "out": base / mode, "stderr": stderr}
    return results


def test_fast_and_naive_synth_are_byte_identical(runs):
    fast, naive = runs["fast"]["out"], runs["naive"]["out"]
    assert (fast / "stacks" / "aws" / "cdk.tf.json").is_file()
    assert (fast / "stacks" / "k8s" / "cdk.tf.json").is_file()
    assert _tree(fast) == _tree(naive)
    assert not filecmp.dircmp(fast, naive).diff_files


def test_switch_off_loads_every_submodule_and_leaves_node_alone(runs):
    report = runs["naive"]["report"]
    # ~2,100 submodules, each also registered as "<name>._private" by publication.
    assert len(report["aws_modules_after_one_import"]) > 2000
    assert report["kernel_node_options"] == USER_NODE_OPTIONS
    assert report["wrapper_node_options"] == USER_NODE_OPTIONS


def test_fast_path_loads_only_imported_submodules(runs):
    loaded = runs["fast"]["report"]["aws_modules_after_one_import"]
    # The package, its _jsii and vpc, each with the "._private" twin publication makes.
    assert sorted(loaded) == [
        "cdktf_cdktf_provider_aws._jsii",
        "cdktf_cdktf_provider_aws._jsii._private",
        "cdktf_cdktf_provider_aws._private",
        "cdktf_cdktf_provider_aws.vpc",
        "cdktf_cdktf_provider_aws.vpc._private",
    ]
    assert "cdktf fast providers" not in runs["fast"]["stderr"]  # no fallback taken


def test_preload_reaches_only_the_kernel_and_keeps_user_options(runs):
    report = runs["fast"]["report"]
    expected = f'{USER_NODE_OPTIONS} --require "{PRELOAD}"'
    assert report["kernel_node_options"] == expected
    # Restored once the kernel was up: later subprocesses do not inherit it.
    assert report["own_node_options"] == USER_NODE_OPTIONS
    assert report["own_lazy_packages"] is None


@pytest.mark.parametrize("mode", ["fast", "naive"])
def test_package_attributes_and_later_imports_work(runs, mode):
    report = runs[mode]["report"]
    assert report["bucket_module"] == "cdktf_cdktf_provider_aws.s3_bucket"
    assert report["route_module"] == "cdktf_cdktf_provider_aws.route"
    assert report["has_unknown_submodule"] is False


def test_kernel_types_from_unimported_submodules_are_imported_on_demand(runs):
    report = runs["fast"]["report"]
    assert report["queue_imported_before"] is False
    assert report["queue_module"] == "cdktf_cdktf_provider_aws.sqs_queue"


def test_jsii_submodule_names_match_every_provider_type(runs):
    report = runs["naive"]["report"]
    assert report["types_mapped"] > 20000
    assert report["types_mismatched"] == 0


# --- in-process: the switch, and the fallback for an unexpected layout -------


@pytest.fixture
def provider_loading():
    """A private copy of the module, so its once-only state starts fresh."""
    path = ROOT / "modules" / "provider_loading.py"
    spec = importlib.util.spec_from_file_location("_provider_loading_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_switch_off_install_changes_nothing(provider_loading, monkeypatch):
    from jsii._kernel.providers.process import _NodeProcess

    monkeypatch.setenv("CDKTF_FAST_PROVIDERS", "0")
    meta_path, start, environ = list(sys.meta_path), _NodeProcess.start, dict(os.environ)
    provider_loading.install()
    assert sys.meta_path == meta_path
    assert _NodeProcess.start is start
    assert dict(os.environ) == environ


def test_unexpected_layout_falls_back_with_one_warning(provider_loading, tmp_path, monkeypatch):
    package = tmp_path / "fake_provider"
    package.mkdir()
    # Submodule imports not at the end: not a layout we can safely trim.
    (package / "__init__.py").write_text("from . import alpha\nVALUE = 1\n")
    (package / "alpha.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = provider_loading._ProviderFinder(["fake_provider"], patch_kernel=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert finder.find_spec("fake_provider") is None
        assert finder.find_spec("fake_provider") is None
    origin = package / "__init__.py"
    assert [str(w.message) for w in caught] == [
        f"cdktf fast providers: unexpected layout of {origin}; importing fake_provider eagerly"
    ]


def test_split_eager_imports_keeps_the_head_verbatim(provider_loading):
    head = 'r"""doc"""\nfrom ._jsii import *\n\n__all__ = ["a", "b"]\n\npublication.publish()\n\n'
    tail = (
        "# Loading modules to ensure their types are registered with the jsii runtime library\n"
        "from . import a\nfrom . import b\n"
    )
    kept, names = provider_loading._split_eager_imports(head + tail)
    assert names == ["a", "b"]
    # A prefix of the file (so line numbers hold), minus only the trailing block.
    assert kept == head.rstrip("\n") + "\n"
