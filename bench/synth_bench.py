"""Synth benchmark: wall time and peak memory of `python main.py`.

Usage (from the project root)::

    .venv/bin/python bench/synth_bench.py [--runs N] [--naive-runs N]
    .venv/bin/python bench/synth_bench.py --profile

Benchmark (default): every run is a fresh ``python main.py`` subprocess with
its own temporary ``CDKTF_OUTDIR``, timed from spawn to exit, while a thread
polls /proc every 10 ms for the resident memory of the whole process tree
(python plus the node processes jsii starts). Cases:

1. the example config (config/example.yaml, 2 ROSA clusters), fast path;
2. generated configs with 1, 10 and 50 ROSA clusters, fast path;
3. the naive baseline: the example with ``CDKTF_FAST_PROVIDERS=0``, which is a
   stock CDKTF Python app: providers imported the documented way, jsii's usual
   kernel start, Python's garbage collector at its defaults.

One untimed warm-up run per loading mode comes first (jsii extracts each
assembly tarball into a cache on first use; the naive path also reads ~2,100
provider submodules that should be in the page cache for every run). Timed
runs go round-robin over the cases so a load spike on the machine hits all
of them rather than one. The report is a Markdown table of medians, with
naive/fast ratios, the cost per extra ROSA cluster, a check against the
targets, and whether the fast and naive outputs are byte-identical.

Profile (``--profile``): one fast synth of the example, run under
``python -X importtime`` by a small driver that does what main.py does, phase
by phase, with timestamps; it also times every jsii kernel round trip (by
kind, and each assembly load), and reads the CPU time of python and of the
node processes at each phase boundary. Direct timestamps rather than cProfile:
most of the time is spent in another process (node), which cProfile cannot
see, and its overhead would distort the Python-side phases.

Memory: "peak RSS" is the maximum over samples of the summed RSS of the
process and all its descendants -- what was resident at the same time. Pages
shared between processes (libc, ...) count once per process. A peak shorter
than the 10 ms poll interval can be missed. MB = 10^6 bytes.

Both modes also report how much CPU other processes used meanwhile (from
/proc/stat), so a result taken on a busy machine says so.

Stdlib only, except PyYAML (in the project venv) to write the generated configs.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import itertools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "example.yaml"
PYTHON = sys.executable  # run this script with the project venv's python
POLL_INTERVAL_S = 0.01
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MB = 1_000_000

GENERATED_CLUSTER_COUNTS = (1, 10, 50)

# Targets (issue #7, raised by issue #24).
TARGET_EXAMPLE_WALL_S = 1.5
TARGET_EXAMPLE_RSS_MB = 300
TARGET_SPEEDUP = 20
TARGET_50_WALL_S = 3.0
TARGET_50_RSS_MB = 250
TARGET_PER_CLUSTER_MS = 30
TARGET_PER_CLUSTER_ROUND_TRIPS = 40


# --------------------------------------------------------------------------
# Measuring one process tree
# --------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """``pid`` and all its live descendants (via /proc/<pid>/task/*/children)."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass  # exited meanwhile, or a kernel without the children file
    return tree


def rss_bytes(pid: int) -> int:
    """Resident set size of one process, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


class TreeRssPoller(threading.Thread):
    """Samples the summed RSS of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.max_processes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            tree = descendants(self.pid)
            self.peak = max(self.peak, sum(rss_bytes(p) for p in tree))
            self.max_processes = max(self.max_processes, len(tree))
            self._stop_event.wait(POLL_INTERVAL_S)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclasses.dataclass
class Run:
    wall_s: float
    peak_rss: int  # bytes
    max_processes: int
    outdir: Path


def run_synth(env_overrides: dict[str, str], outdir: Path, argv: list[str] | None = None) -> Run:
    """Run ``python main.py`` (or ``argv``) once; fail loudly if it fails."""
    env = dict(os.environ)
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    env["CDKTF_OUTDIR"] = str(outdir)
    env.update(env_overrides)
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(argv or [PYTHON, "main.py"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        poller = TreeRssPoller(proc.pid)
        poller.start()
        rc = proc.wait()
        wall = time.perf_counter() - start
        poller.stop()
        if rc != 0:
            stderr.seek(0)
            sys.exit(f"synth failed (exit {rc}) with {env_overrides}:\n"
                     f"{stderr.read().decode(errors='replace')}")
    return Run(wall, poller.peak, poller.max_processes, outdir)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    label: str
    config: Path
    clusters: int
    fast: bool
    runs: int
    results: list[Run] = dataclasses.field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {"KEYCLOAK_AURORA_CONFIG": str(self.config),
                "CDKTF_FAST_PROVIDERS": "1" if self.fast else "0"}

    def median_wall(self) -> float:
        return statistics.median(r.wall_s for r in self.results)

    def median_rss(self) -> float:
        return statistics.median(r.peak_rss for r in self.results)


def round_trips(config: Path) -> dict[str, dict[str, int]]:
    """jsii round trips per stack of `config` ({stack: {request kind: n}}, plus
    "(outside)"), counted by `python -m modules.fastsynth.roundtrips`: deterministic,
    whatever the machine's load."""
    result = subprocess.run([PYTHON, "-m", "modules.fastsynth.roundtrips", str(config)], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=600)
    counts = json.loads(result.stdout)
    return {**counts["stacks"], "(outside)": counts["outside"]}


def print_round_trips(example: Path, one: Path, fifty: Path, clusters: int) -> int:
    """The round-trip table (per stack kind, in the example) and the cost per ROSA cluster
    (slope from 1 to `clusters` clusters); returns that cost."""
    from collections import defaultdict

    counted = round_trips(example)
    largest: dict[str, tuple[str, dict[str, int]]] = {}  # kind -> its costliest stack
    stacks_of_kind: dict[str, int] = defaultdict(int)
    for stack, kinds in counted.items():
        kind = re.sub(r"^(peering|access|keycloak)-.*", r"\1", stack)
        stacks_of_kind[kind] += 1
        if kind not in largest or sum(kinds.values()) > sum(largest[kind][1].values()):
            largest[kind] = (stack, kinds)
    print()
    print("| jsii round trips (example) | stacks | costliest stack | round trips | create | get | set | invoke "
          "| static invoke |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for kind, (stack, kinds) in largest.items():
        by = [kinds.get(name, 0) for name in ("Create", "Get", "Set", "Invoke", "StaticInvoke")]
        print(f"| {kind} | {stacks_of_kind[kind]} | {stack} | {sum(kinds.values())} | " + " | ".join(map(str, by)) + " |")
    total_one = sum(sum(k.values()) for k in round_trips(one).values())
    total_fifty = sum(sum(k.values()) for k in round_trips(fifty).values())
    per_cluster = round((total_fifty - total_one) / (clusters - 1))
    print(f"\n- Round trips per ROSA cluster (slope 1 -> {clusters} clusters): {per_cluster}; whole synth: "
          f"{total_one} with 1 cluster, {total_fifty} with {clusters}")
    return per_cluster


def write_generated_config(clusters: int, directory: Path) -> Path:
    """The example config with ``clusters`` ROSA clusters rosa-001.., each found by VPC id."""
    import yaml  # PyYAML, from the project venv

    config = yaml.safe_load(EXAMPLE.read_text())
    config["rosa_clusters"] = [
        {
            "name": f"rosa-{i:03d}",
            "vpc": {"id": f"vpc-{i:017x}"},
            "machine_cidr": f"10.{i}.0.0/16",  # 10.0.0.0/8: clear of Aurora's 192.168.0.0/16
            "oidc_issuer": f"https://oidc.op1.openshiftapps.com/rosa{i:03d}",
        }
        for i in range(1, clusters + 1)
    ]
    path = directory / f"rosa-{clusters}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def check_output(outdir: Path, clusters: int) -> None:
    """The synth wrote one stack dir per stack: aurora + a peering, an access and a keycloak
    stack per cluster."""
    stacks = outdir / "stacks"
    found = sorted(p.name for p in stacks.iterdir()) if stacks.is_dir() else []
    if len(found) != 1 + 3 * clusters or "aurora" not in found:
        sys.exit(f"unexpected output in {outdir}: stacks {found}")


def tree_contents(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def compare_trees(reference: Path, other: Path) -> list[str]:
    """Relative paths that differ between two output trees (missing on either side or bytes)."""
    a, b = tree_contents(reference), tree_contents(other)
    return sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))


# --------------------------------------------------------------------------
# Machine description
# --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total_gb() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024 / 1e9
    return float("nan")


def version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def node_version() -> str:
    node = os.environ.get("JSII_NODE", "node")
    try:
        return subprocess.run([node, "--version"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not found"


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


class OtherLoad:
    """CPU time that processes other than this benchmark used while it ran.

    All busy CPU time of the machine (/proc/stat) minus that of this process and
    of its reaped children (which include jsii's node processes).
    """

    def __init__(self) -> None:
        self._start = (self._machine_busy_s(), self._own_s(), time.monotonic())

    @staticmethod
    def _machine_busy_s() -> float:
        with open("/proc/stat") as f:
            # cpu  user nice system idle iowait irq softirq steal guest guest_nice
            values = [int(v) for v in f.readline().split()[1:9]]
        return (sum(values) - values[3] - values[4]) / CLOCK_TICKS

    @staticmethod
    def _own_s() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def report(self) -> str:
        busy0, own0, t0 = self._start
        other = (self._machine_busy_s() - busy0) - (self._own_s() - own0)
        cores = other / (time.monotonic() - t0)
        usable = len(os.sched_getaffinity(0))
        verdict = ("the machine was busy: timings include contention" if cores > 0.25
                   else "the machine was otherwise quiet")
        return (f"- Other work on the machine meanwhile: {max(cores, 0):.2f} of {usable} cores "
                f"on average ({verdict})")


def print_header(title: str) -> None:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0))
    print(f"# {title}\n")
    print(f"- Date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"- CPU: {cpu_model()}, {cores} cores" + (f" ({usable} usable)" if usable != cores else ""))
    print(f"- Memory: {mem_total_gb():.1f} GB")
    print(f"- OS: Linux {platform.release()}")
    print(f"- Python {platform.python_version()} ({PYTHON}), Node {node_version()}, "
          f"jsii {version_of('jsii')}, cdktf {version_of('cdktf')}, "
          f"cdktf-cdktf-provider-aws {version_of('cdktf-cdktf-provider-aws')}")
    print(f"- Load average (1/5/15 min) at start: {load_average()}")


# --------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------


def fmt_range(values: list[float], fmt: str) -> str:
    return f"{format(min(values), fmt)}-{format(max(values), fmt)}"


def benchmark(runs: int, naive_runs: int) -> None:
    print_header("Synth benchmark")
    other_load = OtherLoad()
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        tmp_dir = Path(tmp)
        cases = [Case("example, fast", EXAMPLE, 2, True, runs)]
        cases += [Case(f"{n} cluster{'s' * (n > 1)}, fast", write_generated_config(n, tmp_dir), n, True, runs)
                  for n in GENERATED_CLUSTER_COUNTS]
        naive = Case("example, naive (CDKTF_FAST_PROVIDERS=0)", EXAMPLE, 2, False, naive_runs)
        cases.append(naive)
        example = cases[0]

        counter = itertools.count()

        def outdir() -> Path:
            return tmp_dir / f"out-{next(counter)}"

        warm_fast = run_synth(example.env, outdir())
        warm_naive = run_synth(naive.env, outdir())
        print(f"- Warm-up (untimed): fast {warm_fast.wall_s:.2f} s, naive {warm_naive.wall_s:.2f} s")

        # Round-robin, so that load from elsewhere on the machine spreads over all cases.
        for round_ in range(max(c.runs for c in cases)):
            for case in cases:
                if round_ < case.runs:
                    run = run_synth(case.env, outdir())
                    check_output(run.outdir, case.clusters)
                    case.results.append(run)

        # Byte-identical output: every example run (fast and naive) against the first fast one.
        reference = example.results[0].outdir
        differing: set[str] = set()
        for run in example.results[1:] + naive.results:
            differing.update(compare_trees(reference, run.outdir))
        n_files = len(tree_contents(reference))
        print(f"- Load average at end: {load_average()}")
        print(other_load.report())
        one_config, fifty_config = cases[1].config, cases[3].config
        per_cluster_round_trips = print_round_trips(EXAMPLE, one_config, fifty_config, cases[3].clusters)

    print()
    print("| Case | ROSA clusters | Stacks | Runs | Wall median (s) | Wall min-max (s) "
          "| Peak RSS median (MB) | Peak RSS min-max (MB) | Processes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        walls = [r.wall_s for r in case.results]
        rsss = [r.peak_rss / MB for r in case.results]
        procs = max(r.max_processes for r in case.results)
        print(f"| {case.label} | {case.clusters} | {3 * case.clusters + 1} | {len(case.results)} "
              f"| {case.median_wall():.2f} | {fmt_range(walls, '.2f')} "
              f"| {case.median_rss() / MB:.0f} | {fmt_range(rsss, '.0f')} | {procs} |")

    speedup = naive.median_wall() / example.median_wall()
    rss_ratio = naive.median_rss() / example.median_rss()
    one, fifty = cases[1], cases[3]
    span = fifty.clusters - one.clusters
    slope_ms = (fifty.median_wall() - one.median_wall()) / span * 1000
    slope_mb = (fifty.median_rss() - one.median_rss()) / span / MB
    print()
    print("Wall: spawn to exit of `python main.py`. Peak RSS: largest summed RSS of the process "
          "tree, sampled every 10 ms (MB = 10^6 bytes). Processes: python + the node processes "
          "jsii starts (fast: the kernel alone; naive: jsii's wrapper and the kernel it spawns).")
    print()
    print(f"- Naive / fast (example): wall {speedup:.1f}x, peak RSS {rss_ratio:.1f}x")
    print(f"- Added cost per ROSA cluster (slope 1 -> 50 clusters): "
          f"{slope_ms:.1f} ms and {slope_mb:.2f} MB per cluster")
    if differing:
        shown = ", ".join(sorted(differing)[:5])
        print(f"- Output identical (fast vs naive, example): NO - {len(differing)} file(s) differ: {shown}")
    else:
        print(f"- Output identical (fast vs naive, example): yes - {n_files} files byte-identical "
              f"across {len(example.results)} fast and {len(naive.results)} naive runs")

    checks = [
        (f"example wall {example.median_wall():.2f} s <= {TARGET_EXAMPLE_WALL_S} s",
         example.median_wall() <= TARGET_EXAMPLE_WALL_S),
        (f"example peak RSS {example.median_rss() / MB:.0f} MB <= {TARGET_EXAMPLE_RSS_MB} MB",
         example.median_rss() / MB <= TARGET_EXAMPLE_RSS_MB),
        (f"naive/fast {speedup:.1f}x >= {TARGET_SPEEDUP}x", speedup >= TARGET_SPEEDUP),
        (f"50 clusters wall {fifty.median_wall():.2f} s <= {TARGET_50_WALL_S} s",
         fifty.median_wall() <= TARGET_50_WALL_S),
        (f"50 clusters peak RSS {fifty.median_rss() / MB:.0f} MB <= {TARGET_50_RSS_MB} MB",
         fifty.median_rss() / MB <= TARGET_50_RSS_MB),
        (f"per cluster {slope_ms:.1f} ms <= {TARGET_PER_CLUSTER_MS} ms", slope_ms <= TARGET_PER_CLUSTER_MS),
        (f"per cluster {per_cluster_round_trips} round trips <= {TARGET_PER_CLUSTER_ROUND_TRIPS}",
         per_cluster_round_trips <= TARGET_PER_CLUSTER_ROUND_TRIPS),
    ]
    verdict = "all met" if all(ok for _, ok in checks) and not differing else "NOT all met"
    print("- Check: " + "; ".join(f"{text} {'PASS' if ok else 'FAIL'}" for text, ok in checks)
          + f" -> {verdict}")


# --------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------

# Run as `python -X importtime -c PROFILE_DRIVER` in the project root: does what
# main.py does, a phase at a time, and writes timings to $BENCH_PROFILE_OUT.
PROFILE_DRIVER = r'''
import gc, json, os, sys, time
T_FIRST = time.monotonic()  # the interpreter is up and running our code
gc.disable()  # as main.py does on the fast path
TICKS = os.sysconf("SC_CLK_TCK")

def node_cpu_s():
    """CPU seconds used so far by the live descendants of this process (jsii's node)."""
    total, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
            if pid != os.getpid():
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / TICKS

jsii = {"n": 0, "s": 0.0}   # round trips in the current phase
kinds = {}                  # request kind -> [count, seconds]
loads = []                  # (assembly, seconds)
kernel_start = []           # seconds
phases = []
last = {"t": T_FIRST, "cpu": time.process_time(), "node": 0.0}

def phase_done(label):
    now, cpu, node = time.monotonic(), time.process_time(), node_cpu_s()
    phases.append({"label": label, "wall": now - last["t"], "py_cpu": cpu - last["cpu"],
                   "node_cpu": node - last["node"], "jsii_n": jsii["n"], "jsii_s": jsii["s"]})
    last.update(t=now, cpu=cpu, node=node)
    jsii.update(n=0, s=0.0)

from modules.config import load_config
config = load_config(os.environ["KEYCLOAK_AURORA_CONFIG"])
from modules import fastsynth
fastsynth.install()  # as main.py does, before anything imports cdktf
phase_done("import + validate config (pydantic, PyYAML)")

from jsii._kernel.providers import process as _process
_send, _start = _process._NodeProcess.send, _process._NodeProcess.start

def send(self, request, response_type):
    t = time.perf_counter()
    try:
        return _send(self, request, response_type)
    finally:
        dt = time.perf_counter() - t
        kind = type(request).__name__.strip("_").removesuffix("Request")
        entry = kinds.setdefault(kind, [0, 0.0]); entry[0] += 1; entry[1] += dt
        jsii["n"] += 1; jsii["s"] += dt
        if kind == "Load":
            loads.append((request.name, dt))

def start(self, *args, **kwargs):
    t = time.perf_counter()
    try:
        return _start(self, *args, **kwargs)
    finally:
        kernel_start.append(time.perf_counter() - t)

_stop = _process._NodeProcess.stop

def stop(self, *args, **kwargs):
    # Runs at exit (atexit), after the report is written: append its duration.
    t = time.perf_counter()
    try:
        return _stop(self, *args, **kwargs)
    finally:
        with open(os.environ["BENCH_PROFILE_OUT"] + ".stop", "a") as f:
            f.write(f"{time.perf_counter() - t}\n")

_process._NodeProcess.send, _process._NodeProcess.start = send, start
_process._NodeProcess.stop = stop
phase_done("import jsii runtime (Python side)")

from cdktf import App
phase_done("import cdktf: start node kernel, load constructs + cdktf assemblies")

from modules.app import build_app
phase_done("import stack modules: load provider assemblies")

app = build_app(config)
phase_done("build constructs (App, stacks, resources)")

app.synth()
gc.freeze()  # as main.py does
phase_done("synth: node renders + writes Terraform JSON")

with open(os.environ["BENCH_PROFILE_OUT"], "w") as f:
    json.dump({"t_first": T_FIRST, "t_end": time.monotonic(), "phases": phases,
               "kinds": kinds, "loads": loads, "kernel_start": kernel_start}, f)
'''

IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def profile() -> None:
    print_header("Synth profile: one fast run of the example")
    other_load = OtherLoad()
    with tempfile.TemporaryDirectory(prefix="synth-profile-") as tmp:
        tmp_dir = Path(tmp)
        env = {"KEYCLOAK_AURORA_CONFIG": str(EXAMPLE), "CDKTF_FAST_PROVIDERS": "1"}
        warm = run_synth(env, tmp_dir / "warm-up")
        print(f"- Warm-up (untimed, plain main.py): {warm.wall_s:.2f} s")

        report_path = tmp_dir / "profile.json"
        child_env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
                         CDKTF_OUTDIR=str(tmp_dir / "out"), BENCH_PROFILE_OUT=str(report_path), **env)
        t_spawn = time.monotonic()
        proc = subprocess.run([PYTHON, "-X", "importtime", "-c", PROFILE_DRIVER], cwd=ROOT,
                              env=child_env, capture_output=True, text=True)
        t_exit = time.monotonic()
        if proc.returncode != 0:
            sys.exit(f"profile run failed (exit {proc.returncode}):\n{proc.stderr}")
        check_output(tmp_dir / "out", 2)
        report = json.loads(report_path.read_text())
        stop_path = Path(f"{report_path}.stop")
        kernel_stop = [float(x) for x in stop_path.read_text().split()] if stop_path.exists() else []

    total = t_exit - t_spawn
    rows = [("interpreter start (exec, site, venv .pth files)", report["t_first"] - t_spawn, None, None, None)]
    rows += [(p["label"], p["wall"], p["py_cpu"], p["node_cpu"], (p["jsii_n"], p["jsii_s"]))
             for p in report["phases"]]
    rows.append(("exit: stop node kernel, interpreter teardown", t_exit - report["t_end"], None, None, None))

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value * 1000:.0f}"

    print(other_load.report())
    print(f"\nTotal wall time {total:.2f} s (run under -X importtime, whose overhead is a few ms). "
          "CPU columns: this phase's CPU time of the python process and of jsii's node processes; "
          "wall above python + node CPU is waiting (pipes, disk, or other load on the machine).\n")
    print("| Phase | Wall (ms) | % | Python CPU (ms) | Node CPU (ms) | jsii round trips | in round trips (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, wall, py_cpu, node_cpu, trips in rows:
        n, s = trips if trips else (None, None)
        print(f"| {label} | {ms(wall)} | {wall / total * 100:.0f} | {ms(py_cpu)} | {ms(node_cpu)} "
              f"| {'-' if n is None else n} | {ms(s)} |")

    start_ms = " + ".join(f"{s * 1000:.0f}" for s in report["kernel_start"]) or "-"
    loads = ", ".join(f"{name} {s * 1000:.0f}" for name, s in report["loads"])
    kinds = ", ".join(f"{kind} {n} / {s * 1000:.0f}"
                      for kind, (n, s) in sorted(report["kinds"].items(), key=lambda kv: -kv[1][1]))
    print(f"\n- jsii kernel start (spawn node, boot @jsii/runtime, handshake): {start_ms} ms")
    stop_ms = " + ".join(f"{s * 1000:.0f}" for s in kernel_stop) or "-"
    print(f"- jsii kernel stop at exit (send exit, wait for node to end): {stop_ms} ms")
    print(f"- Assembly loads (ms): {loads}")
    print(f"- jsii round trips by kind (count / ms): {kinds}")

    imports = []
    for line in proc.stderr.splitlines():
        match = IMPORTTIME.match(line)
        if match:
            imports.append((int(match.group(1)), int(match.group(2)), match.group(4)))
    top = sorted(imports, reverse=True)[:8]
    print(f"- Python imports: {len(imports)} modules, {sum(i[0] for i in imports) / 1000:.0f} ms in all; "
          "top by self time (ms; a `._jsii` module's time is its assembly load in node, the first "
          "one's includes the kernel start): "
          + ", ".join(f"{name} {self_us / 1000:.0f}" for self_us, _, name in top))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per fast case (default 5)")
    parser.add_argument("--naive-runs", type=int, default=None,
                        help="timed runs of the naive baseline (default: 3, or --runs if smaller)")
    parser.add_argument("--profile", action="store_true",
                        help="instead of the benchmark, profile one fast synth of the example")
    args = parser.parse_args()
    if args.profile:
        profile()
    else:
        naive_runs = args.naive_runs if args.naive_runs is not None else min(3, args.runs)
        if args.runs < 1 or naive_runs < 1:
            parser.error("--runs and --naive-runs must be at least 1")
        benchmark(args.runs, naive_runs)


if __name__ == "__main__":
    main()
