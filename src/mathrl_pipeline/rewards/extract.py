"""Answer extraction from completions: ``<answer>`` tags, ``\\boxed{}``, ``$..$`` / ``\\(..\\)``.

Every function here is linear in the input length (no backtracking regexes), so it is safe on
hostile model output without a time bound.
"""

from __future__ import annotations

import logging
import re
from typing import Literal, get_args

logger = logging.getLogger(__name__)

ExtractMode = Literal["auto", "answer_tag", "boxed", "math_delim", "latex_tag", "last_line"]
EXTRACT_MODES: tuple[str, ...] = get_args(ExtractMode)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOXED_COMMANDS = ("\\boxed", "\\fbox")


def clean_control(text: str) -> str:
    """Replace ASCII control characters (except TAB, LF, CR) with spaces."""
    return _CONTROL.sub(" ", text)


def _tag_re(tag: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(rf"<\s*{tag}\s*>", re.IGNORECASE),
        re.compile(rf"<\s*/\s*{tag}\s*>", re.IGNORECASE),
    )


_TAGS = {tag: _tag_re(tag) for tag in ("answer", "latex", "think")}


def extract_tag(text: str, tag: str = "answer") -> str | None:
    """Content of the last complete ``<tag>...</tag>`` pair (stripped), or ``None``.

    Tolerant of whitespace inside the tags (``< answer >``), case and newlines in the content.
    """
    open_re, close_re = _TAGS.get(tag) or _tag_re(tag)
    closes = list(close_re.finditer(text))
    if not closes:
        return None
    last_close = closes[-1]
    opens = [m for m in open_re.finditer(text, 0, last_close.start())]
    if not opens:
        return None
    return text[opens[-1].end() : last_close.start()].strip()


def find_braced(text: str, start: int, max_depth: int = 200) -> tuple[int, int] | None:
    """Given ``text[start] == '{'``, return (content_start, content_end) of the balanced group.

    Escaped braces ``\\{`` / ``\\}`` are skipped. ``None`` if unbalanced or deeper than
    ``max_depth``.
    """
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
            if depth > max_depth:
                return None
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return start + 1, i
        i += 1
    return None


def extract_boxed(text: str) -> str | None:
    """Content of the last complete ``\\boxed{...}`` (or ``\\fbox{...}``), nested braces allowed.

    An unclosed last ``\\boxed{`` falls back to the previous complete one.
    """
    positions: list[tuple[int, str]] = []
    for cmd in _BOXED_COMMANDS:
        pos = text.find(cmd)
        while pos != -1:
            positions.append((pos, cmd))
            pos = text.find(cmd, pos + 1)
    for pos, cmd in sorted(positions, reverse=True):
        j = pos + len(cmd)
        while j < len(text) and text[j] == " ":
            j += 1
        span = find_braced(text, j)
        if span is not None:
            return text[span[0] : span[1]].strip()
    return None


_DELIMS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))


def extract_math_delimited(text: str) -> str | None:
    """Content of the last ``$..$``, ``$$..$$``, ``\\(..\\)`` or ``\\[..\\]`` span."""
    best: tuple[int, str] | None = None
    for left, right in _DELIMS:
        end = text.rfind(right)
        if end == -1:
            continue
        begin = text.rfind(left, 0, end)
        if begin == -1 or (left == right and begin + len(left) > end):
            continue
        if left == "$" and (text[begin - 1 : begin] == "$" or text[end + 1 : end + 2] == "$"):
            continue  # part of a $$ pair, handled above
        content = text[begin + len(left) : end].strip()
        if content and (best is None or end > best[0]):
            best = (end, content)
    return best[1] if best else None


def strip_math_delimiters(answer: str) -> str:
    """Remove one outer ``$..$``, ``$$..$$``, ``\\(..\\)`` or ``\\[..\\]`` wrapping, if any."""
    s = answer.strip()
    for left, right in _DELIMS:
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            inner = s[len(left) : len(s) - len(right)].strip()
            if left == "$" and "$" in inner:
                continue
            return inner
    return s


def extract_answer(text: str, mode: ExtractMode | str = "auto") -> str | None:
    """Extract the final answer from completion text.

    Modes:

    * ``"answer_tag"``: last ``<answer>...</answer>`` pair.
    * ``"boxed"``: last complete ``\\boxed{...}``.
    * ``"math_delim"``: last ``$..$`` / ``\\(..\\)`` / ``\\[..\\]`` span.
    * ``"latex_tag"``: last ``<latex>...</latex>`` pair (the OCR task).
    * ``"last_line"``: last non-empty line (Math-OCR-Zero's behaviour; not recommended).
    * ``"auto"``: answer tag, else ``\\boxed{}``; a ``\\boxed{}`` inside the answer tag is
      unwrapped.

    Returns ``None`` when nothing is found. The returned answer keeps ``$``/``\\(`` wrappers
    (see :func:`strip_math_delimiters`).
    """
    if not isinstance(text, str) or not text:
        return None
    text = clean_control(text)
    if mode == "answer_tag":
        return extract_tag(text, "answer")
    if mode == "latex_tag":
        return extract_tag(text, "latex")
    if mode == "boxed":
        return extract_boxed(text)
    if mode == "math_delim":
        return extract_math_delimited(text)
    if mode == "last_line":
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1] if lines else None
    if mode != "auto":
        raise ValueError(f"unknown extraction mode {mode!r}; valid: {', '.join(EXTRACT_MODES)}")
    tagged = extract_tag(text, "answer")
    if tagged is not None:
        inner = extract_boxed(tagged)
        if inner is not None and tagged.replace(" ", "").startswith(("\\boxed", "$\\boxed")):
            return inner
        return tagged
    return extract_boxed(text)
