"""Fast loading of the prebuilt cdktf provider bindings (issue #7).

Importing ``cdktf_cdktf_provider_aws`` the normal way costs 15-30 s and ~0.9 GB,
for two reasons this module removes (points 1 and 2); it also trims the jsii
kernel's own start-up and memory (point 3):

1. Python: the package's ``__init__.py`` ends with ``from . import <name>`` for
   every one of its ~2,100 submodules, and ``import cdktf_cdktf_provider_aws.vpc``
   runs that ``__init__`` first. ``install()`` puts a meta path finder in front
   of the import system which loads the package ``__init__`` *without* that
   trailing block (everything else, including the ``_jsii`` assembly load, runs
   unchanged) and gives the package a module ``__getattr__`` that imports a
   submodule on first attribute access. Explicit imports of submodules work as
   usual; only what is imported gets loaded. The jsii runtime is also told
   which Python module holds each jsii submodule, so a type the kernel hands
   back from a not-yet-imported submodule is imported on demand.

2. Node.js: the jsii kernel loads an assembly by requiring the npm package's
   main entry ``lib/index.js``, which requires every submodule as well. The
   same packages ship ``lib/lazy-index.js`` (same exports, loaded on first
   use). Just before the first jsii library is imported, the same finder
   wraps jsii's kernel start-up so that the node process alone is started
   with ``NODE_OPTIONS=... --require lazy_preload.js`` (plus
   ``CDKTF_LAZY_INDEX_PACKAGES``); that preload script resolves these
   packages' main entry to ``lib/lazy-index.js`` when it exists. Any
   NODE_OPTIONS the user set are kept, and ``os.environ`` is restored as soon
   as the kernel has started, so no other process sees the change. The same
   preload lets the kernel read each assembly's type definitions file
   (33 MB for aws) by range instead of holding all of it in memory, and
   skips the stack trace cdktf records for every token it makes (only ever
   shown when a token fails to resolve, and then only the kernel's frames), and
   resolves tokens without building a context per plain value
   (``fast_resolve.js``), and loads cdktf's ``archiver`` and ``semver`` (about
   250 modules, used for a TerraformAsset's zip and one version check) on first
   use.

3. The jsii kernel process: jsii starts ``node bin/jsii-runtime.js``, a
   wrapper that only spawns a second node process running the kernel and
   relays its console output. ``direct_runtime.js`` runs the kernel in
   the first process instead (one node start-up and ~47 MB less), keeping
   the protocol and the console relay jsii's Python side expects. A user's
   own ``JSII_RUNTIME`` is respected. The kernel also runs with a smaller young
   generation (``KERNEL_V8_FLAGS``): 25 MB less at its peak, no slower.

4. Python: the generated bindings' argument checks resolve a stub's type
   hints on every call, and typeguard works hard for a plain instance; see
   ``modules/fastsynth/argument_checks.py`` (the checks still run, with the
   same errors). Its typeguard half is put in place with the kernel patch,
   when the first ``<library>._jsii`` is imported; so is
   ``modules/fastsynth/struct_serialization.py``, which sends a struct to the
   kernel without its unset fields (the kernel drops them anyway).

The synthesized output is byte-identical to the normal path; only the amount
of code loaded and the work repeated differ.

Usage: call ``install()`` before the provider imports and -- for the Node.js
half -- before anything starts the jsii kernel, i.e. before the first import of
``cdktf``, ``constructs`` or any other jsii library. It is cheap (no jsii
import). Entry points call it (``main.py``, the benchmark, the test session);
importing a module never does::

    from modules import fastsynth
    fastsynth.install()

    from cdktf import App                                   # noqa: E402
    from cdktf_cdktf_provider_aws.vpc import Vpc            # noqa: E402

Switch: ``CDKTF_FAST_PROVIDERS=0`` (also ``false``, ``no``, ``off``) turns the
whole fast path off; ``install()`` then returns without changing anything.

Fallback: where a package does not look as expected (unknown ``__init__``
layout, no ``lib/lazy-index.js``, jsii internals moved, install() called too
late) that part falls back to the normal path and says so once per process
(a ``RuntimeWarning`` from Python, a one-line stderr message from Node.js).

Written against jsii 1.142 (``jsii._kernel.providers.process._NodeProcess``
and its ``_jsii_runtime()``, the runtime's ``lib/program.js`` talking on fd 3,
``jsii._reference_map._submodule_fqn_map``) and the jsii-pacmak layout of
cdktf-cdktf-provider-aws 20.x / -kubernetes 12.x.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

from modules.fastsynth import argument_checks, struct_serialization

__all__ = ["enabled", "install"]

#: Python package -> npm package of the prebuilt providers we load lazily.
PROVIDERS: dict[str, str] = {
    "cdktf_cdktf_provider_aws": "@cdktf/provider-aws",
    "cdktf_cdktf_provider_kubernetes": "@cdktf/provider-kubernetes",
}

ENV_SWITCH = "CDKTF_FAST_PROVIDERS"
_OFF_VALUES = {"0", "false", "no", "off"}

# Read by the preload script: which npm packages to resolve to lazy-index.js.
_PACKAGES_ENV = "CDKTF_LAZY_INDEX_PACKAGES"
_PRELOAD = Path(__file__).with_name("lazy_preload.js")
# The kernel without jsii's wrapper process, and where it finds jsii's kernel.
_DIRECT_RUNTIME = Path(__file__).with_name("direct_runtime.js")
_PROGRAM_ENV = "CDKTF_JSII_PROGRAM"

# A jsii-pacmak package __init__ ends with this comment and one
# "from . import <submodule>" line per submodule.
_EAGER_IMPORT = re.compile(r"from \. import (\w+)\s*")
_EAGER_MARKER = "# Loading modules to ensure their types are registered"

_installed = False
_warned: set[str] = set()


def install() -> None:
    """Enable lazy loading of the providers in ``PROVIDERS``; idempotent.

    Does nothing when ``CDKTF_FAST_PROVIDERS=0``. Cheap (it imports nothing
    heavy), so it can be called as early as wanted.
    """
    global _installed
    if _installed or not enabled():
        return
    _installed = True
    argument_checks.install()
    packages = []
    for package in PROVIDERS:
        if package in sys.modules:
            _warn_once(f"{package} was imported before install(); it stays fully loaded", 2)
        else:
            packages.append(package)
    patch_kernel = _node_side_possible()
    if packages or patch_kernel:
        sys.meta_path.insert(0, _ProviderFinder(packages, patch_kernel=patch_kernel))


def enabled() -> bool:
    """Whether the fast path is on: ``CDKTF_FAST_PROVIDERS`` unset or not an off value."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in _OFF_VALUES


def _warn_once(message: str, stacklevel: int = 1) -> None:
    """Warn about a fallback once per process; ``stacklevel`` is relative to the caller."""
    if message not in _warned:
        _warned.add(message)
        warnings.warn(f"cdktf fast providers: {message}", RuntimeWarning, stacklevel=stacklevel + 1)


# --------------------------------------------------------------------------
# Import hook and the Python side
# --------------------------------------------------------------------------


class _ProviderFinder(importlib.abc.MetaPathFinder):
    """Meta path finder doing both halves of the fast path.

    - The provider root packages are served through ``_LazyPackageLoader``.
    - Just before the first ``<library>._jsii`` import (whose assembly load
      starts the jsii kernel) jsii's kernel start-up is wrapped so the node
      process gets the preload; see ``_patch_kernel_start``. typeguard, which
      the library's ``__init__`` has imported by then, gets the quick pass of
      ``argument_checks``, and jsii's argument serialization leaves unset struct
      fields out (``struct_serialization``). Doing it here
      rather than in install() keeps install() free of the jsii import.
    Every other import, and these once done, go to the normal finders.
    """

    def __init__(self, packages: Sequence[str], *, patch_kernel: bool) -> None:
        self._packages = frozenset(packages)
        self._patch_kernel = patch_kernel
        self._checks_patched = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname.endswith("._jsii"):
            if not self._checks_patched:
                # The generated package __init__ imports typeguard before its `_jsii`.
                self._checks_patched = True
                if "typeguard" in sys.modules:
                    argument_checks.check_typeguard(sys.modules["typeguard"])
                # ... and jsii, which serializes the arguments.
                struct_serialization.install(importlib.import_module("jsii._kernel"))
            if self._patch_kernel:
                self._patch_kernel = False
                _patch_kernel_start()
        if fullname not in self._packages:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None:
            return None  # not installed: let the normal machinery say so
        loader = _LazyPackageLoader.for_spec(spec)
        if loader is None:
            _warn_once(f"unexpected layout of {spec.origin}; importing {fullname} eagerly", 2)
            return None  # the next finder imports it the normal way
        spec.loader = loader
        return spec


class _LazyPackageLoader(importlib.machinery.SourceFileLoader):
    """Runs a package ``__init__`` minus its trailing eager submodule imports."""

    def __init__(self, fullname: str, path: str, head: str, submodules: list[str]) -> None:
        super().__init__(fullname, path)
        self._head = head
        self._submodules = submodules

    @classmethod
    def for_spec(cls, spec: importlib.machinery.ModuleSpec) -> _LazyPackageLoader | None:
        """Return a loader for ``spec``, or None if the package is not as expected."""
        if not (
            isinstance(spec.loader, importlib.machinery.SourceFileLoader)
            and spec.submodule_search_locations is not None
            and spec.origin
        ):
            return None
        try:
            source = importlib.util.decode_source(spec.loader.get_data(spec.origin))
        except OSError:
            return None
        head, submodules = _split_eager_imports(source)
        # The head must still load the jsii assembly: that is the part we keep.
        if not submodules or "from ._jsii import *" not in head:
            return None
        return cls(spec.name, spec.origin, head, submodules)

    def get_code(self, fullname):
        # Compiled from source every time (a few ms) rather than cached: the
        # __pycache__ entry belongs to the full __init__. The head is a prefix
        # of the file, so line numbers in tracebacks stay right.
        return compile(self._head, self.path, "exec", dont_inherit=True)

    def exec_module(self, module: ModuleType) -> None:
        super().exec_module(module)
        # publication.publish() at the end of the __init__ replaced the module
        # in sys.modules with a "public" one; that is the one importers get.
        public = sys.modules[module.__name__]
        _make_lazy(public, self._submodules)
        _register_submodule_fqns(public, self._submodules)


def _split_eager_imports(source: str) -> tuple[str, list[str]]:
    """Split an __init__ into (head, names of the trailing ``from . import``)."""
    lines = source.splitlines(keepends=True)
    names: list[str] = []
    end = len(lines)
    while end > 0:
        line = lines[end - 1]
        match = _EAGER_IMPORT.fullmatch(line)
        if match:
            names.append(match.group(1))
        elif line.strip() and not line.startswith(_EAGER_MARKER):
            break
        end -= 1
    names.reverse()
    return "".join(lines[:end]), names


def _make_lazy(package: ModuleType, submodules: list[str]) -> None:
    """Give ``package`` a PEP 562 ``__getattr__`` importing submodules on use."""
    known = frozenset(submodules)
    name = package.__name__

    def __getattr__(attr: str):
        if attr in known:
            # The import also sets the attribute, so this runs once per name.
            return importlib.import_module(f"{name}.{attr}")
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    def __dir__() -> list[str]:
        return sorted(known.union(vars(package)))

    package.__getattr__ = __getattr__
    package.__dir__ = __dir__


def _register_submodule_fqns(package: ModuleType, submodules: list[str]) -> None:
    """Tell the jsii runtime which Python module holds each jsii submodule.

    The eager __init__ registered every type with the runtime up front; now a
    type the kernel returns from a submodule nobody imported yet (e.g. in an
    aspect visiting all constructs) must be imported on demand. The jsii
    runtime does that through ``_reference_map._submodule_fqn_map``, which
    newer jsii-pacmak output fills in; these packages predate it, so we do. jsii names a submodule
    after its TypeScript export, the camelCase form of the Python name
    (``s3_bucket`` -> ``@cdktf/provider-aws.s3Bucket``).
    """
    from jsii import _reference_map

    fqn_map = getattr(_reference_map, "_submodule_fqn_map", None)
    assembly = getattr(getattr(package, "_private", package), "__jsii_assembly__", None)
    if fqn_map is None or assembly is None:
        _warn_once(
            f"this jsii runtime cannot import submodules on demand; import the "
            f"{package.__name__} submodules whose types you receive from jsii",
            3,
        )
        return
    for submodule in submodules:
        fqn_map.setdefault(f"{assembly.name}.{_jsii_submodule_name(submodule)}",
                           f"{package.__name__}.{submodule}")


def _jsii_submodule_name(python_name: str) -> str:
    first, *rest = python_name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


# --------------------------------------------------------------------------
# Node.js side
# --------------------------------------------------------------------------


def _node_side_possible() -> bool:
    if not _PRELOAD.is_file():
        _warn_once(f"{_PRELOAD} is missing; the jsii kernel loads providers eagerly", 3)
        return False
    if _kernel_started():
        _warn_once(
            "the jsii kernel was already running when install() was called (call it "
            "before importing cdktf/constructs); it loads providers eagerly",
            3,
        )
        return False
    return True


def _patch_kernel_start() -> None:
    """Start jsii's node process with the preload (see the module docstring)."""
    try:
        from jsii._kernel.providers.process import _NodeProcess
    except ImportError:
        _NodeProcess = None
    start = getattr(_NodeProcess, "start", None)
    if not callable(start):
        _warn_once("unknown jsii runtime layout; the jsii kernel loads providers eagerly", 3)
        return
    if getattr(start, "_cdktf_lazy_preload", False):
        return

    # jsii's start() copies os.environ into the node process' environment, so
    # the only way in without copying jsii code is to extend os.environ for the
    # duration of that call.
    @functools.wraps(start)
    def start_with_preload(self, *args, **kwargs):
        with _environ(_kernel_environ(_direct_program(self))):
            return start(self, *args, **kwargs)

    start_with_preload._cdktf_lazy_preload = True
    _NodeProcess.start = start_with_preload


def _kernel_started() -> bool:
    # Importing any jsii library's "<pkg>._jsii" loads its assembly, which
    # starts the (single, process-wide) kernel.
    return any(name.endswith("._jsii") for name in sys.modules)


def _direct_program(process) -> Path | None:
    """Arrange for ``process`` (a jsii ``_NodeProcess`` about to start) to run
    the kernel without jsii's wrapper process; return the kernel program's
    path, or None to keep jsii's normal start (see direct_runtime.js).

    jsii's start() runs ``node <self._jsii_runtime()>``, where that method
    extracts jsii's embedded runtime into a temporary directory and returns
    the wrapper's path, bin/jsii-runtime.js; the kernel is lib/program.js
    beside it. We extract once here and make the method return our runtime
    instead. A user's own JSII_RUNTIME is left alone.
    """
    if "JSII_RUNTIME" in os.environ:
        return None
    extract = getattr(process, "_jsii_runtime", None)
    if not callable(extract) or not _DIRECT_RUNTIME.is_file():
        _warn_once("unknown jsii runtime layout; the kernel runs in jsii's wrapper process", 4)
        return None
    wrapper = Path(extract())
    program = wrapper.parent.parent / "lib" / "program.js"
    if wrapper.name != "jsii-runtime.js" or not program.is_file():
        _warn_once(f"no jsii kernel program beside {wrapper}; the kernel runs in jsii's wrapper "
                   "process", 4)
        process._jsii_runtime = lambda: str(wrapper)  # already extracted: do not do it twice
        return None
    process._jsii_runtime = lambda: str(_DIRECT_RUNTIME)
    return program


def _kernel_environ(direct_program: Path | None = None) -> dict[str, str]:
    """Variables for the kernel process, on top of the current environment. The user's
    NODE_OPTIONS come after `KERNEL_V8_FLAGS`, so their own setting of a flag wins."""
    options = [KERNEL_V8_FLAGS, os.environ.get("NODE_OPTIONS", "").strip(), f"--require {_node_quote(_PRELOAD)}"]
    environ = {_PACKAGES_ENV: ",".join(PROVIDERS.values())}
    if direct_program is not None:
        # What jsii's wrapper passes to the kernel it spawns.
        options.append("--preserve-symlinks")
        environ[_PROGRAM_ENV] = str(direct_program)
    environ["NODE_OPTIONS"] = " ".join(filter(None, options))
    return environ


#: V8 flags of the kernel process. A young generation of at most 4 MB per semi-space
#: (V8's default is 16 MB on 64-bit, grown as objects survive): a synth's garbage is
#: short-lived, so scavenging more often costs no measurable time, and the peak resident
#: memory of a synth is 25 MB lower (measured with `make bench`: example 236 -> 211 MB,
#: 50 ROSA clusters 252 -> 222 MB, wall time unchanged).
KERNEL_V8_FLAGS = "--max-semi-space-size=4"


def _node_quote(path: Path) -> str:
    # NODE_OPTIONS may quote values containing spaces; inside the quotes a
    # backslash escapes the next character.
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def _environ(overrides: dict[str, str]) -> Iterator[None]:
    """Set ``overrides`` in os.environ, restoring the previous state after."""
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
