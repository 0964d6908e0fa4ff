"""Format rewards: R1 ``<think>..</think><answer>..</answer>``, tag-count partial, ``<latex>``.

All checks are linear scans (no backtracking regexes) and DOTALL by construction: content may
span lines. Completions from the ``base`` template start inside the thinking block (the prompt
ends with ``<think>``): pass ``think_prefilled=True``, a per-row ``think_prefilled`` column,
or leave ``None`` to detect it from the ``prompts`` TRL passes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from mathrl_pipeline.contract import completion_text, prompt_text
from mathrl_pipeline.rewards.columns import column

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<\s*(/?)\s*(think|answer|latex)\s*>", re.IGNORECASE)


def _tags(text: str) -> list[tuple[str, int, int]]:
    """(normalised tag, start, end) of every think/answer/latex tag."""
    return [
        (f"<{m.group(1)}{m.group(2).lower()}>", m.start(), m.end()) for m in _TAG.finditer(text)
    ]


def prompt_prefills_think(prompt: Any) -> bool:
    """True when the prompt text ends with an opening ``<think>`` tag."""
    text = prompt_text(prompt).rstrip()
    return text.lower().endswith("<think>")


def r1_format_ok(text: str, think_prefilled: bool = False, min_think_chars: int = 0) -> bool:
    """Exactly ``<think>T</think> <answer>A</answer>`` (whitespace allowed around/between).

    With ``think_prefilled`` the opening ``<think>`` must be absent (it is in the prompt).
    Exactly one of each tag, non-empty answer, ``len(T.strip()) >= min_think_chars``.
    """
    tags = _tags(text)
    expected = ["</think>", "<answer>", "</answer>"]
    if not think_prefilled:
        expected = ["<think>", *expected]
    if [t for t, _, _ in tags] != expected:
        return False
    pos = {t: (s, e) for t, s, e in tags}
    think_start = 0 if think_prefilled else pos["<think>"][1]
    if not think_prefilled and text[: pos["<think>"][0]].strip():
        return False
    if text[pos["</think>"][1] : pos["<answer>"][0]].strip():
        return False
    if text[pos["</answer>"][1] :].strip():
        return False
    if not text[pos["<answer>"][1] : pos["</answer>"][0]].strip():
        return False
    return len(text[think_start : pos["</think>"][0]].strip()) >= min_think_chars


def tag_count_score(text: str, think_prefilled: bool = False) -> float:
    """0.25 for each of ``<think>``, ``</think>``, ``<answer>``, ``</answer>`` present exactly
    once (the opening think tag counts as present when prefilled and absent)."""
    counts: dict[str, int] = {}
    for tag, _, _ in _tags(text):
        counts[tag] = counts.get(tag, 0) + 1
    score = 0.0
    for tag in ("<think>", "</think>", "<answer>", "</answer>"):
        n = counts.get(tag, 0)
        if tag == "<think>" and think_prefilled:
            score += 0.25 if n == 0 else 0.0
        elif n == 1:
            score += 0.25
    return score


def latex_format_ok(text: str, require_think: bool = False, think_prefilled: bool = False) -> bool:
    """The completion is exactly ``<latex>F</latex>`` (optionally after a think block)."""
    tags = _tags(text)
    expected = ["<latex>", "</latex>"]
    if require_think:
        expected = (
            ["</think>", *expected] if think_prefilled else ["<think>", "</think>", *expected]
        )
    if [t for t, _, _ in tags] != expected:
        return False
    pos = {t: (s, e) for t, s, e in tags}
    before = text[: pos["<latex>"][0]]
    if require_think:
        if not think_prefilled and text[: pos["<think>"][0]].strip():
            return False
        before = text[pos["</think>"][1] : pos["<latex>"][0]]
    if before.strip() or text[pos["</latex>"][1] :].strip():
        return False
    return bool(text[pos["<latex>"][1] : pos["</latex>"][0]].strip())


class _PrefillAware:
    think_prefilled: bool | None

    def _prefilled(self, kwargs: dict[str, Any], n: int) -> list[bool]:
        if self.think_prefilled is not None:
            return [bool(self.think_prefilled)] * n
        if kwargs.get("think_prefilled") is not None:
            return [bool(v) for v in column(kwargs, "think_prefilled", n)]
        prompts = kwargs.get("prompts")
        if prompts is not None and len(prompts) == n:
            return [prompt_prefills_think(p) for p in prompts]
        return [False] * n


class R1FormatReward(_PrefillAware):
    """1.0 when the completion is ``<think>..</think><answer>..</answer>``, else 0.0.

    ``think_prefilled``: ``True``/``False``, or ``None`` to use the ``think_prefilled`` column
    or detect a prompt ending in ``<think>``. ``min_think_chars``: minimum thinking length.
    """

    def __init__(self, think_prefilled: bool | None = None, min_think_chars: int = 0):
        self.think_prefilled = think_prefilled
        self.min_think_chars = int(min_think_chars)
        self.__name__ = "format"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        prefilled = self._prefilled(kwargs, len(completions))
        return [
            float(r1_format_ok(completion_text(c), p, self.min_think_chars))
            for c, p in zip(completions, prefilled, strict=True)
        ]


class TagCountReward(_PrefillAware):
    """Partial credit: 0.25 per correctly-counted tag (see :func:`tag_count_score`)."""

    def __init__(self, think_prefilled: bool | None = None):
        self.think_prefilled = think_prefilled
        self.__name__ = "format_partial"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        prefilled = self._prefilled(kwargs, len(completions))
        return [
            tag_count_score(completion_text(c), p)
            for c, p in zip(completions, prefilled, strict=True)
        ]


class LatexFormatReward(_PrefillAware):
    """1.0 when the completion is exactly ``<latex>..</latex>`` (OCR task), else 0.0."""

    def __init__(self, require_think: bool = False, think_prefilled: bool | None = None):
        self.require_think = require_think
        self.think_prefilled = think_prefilled
        self.__name__ = "latex_format"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        prefilled = self._prefilled(kwargs, len(completions))
        return [
            float(latex_format_ok(completion_text(c), self.require_think, p))
            for c, p in zip(completions, prefilled, strict=True)
        ]
