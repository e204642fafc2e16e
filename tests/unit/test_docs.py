"""Docs that cannot rot: every command in README.md and docs/*.md exists as written, every
config snippet validates, every link between the pages resolves.

* shell blocks (```sh): each command's program is one this project documents on purpose
  (`KNOWN_PROGRAMS`); `make <target>` names a target of the Makefile and passes only
  variables the Makefile reads; `export VAR=...` names a variable the Makefile or the code
  reads; `python -m modules.<x> ...` parses with that command's own argument parser (a dry
  run: nothing runs past argparse); `python main.py` takes only what main.py takes;
* YAML blocks (```yaml) that hold config keys: merged into the example config, they
  validate against the model, unless the line before the block is `<!-- invalid-config -->`
  (then they must fail);
* links to other pages of the repository point at files that exist and, with `#anchor`,
  at a heading of that page (GitHub's anchors);
* README.md stays a front door: at most `README_MAX_LINES` lines.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from modules.config import ConfigError, parse_config
from tests.conftest import ROOT

README_MAX_LINES = 300
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Programs a documented command may start with, besides make, python and export.
KNOWN_PROGRAMS = {
    "aws", "oc", "kubectl", "rosa", "podman", "git", "terraform", "cp", "cat", "cd", "pipenv", "bash", "npx",
}
#: Marks a YAML block that is a deliberate config error.
INVALID_CONFIG = "<!-- invalid-config -->"
#: Top-level keys of a deployment config: a YAML block with one of them is a config snippet.
CONFIG_KEYS = {"aurora", "rosa_clusters", "keycloak", "state", "aws"}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str
    marked_invalid: bool

    def where(self, offset: int = 0) -> str:
        shown = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page.name
        return f"{shown}:{self.line + offset}"


def blocks(page: Path) -> Iterator[Block]:
    """Every fenced code block of a page (indented ones in lists included)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
        if not opening:
            i += 1
            continue
        indent, language = opening.groups()
        start = i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        marked = start > 0 and lines[start - 1].strip() == INVALID_CONFIG
        yield Block(page, start + 2, language, "\n".join(body), marked)
        i += 1


def shell_commands(block: Block) -> Iterator[tuple[int, list[str]]]:
    """(line offset, words) of every command of a shell block: comments dropped,
    continuation lines joined."""
    pending, first = "", 0
    for offset, line in enumerate(block.text.splitlines()):
        if not pending:
            first = offset
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        words = shlex.split(pending, comments=True)
        pending = ""
        if words:
            yield first, words


def _makefile() -> tuple[set[str], set[str]]:
    """(targets, variables the Makefile reads)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):(?!=)", text, flags=re.M))
    variables = set(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", text)) | set(re.findall(r"^([A-Z][A-Z0-9_]*) \?=", text, re.M))
    return targets, variables


def _read_by_code(name: str) -> bool:
    sources = [ROOT / "Makefile", ROOT / "main.py", *(ROOT / "modules").rglob("*.py")]
    return any(name in path.read_text(encoding="utf-8") for path in sources)


class DryRun(Exception):
    """Raised instead of running a command once its arguments parsed."""


def parses(module: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> str | None:
    """None when `python -m <module> <args>` parses, else argparse's message."""
    try:
        target = importlib.import_module(f"{module}.__main__")
    except ModuleNotFoundError:
        target = importlib.import_module(module)
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self: argparse.ArgumentParser, argv: Any = None, namespace: Any = None) -> Any:
        original(self, argv, namespace)
        raise DryRun

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    errors: list[str] = []
    monkeypatch.setattr(argparse.ArgumentParser, "error", lambda self, message: (errors.append(message), (_ for _ in ()).throw(SystemExit(2))))
    try:
        target.main(args)
    except DryRun:
        return None
    except SystemExit as stop:
        return errors[0] if errors else f"exited {stop.code} before parsing"
    finally:
        monkeypatch.undo()
    return "ran past its argument parser"


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]
SHELL_BLOCKS = [b for b in ALL_BLOCKS if b.language in ("sh", "bash", "shell")]
CONFIG_BLOCKS = [b for b in ALL_BLOCKS if b.language == "yaml"]


def test_the_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: move detail into docs/"


def test_there_are_commands_and_snippets_to_check() -> None:
    assert len(SHELL_BLOCKS) >= 15 and len(CONFIG_BLOCKS) >= 2


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda b: b.where())
def test_every_documented_command_exists_as_written(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    targets, variables = _makefile()
    problems = []
    for offset, words in shell_commands(block):
        where = block.where(offset)
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):  # VAR=value prefixes
            words = words[1:]
        if not words:
            continue
        program, args = words[0], words[1:]
        if program == "make":
            named = [a for a in args if not a.startswith("-") and "=" not in a]
            passed = [a.split("=", 1)[0] for a in args if "=" in a]
            problems += [f"{where}: make has no target {t!r}" for t in named if t not in targets]
            problems += [f"{where}: the Makefile reads no variable {v}" for v in passed if v not in variables]
        elif program == "export":
            for assignment in args:
                name = assignment.split("=", 1)[0]
                if not _read_by_code(name):
                    problems.append(f"{where}: nothing reads the exported variable {name}")
        elif program in ("python", "python3") or (program == "pipenv" and args[:2] in (["run", "python"], ["run", "python3"])):
            args = args[2:] if program == "pipenv" else args
            if args[:1] == ["-m"] and args[1].startswith("modules"):
                message = parses(args[1], args[2:], monkeypatch)
                if message:
                    problems.append(f"{where}: `python -m {args[1]}` refuses {shlex.join(args[2:])!r}: {message}")
            elif args[:1] == ["main.py"] and args[1:] not in ([], ["--version"]):
                problems.append(f"{where}: main.py takes no {shlex.join(args[1:])!r}")
        elif program not in KNOWN_PROGRAMS:
            problems.append(f"{where}: unknown program {program!r} (add it to KNOWN_PROGRAMS if it is meant)")
    assert not problems, "\n".join(problems)


INLINE_COMMAND = re.compile(r"`((?:make|python -m modules\.[\w.]+|pipenv run python -m modules\.[\w.]+) [^`]*|make \w[\w-]*)`")


def inline_blocks(page: Path) -> Iterator[Block]:
    """Commands quoted in running text (`make deploy STACKS=aurora`), each as a one-line
    block; placeholders such as `<name>` are taken as written names."""
    inside_code = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            inside_code = not inside_code
            continue
        if inside_code:
            continue
        for command in INLINE_COMMAND.findall(line):
            if "..." in command:
                continue  # an elided example, e.g. `python -m modules.review plans/*.json ...`
            yield Block(page, number, "sh", command.replace("<", "").replace(">", ""), False)


INLINE_BLOCKS = [block for page in PAGES for block in inline_blocks(page)]


@pytest.mark.parametrize("block", INLINE_BLOCKS, ids=lambda b: f"{b.where()} {b.text}")
def test_every_command_quoted_in_the_text_exists_as_written(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    test_every_documented_command_exists_as_written(block, monkeypatch)


def _merge(base: Any, snippet: Any) -> Any:
    if isinstance(base, dict) and isinstance(snippet, dict):
        merged = copy.deepcopy(base)
        for key, value in snippet.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return copy.deepcopy(snippet)


@pytest.mark.parametrize("block", CONFIG_BLOCKS, ids=lambda b: b.where())
def test_every_config_snippet_validates(block: Block, example_data: dict[str, Any]) -> None:
    snippet = yaml.safe_load(block.text)
    if not isinstance(snippet, dict) or not CONFIG_KEYS & set(snippet):
        pytest.skip("not a config snippet")
    try:
        parse_config(_merge(example_data, snippet), block.where())
    except ConfigError as err:
        assert block.marked_invalid, f"{block.where()}: the documented config is refused:\n{err}"
        return
    assert not block.marked_invalid, f"{block.where()}: marked {INVALID_CONFIG} but valid"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercased, punctuation but `-` and `_` dropped, spaces to `-`."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: dict[str, int] = {}
    out = set()
    inside_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            inside_code = not inside_code
            continue
        heading = re.match(r"^#{1,6} (.+)$", line)
        if heading and not inside_code:
            slug = _slug(heading.group(1))
            n = found.get(slug, 0)
            out.add(slug if n == 0 else f"{slug}-{n}")
            found[slug] = n + 1
    return out


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_between_pages_resolve(page: Path) -> None:
    problems = []
    text = page.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            path_part, _, anchor = target.partition("#")
            linked = (page.parent / path_part).resolve() if path_part else page
            if not linked.exists():
                problems.append(f"{page.relative_to(ROOT)}:{number}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{page.relative_to(ROOT)}:{number}: {target}: no heading #{anchor} in {linked.name}")
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_are_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a made-up page with one mistake of each kind
    page = tmp_path / "bad.md"
    page.write_text(
        "# Bad\n\n```sh\nmake deplyo STACKS=aurora\nmake plan STAKS=aurora\n"
        "python -m modules.run plan --no-such-flag\nmkae synth\n```\n\n[x](#nowhere)\n",
        encoding="utf-8",
    )
    (block,) = list(blocks(page))
    with pytest.raises(AssertionError) as failed:
        test_every_documented_command_exists_as_written(block, monkeypatch)
    message = str(failed.value)
    assert "make has no target 'deplyo'" in message
    assert "the Makefile reads no variable STAKS" in message
    assert "`python -m modules.run` refuses 'plan --no-such-flag'" in message
    assert "unknown program 'mkae'" in message
    assert "nowhere" not in anchors(page) and "bad" in anchors(page)
