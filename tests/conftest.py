"""Shared fixtures: the example config, and synthesis of any config variant to JSON.

The test session is an entry point like `main.py`: it switches on the fast provider
loading before any test imports cdktf, and checks once that Terraform can install the
aws provider before running the tests that need it.
"""

from __future__ import annotations

import copy
import json
import os
import signal
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "example.yaml"

Synth = Callable[[dict[str, Any]], dict[str, dict[str, Any]]]

#: The least `aurora` section there is (three AZs), for constructs tested on their own.
AURORA_DATA: dict[str, Any] = {
    "name": "kc",
    "region": "eu-west-1",
    "vpc_cidr": "192.168.0.0/16",
    "subnets": [
        {"availability_zone": "eu-west-1a", "cidr": "192.168.0.0/19"},
        {"availability_zone": "eu-west-1b", "cidr": "192.168.32.0/19"},
        {"availability_zone": "eu-west-1c", "cidr": "192.168.64.0/19"},
    ],
}

#: Markers of tests that run Terraform and need the aws provider.
TERRAFORM_MARKERS = ("terraform", "e2e")


def default_signal_handling() -> None:
    """`preexec_fn` for a process a test interrupts: SIGINT and SIGQUIT back to their default
    actions, as a terminal's foreground job or GitHub's runner starts it. A process started
    with `cmd &` by a non-interactive shell (CI, `make test &`) inherits them ignored, and
    make and bash keep a signal ignored at start-up ignored: the interrupt would never reach
    them, and the test would depend on how it was launched."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def pytest_configure(config: pytest.Config) -> None:
    from modules import fastsynth

    fastsynth.install()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a way to install the aws provider, say so once instead of failing every
    Terraform test with the same init error: skipped locally, a usage error under CI."""
    needing = [item for item in items if any(item.get_closest_marker(m) for m in TERRAFORM_MARKERS)]
    if not needing:
        return
    from tests.harness.terraform import provider_source_problem

    problem = provider_source_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(problem)
    config.issue_config_time_warning(pytest.PytestWarning(problem), stacklevel=2)
    skip = pytest.mark.skip(reason=problem)
    for item in needing:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def example_data() -> dict[str, Any]:
    """The example config as plain data; tests deep-copy it before changing it."""
    return yaml.safe_load(EXAMPLE_CONFIG.read_text())


@pytest.fixture
def config_data(example_data: dict[str, Any]) -> dict[str, Any]:
    """A private deep copy of the example config data for one test to change."""
    return copy.deepcopy(example_data)


def synth_stacks(data: dict[str, Any], outdir: Path) -> dict[str, dict[str, Any]]:
    """Validate `data`, synthesize every stack into `outdir`, return {stack id: JSON}."""
    from modules.app import build_app
    from modules.config import parse_config

    build_app(parse_config(data), outdir=str(outdir)).synth()
    stacks = outdir / "stacks"
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in sorted(stacks.iterdir())}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Synthesize a config variant; identical configs are synthesized once per session."""
    cache: dict[str, dict[str, dict[str, Any]]] = {}

    def run(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        key = json.dumps(data, sort_keys=True)
        if key not in cache:
            cache[key] = synth_stacks(data, tmp_path_factory.mktemp("cdktf.out"))
        return copy.deepcopy(cache[key])

    return run


@pytest.fixture(scope="session")
def example_stacks(synth: Synth, example_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every stack of the example config, synthesized once per session."""
    return synth(example_data)


def construct_json(build: Callable[[Any], None]) -> dict[str, Any]:
    """The Terraform JSON of a bare test stack (`test`) after `build(stack)` added to it:
    a construct tested on its own, without the app around it."""
    from cdktf import Testing, TerraformStack

    stack = TerraformStack(Testing.app(), "test")
    build(stack)
    return json.loads(Testing.synth(stack))


def resources(stack: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """{logical id: body} of `resource_type` in a synthesized stack ({} when absent)."""
    return stack.get("resource", {}).get(resource_type, {})


def data_sources(stack: dict[str, Any], data_type: str) -> dict[str, dict[str, Any]]:
    """{logical id: body} of data source `data_type` in a synthesized stack ({} when absent)."""
    return stack.get("data", {}).get(data_type, {})


def only(stack: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The single resource of `resource_type`; fails when there are none or several."""
    found = resources(stack, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


def by_path(stack: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """{construct path: body} of `resource_type`, e.g. 'aurora/aurora/writer'."""
    return {body["//"]["metadata"]["path"]: body for body in resources(stack, resource_type).values()}


@pytest.fixture(scope="session")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for Terraform and cdktf: the CLI config (provider mirror when
    TF_PROVIDER_MIRROR is set, else the registry) and a plugin cache shared by the session."""
    from tests.harness.terraform import provider_mirror, write_cli_config

    home = tmp_path_factory.mktemp("terraform")
    cli_config = write_cli_config(home / "terraformrc", provider_mirror(), plugin_cache_dir=home / "plugin-cache")
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "CHECKPOINT_DISABLE": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
