"""Placeholder: replaced by the fast provider loading (issue 7)."""


def install() -> None:
    """Do nothing: providers load the documented way."""
