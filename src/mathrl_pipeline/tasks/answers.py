"""Cheap, bounded classification of gold answers into kinds, for filtering by answer kind."""

from __future__ import annotations

import re

ANSWER_KINDS = (
    "integer",
    "decimal",
    "fraction",
    "yes_no",
    "matrix",
    "tuple",
    "interval",
    "set",
    "expression",
    "text",
)

_INTEGER = re.compile(r"^[+-]?\s*\d+$")
_DECIMAL = re.compile(r"^[+-]?\s*\d*\.\d+$")
_FRACTION = re.compile(r"^[+-]?\s*(\\[dt]?frac\{\s*-?\d+\s*\}\{\s*\d+\s*\}|-?\d+\s*/\s*\d+)$")
_YES_NO = re.compile(r"^(yes|no|true|false)\.?$", re.IGNORECASE)
_MATRIX = re.compile(r"\\begin\{[pbvBV]?matrix\}|\\left\[\\begin\{matrix\}")
_INTERVAL = re.compile(r"^[\[(].*,.*[\])]$")
_TUPLE = re.compile(r"^\(.*,.*\)$")
_SET = re.compile(r"^\\\{.*\\\}$")
_LATEX_OR_SYMBOL = re.compile(r"[\\^_{}=+\-*/]|\b[a-z]\b")

MAX_ANSWER_CHARS = 2000


def answer_kind(answer: str) -> str:
    """The kind of a gold answer string (one of ``ANSWER_KINDS``); linear-time regexes only."""
    text = answer.strip()[:MAX_ANSWER_CHARS]
    for dollar in ("$$", "$"):
        if text.startswith(dollar) and text.endswith(dollar) and len(text) > 2 * len(dollar):
            text = text[len(dollar) : -len(dollar)].strip()
            break
    if _INTEGER.match(text):
        return "integer"
    if _DECIMAL.match(text):
        return "decimal"
    if _FRACTION.match(text):
        return "fraction"
    if _YES_NO.match(text):
        return "yes_no"
    if _MATRIX.search(text):
        return "matrix"
    if _TUPLE.match(text) and text.count(",") >= 1 and not _INTERVAL_ONLY(text):
        return "tuple"
    if _INTERVAL.match(text):
        return "interval"
    if _SET.match(text):
        return "set"
    if _LATEX_OR_SYMBOL.search(text) or any(ch.isdigit() for ch in text):
        return "expression"
    return "text"


def _INTERVAL_ONLY(text: str) -> bool:  # noqa: N802 - reads like the regex constants above
    """A parenthesised pair containing infinity is an interval, not a tuple."""
    return "\\infty" in text or "∞" in text
