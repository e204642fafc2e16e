"""Markdown text pieces shared by the parts of the comment."""

from __future__ import annotations


def code(text: str, *, in_table: bool = False) -> str:
    """`text` as an inline code span on one line; `|` escaped inside tables."""
    text = " ".join(str(text).split()).replace("`", "'")
    return f"`{text.replace('|', chr(92) + '|') if in_table else text}`"
