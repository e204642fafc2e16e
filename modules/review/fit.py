"""Fitting the comment into GitHub's size limit: the least important parts go first.

Cut in this order, each only while the text is still too long: the resource tables of
the least risky stacks (all but the riskiest stack's), the topology diagram, rows of the
remaining table (least risky rows first), data-at-risk lines beyond the first ones, and as
a last resort the tail of the text. A note in the comment says what was cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modules.review.markdown import Cuts, SummaryModel, compose
from modules.review.plan import stack_plan

#: Default size budget, in UTF-8 bytes: GitHub's limit minus room for a workflow's additions.
DEFAULT_MAX_CHARS = 64_000


def size(text: str) -> int:
    """Size as measured against the budget: UTF-8 bytes (never less than GitHub's count)."""
    return len(text.encode("utf-8"))


def _largest_fitting(low: int, high: int, fits) -> int:
    """Largest n in [low, high] with fits(n), assuming fits is monotone; `low` if none."""
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _hard_cut(text: str, max_chars: int) -> str:
    """Cut `text` at a line boundary so that it and a closing line fit `max_chars`."""
    tail = "\n\n_... cut here to fit the comment limit._\n"
    budget = max_chars - size(tail)
    out = text.encode("utf-8")[: max(budget, 0)].decode("utf-8", errors="ignore")
    return out[: out.rfind("\n") + 1] + tail if "\n" in out else out + tail


def fit(model: SummaryModel, max_chars: int) -> str:
    """Compose, cutting the least important parts first until the text fits `max_chars`."""
    cuts = Cuts()
    text = compose(model, cuts)
    by_risk = sorted(model.with_changes, key=lambda s: (s.risk, s.name))
    for stack in by_risk[:-1]:  # every table but the riskiest stack's, least risky first
        if size(text) <= max_chars:
            break
        cuts.tables.append(stack.name)
        text = compose(model, cuts)
    if size(text) > max_chars and model.topology:
        cuts.topology = True
        text = compose(model, cuts)
    if size(text) > max_chars and by_risk:
        top = by_risk[-1].name

        def fits_rows(n: int) -> bool:
            cuts.rows_kept[top] = n
            return size(compose(model, cuts)) <= max_chars

        cuts.rows_kept[top] = _largest_fitting(0, len(by_risk[-1].changes), fits_rows)
        text = compose(model, cuts)
    if size(text) > max_chars and model.at_risk:

        def fits_warnings(n: int) -> bool:
            cuts.warnings_kept = n
            return size(compose(model, cuts)) <= max_chars

        cuts.warnings_kept = _largest_fitting(1, len(model.at_risk), fits_warnings)
        text = compose(model, cuts)
    if size(text) > max_chars:
        cuts.hard_cut = True
        text = _hard_cut(compose(model, cuts), max_chars)
    return text


def render(
    plans: Mapping[str, Mapping[str, Any]] | Iterable[tuple[str, Mapping[str, Any]]],
    *,
    failed: Sequence[str] = (),
    waiting: Mapping[str, Sequence[str]] | None = None,
    topology: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """The PR comment (Markdown) for `plans`, {stack name: `terraform show -json` document}.

    `failed` (default none) names stacks whose plan failed; `waiting` (default none),
    {stack: the dependencies it waits for}, the stacks not planned because a stack they
    depend on holds nothing yet or failed; `topology` (default none) is
    Markdown appended in a collapsed section; the result is at most `max_chars` (default
    `DEFAULT_MAX_CHARS`) UTF-8 bytes. Stacks keep the given order.
    """
    items = plans.items() if isinstance(plans, Mapping) else plans
    stacks = tuple(stack_plan(name, plan) for name, plan in items)
    failed_all = tuple(dict.fromkeys([*failed, *(s.name for s in stacks if s.errored)]))
    waits = tuple((name, tuple(deps)) for name, deps in (waiting or {}).items())
    return fit(SummaryModel(stacks=stacks, failed=failed_all, topology=topology, waiting=waits), max_chars)
