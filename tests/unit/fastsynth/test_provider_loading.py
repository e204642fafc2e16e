"""The fast provider loading (modules/fastsynth/provider_loading.py, issue #7).

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

ROOT = Path(__file__).resolve().parents[3]
PRELOAD = ROOT / "modules" / "fastsynth" / "lazy_preload.js"
# Stands for whatever NODE_OPTIONS the user had set: a flag, and a script that
# prints to the kernel's stdout and stderr (console, a node warning, a raw
# write to fd 2) when the kernel first loads `constructs`.
CONSOLE_SCRIPT = r"""
const Module = require('module');
const load = Module._load;
let printed = false;
Module._load = function (request, ...rest) {
  if (!printed && request === 'constructs') {
    printed = true;
    console.log('kernel says hello on stdout: ü');
    console.error('kernel says hello on stderr');
    process.emitWarning('kernel warning');
    require('fs').writeSync(2, 'kernel raw stderr\n');
  }
  return load.call(this, request, ...rest);
};
"""
KERNEL_STDOUT = ["kernel says hello on stdout: ü"]
KERNEL_STDERR = ["kernel says hello on stderr", "kernel raw stderr", "Warning: kernel warning"]

# Synthesizes an aws and a kubernetes stack to argv[2], then writes a JSON
# report to argv[3]. install() comes before anything that starts the kernel.
APP = r'''
import json, os, sys

root, outdir, report_path = sys.argv[1:4]
sys.path.insert(0, root)
from modules.fastsynth import provider_loading

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


# The node process jsii starts and, when that is jsii's wrapper, the kernel
# process it spawns.
started = jsii.kernel.provider._process._process.pid
with open(f"/proc/{started}/task/{started}/children") as f:
    children = [int(pid) for pid in f.read().split()]
kernel = children[0] if children else started

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

# A token's creation stack (cdktf records one per token), and the argument checks of
# the generated bindings, whose type hints the fast path caches.
import typing
from cdktf import Fn, Tokenization
creation_stack = Tokenization.reverse_string(Fn.upper("x")).first_token.creation_stack
try:
    Vpc(scratch, "bad", cidr_block=5)
    type_error = None
except TypeError as err:
    type_error = str(err)
stub = next(value for name, value in Vpc.__init__.__globals__.items()
            if name.startswith("_typecheckingstub__"))
hints_same_object = typing.get_type_hints(stub) is typing.get_type_hints(stub)
import typeguard
typeguard_wrapped = hasattr(typeguard.check_type, "__wrapped__")

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
        "node_processes": 1 + len(children),
        "started_node_options": environ_of(started).get("NODE_OPTIONS"),
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
        "creation_stack_lines": len(creation_stack),
        "type_error": type_error,
        "type_hints_cached": hints_same_object,
        "typeguard_wrapped": typeguard_wrapped,
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
    (base / "console.js").write_text(CONSOLE_SCRIPT)
    user_node_options = f'--no-deprecation --require "{base / "console.js"}"'
    procs = {}
    for mode, switch in (("fast", "1"), ("naive", "0")):
        env = {
            **os.environ,
            "CDKTF_FAST_PROVIDERS": switch,
            "NODE_OPTIONS": user_node_options,
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
        results[mode] = {"report": report, "out": base / mode, "stdout": stdout,
                         "stderr": stderr, "user_node_options": user_node_options}
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
    # jsii's own start: its wrapper process and the kernel it spawns.
    assert report["node_processes"] == 2
    assert report["kernel_node_options"] == runs["naive"]["user_node_options"]
    assert report["started_node_options"] == runs["naive"]["user_node_options"]


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
    user = runs["fast"]["user_node_options"]
    # One node process: the kernel itself, without jsii's wrapper.
    assert report["node_processes"] == 1
    assert report["kernel_node_options"] == f'--max-semi-space-size=4 {user} --require "{PRELOAD}" --preserve-symlinks'
    # Restored once the kernel was up: later subprocesses do not inherit it.
    assert report["own_node_options"] == user
    assert report["own_lazy_packages"] is None


@pytest.mark.parametrize("mode", ["fast", "naive"])
def test_kernel_console_output_reaches_stdout_and_stderr(runs, mode):
    # Without the wrapper, the kernel's stdout is the API channel; what it
    # prints must still arrive, on the right stream, as with jsii's wrapper.
    stdout, stderr = runs[mode]["stdout"].splitlines(), runs[mode]["stderr"]
    assert stdout == KERNEL_STDOUT
    for line in KERNEL_STDERR:
        assert line in stderr


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


def test_tokens_carry_no_creation_stack_on_the_fast_path(runs):
    # cdktf records one per token (kernel frames only, for a Python app); the fast path
    # skips recording it, the stock path keeps it.
    assert runs["fast"]["report"]["creation_stack_lines"] == 0
    assert runs["naive"]["report"]["creation_stack_lines"] > 5


def test_argument_checks_still_run_with_cached_type_hints(runs):
    fast, naive = runs["fast"]["report"], runs["naive"]["report"]
    assert fast["type_hints_cached"] is True and fast["typeguard_wrapped"] is True
    assert naive["type_hints_cached"] is False and naive["typeguard_wrapped"] is False
    assert fast["type_error"] is not None and "cidr_block" in fast["type_error"]
    assert fast["type_error"] == naive["type_error"]


def test_jsii_submodule_names_match_every_provider_type(runs):
    report = runs["naive"]["report"]
    assert report["types_mapped"] > 20000
    assert report["types_mismatched"] == 0


# --- in-process: the switch, and the fallback for an unexpected layout -------


@pytest.fixture
def provider_loading():
    """A private copy of the module, so its once-only state starts fresh."""
    path = ROOT / "modules" / "fastsynth" / "provider_loading.py"
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


# --- the preload's range reads of the kernel's type definitions --------------

RANGE_SCRIPT = r"""
const fs = require('fs');
const file = process.argv[2];
const defs = fs.readFileSync(file);
const first = defs.toString('utf-8', 0, 9);
// Same length, new bytes: a positioned read sees them, a copy in memory would not.
fs.writeFileSync(file, '{"b":222}\n{"c":3}\n');
const second = defs.toString('utf-8', 0, 9);
const length = defs.length;  // any other use: the file, read whole
console.log(JSON.stringify({
  first, second, length,
  isBuffer: Buffer.isBuffer(defs),
  last: defs.toString('utf-8', 10, 17),
  withEncoding: typeof fs.readFileSync(file, 'utf-8'),
  other: Buffer.isBuffer(fs.readFileSync(process.argv[3])),
}));
"""


def test_preload_reads_type_definitions_by_range(tmp_path):
    defs = tmp_path / "pkg" / ".jsii.runtime-defs.v1.jsonl"
    defs.parent.mkdir()
    defs.write_text('{"a":111}\n{"c":3}\n')
    other = tmp_path / "other.json"
    other.write_text("{}")
    script = tmp_path / "range.js"
    script.write_text(RANGE_SCRIPT)
    env = {**os.environ, "CDKTF_LAZY_INDEX_PACKAGES": "@cdktf/provider-aws"}
    result = subprocess.run(["node", "--require", str(PRELOAD), str(script), str(defs), str(other)],
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == {
        "first": '{"a":111}',
        "second": '{"b":222}',
        "length": 18,
        "isBuffer": True,
        "last": '{"c":3}',
        "withEncoding": "string",
        "other": True,
    }


# --- the kernel without jsii's wrapper: when it is not used ------------------


class _FakeNodeProcess:
    """Stands in for jsii's _NodeProcess: `_jsii_runtime()` returns `runtime`."""

    def __init__(self, runtime: Path) -> None:
        self.extracted = 0
        self._runtime = runtime

    def _jsii_runtime(self) -> str:
        self.extracted += 1
        return str(self._runtime)


def _jsii_runtime_tree(root: Path, *, with_program: bool) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    wrapper = root / "bin" / "jsii-runtime.js"
    wrapper.write_text("")
    if with_program:
        (root / "lib" / "program.js").write_text("")
    return wrapper


def test_direct_kernel_replaces_the_wrapper(provider_loading, tmp_path, monkeypatch):
    monkeypatch.delenv("JSII_RUNTIME", raising=False)
    process = _FakeNodeProcess(_jsii_runtime_tree(tmp_path, with_program=True))
    assert provider_loading._direct_program(process) == tmp_path / "lib" / "program.js"
    assert process._jsii_runtime() == str(provider_loading._DIRECT_RUNTIME)
    environ = provider_loading._kernel_environ(tmp_path / "lib" / "program.js")
    assert environ["CDKTF_JSII_PROGRAM"] == str(tmp_path / "lib" / "program.js")
    assert environ["NODE_OPTIONS"].endswith(" --preserve-symlinks")


def test_direct_kernel_respects_a_users_jsii_runtime(provider_loading, tmp_path, monkeypatch):
    monkeypatch.setenv("JSII_RUNTIME", "/opt/my-runtime.js")
    process = _FakeNodeProcess(_jsii_runtime_tree(tmp_path, with_program=True))
    assert provider_loading._direct_program(process) is None
    assert process.extracted == 0
    assert "CDKTF_JSII_PROGRAM" not in provider_loading._kernel_environ(None)


def test_direct_kernel_falls_back_without_a_program_beside_the_wrapper(provider_loading, tmp_path, monkeypatch):
    monkeypatch.delenv("JSII_RUNTIME", raising=False)
    wrapper = _jsii_runtime_tree(tmp_path, with_program=False)
    process = _FakeNodeProcess(wrapper)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert provider_loading._direct_program(process) is None
    assert [str(w.message) for w in caught] == [
        f"cdktf fast providers: no jsii kernel program beside {wrapper}; "
        "the kernel runs in jsii's wrapper process"
    ]
    # jsii's start() gets the wrapper it would have extracted, without a second extraction.
    assert process._jsii_runtime() == str(wrapper)
    assert process.extracted == 1


@pytest.mark.parametrize(("switch", "gc_enabled"), [("1", False), ("0", True)])
def test_switch_also_governs_main_garbage_collector(switch, gc_enabled, tmp_path):
    # main() turns Python's cyclic GC off on the fast path (importing main changes nothing);
    # the switch gives stock behaviour. The app itself is not built: only the switch matters.
    probe = (
        "import gc, sys, types, main\n"
        "print(gc.isenabled())\n"
        "app = type('App', (), {'synth': lambda self: None})()\n"
        "sys.modules['modules.app'] = types.SimpleNamespace(build_app=lambda config, **options: app)\n"
        "main.main()\n"
        "print(gc.isenabled())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT, env={**os.environ, "CDKTF_FAST_PROVIDERS": switch},
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert result.stdout.split() == ["True", str(gc_enabled)]
