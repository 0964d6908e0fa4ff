"""Length and repetition penalties (non-positive rewards), and the LaTeX-OCR length reward."""

from __future__ import annotations

import logging
import re
from typing import Any

from mathrl_pipeline.contract import completion_text

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\S+")


def _lengths(completions: list[Any], kwargs: dict[str, Any], unit: str) -> list[int]:
    """Token counts from TRL's ``completion_ids`` when given (``unit="tokens"``), else chars."""
    ids = kwargs.get("completion_ids")
    if unit == "tokens" and ids is not None and len(ids) == len(completions):
        return [len(x) for x in ids]
    if unit == "words":
        return [len(_WORD.findall(completion_text(c))) for c in completions]
    return [len(completion_text(c)) for c in completions]


def linear_length_penalty(length: int, limit: int, slope: float, max_penalty: float) -> float:
    """``-min(max_penalty, slope * (length - limit))`` beyond ``limit``, else 0."""
    if length <= limit:
        return 0.0
    return -min(max_penalty, slope * (length - limit))


def soft_overlong_penalty(length: int, max_length: int, cache_length: int) -> float:
    """DAPO soft overlong punishment: 0 up to ``max_length - cache_length``, then linear to -1
    at ``max_length``, -1 beyond."""
    start = max_length - cache_length
    if length <= start:
        return 0.0
    if length > max_length:
        return -1.0
    return (start - length) / max(cache_length, 1)


class LengthPenalty:
    """Linear penalty beyond ``limit`` (Math-OCR-Zero style).

    ``unit``: ``tokens`` (uses ``completion_ids`` when TRL passes them, else characters),
    ``chars`` or ``words``. Default slope reaches ``max_penalty`` at twice the limit.
    """

    def __init__(
        self,
        limit: int = 1024,
        slope: float | None = None,
        max_penalty: float = 1.0,
        unit: str = "tokens",
    ):
        self.limit = int(limit)
        self.slope = float(slope) if slope is not None else max_penalty / max(self.limit, 1)
        self.max_penalty = float(max_penalty)
        self.unit = unit
        self.__name__ = "length_penalty"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        return [
            linear_length_penalty(n, self.limit, self.slope, self.max_penalty)
            for n in _lengths(completions, kwargs, self.unit)
        ]


class SoftOverlongPenalty:
    """DAPO's soft overlong punishment (``max_length``, ``cache_length``)."""

    def __init__(self, max_length: int = 1024, cache_length: int = 256, unit: str = "tokens"):
        if cache_length > max_length:
            raise ValueError("cache_length must not exceed max_length")
        self.max_length = int(max_length)
        self.cache_length = int(cache_length)
        self.unit = unit
        self.__name__ = "soft_overlong"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        return [
            soft_overlong_penalty(n, self.max_length, self.cache_length)
            for n in _lengths(completions, kwargs, self.unit)
        ]


LATEX_OPEN, LATEX_CLOSE = "<latex>", "</latex>"


def outside_latex(text: str) -> str | None:
    """``text`` without its ``<latex>..</latex>`` blocks; ``None`` when it has no closed block.

    A linear scan (no backtracking regex): each block runs from an opening tag to the next
    closing tag, as the non-greedy ``<latex>(.*?)</latex>`` of the LaTeX-OCR recipe matches.
    """
    kept, pos, found = [], 0, False
    while (start := text.find(LATEX_OPEN, pos)) != -1:
        end = text.find(LATEX_CLOSE, start + len(LATEX_OPEN))
        if end == -1:
            break
        kept.append(text[pos:start])
        pos, found = end + len(LATEX_CLOSE), True
    kept.append(text[pos:])
    return "".join(kept) if found else None


def latex_length_score(text: str, max_words: int) -> float:
    """1.0 up to ``max_words`` words outside the LaTeX blocks, then ``1 - overshoot / words``;
    0.0 without a ``<latex>..</latex>`` block (starkiby/mathocr grpo_ft/grpo.py l.223-252)."""
    outside = outside_latex(text)
    if outside is None:
        return 0.0
    words = len(outside.split())
    if words <= max_words:
        return 1.0
    return max(0.0, 1.0 - (words - max_words) / words)


class LatexLengthReward:
    """The LaTeX-OCR recipe's length reward: short talk around the ``<latex>`` block pays 1.0.

    A positive reward (the recipe's ``length_penalty_reward``): 1.0 when at most ``max_words``
    whitespace-separated words lie outside every ``<latex>..</latex>`` block, decaying as
    ``max(0, 1 - overshoot / words)`` beyond, 0.0 when the completion has no such block.
    """

    def __init__(self, max_words: int = 50):
        if max_words < 0:
            raise ValueError(f"max_words must be >= 0, got {max_words}")
        self.max_words = int(max_words)
        self.__name__ = "latex_length"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        return [latex_length_score(completion_text(c), self.max_words) for c in completions]


def repetition_score(text: str, ngram_size: int = 3, max_words: int = 20_000) -> float:
    """Fraction of repeated word n-grams: ``1 - unique / total`` (0 when too short)."""
    words = _WORD.findall(text.lower())[:max_words]
    if len(words) < ngram_size:
        return 0.0
    ngrams = [tuple(words[i : i + ngram_size]) for i in range(len(words) - ngram_size + 1)]
    return 1.0 - len(set(ngrams)) / len(ngrams)


class RepetitionPenalty:
    """n-gram repetition penalty (open-r1 style): ``max_penalty * repetition_score``.

    ``max_penalty`` is negative (default -1.0).
    """

    def __init__(self, ngram_size: int = 3, max_penalty: float = -1.0):
        if max_penalty > 0:
            raise ValueError(f"max_penalty must be <= 0, got {max_penalty}")
        self.ngram_size = int(ngram_size)
        self.max_penalty = float(max_penalty)
        self.__name__ = "repetition_penalty"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        return [
            self.max_penalty * repetition_score(completion_text(c), self.ngram_size)
            for c in completions
        ]
