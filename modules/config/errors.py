"""The one error a bad deployment config raises."""

from __future__ import annotations


class ConfigError(Exception):
    """Invalid deployment config: one line per problem, each naming field, value and rule,
    e.g. ``aurora.subnets[1].cidr = '10.0.0.0/19': must lie inside aurora.vpc_cidr 192.168.0.0/16``."""

    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"invalid config{where}:\n" + "\n".join(f"  {p}" for p in problems))
