"""Multiple-choice helpers: seeded shuffles, letters, and the option formats of SAT and CV-Bench."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from mathrl_pipeline.tasks.rejects import (
    ANSWER_NOT_IN_CHOICES,
    DUPLICATE_CHOICES,
    EMPTY_CHOICES,
    MISSING_ANSWER,
    RowError,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTER_RE = re.compile(r"^\(?([A-Z])\)?$")


def shuffle_choices(choices: Sequence[str], *, seed: int, key: str) -> list[str]:
    """Shuffle choices reproducibly: the same (seed, key) always gives the same order.

    VisualThinker-R1-Zero calls ``random.shuffle`` unseeded; here each row's order depends only on
    the run seed and the row's own key, so it does not change when other rows are added or removed.
    """
    shuffled = list(choices)
    random.Random(f"{seed}:{key}").shuffle(shuffled)
    return shuffled


def letter(index: int) -> str:
    """``0 -> "A"``."""
    if not 0 <= index < len(LETTERS):
        raise ValueError(f"choice index {index} out of range")
    return LETTERS[index]


def letter_index(value: str) -> int | None:
    """``"(C)"`` or ``"C"`` -> 2; None if ``value`` is not a letter option."""
    match = _LETTER_RE.match(value.strip())
    return LETTERS.index(match.group(1)) if match else None


def lettered_options(choices: Sequence[str]) -> str:
    """CV-Bench's option block: ``(A) x\\n(B) y``."""
    return "\n".join(f"({letter(i)}) {c}" for i, c in enumerate(choices))


def or_join(choices: Sequence[str]) -> str:
    """VisualThinker's SAT option list: ``a, b or c`` (``a or b`` for two, ``a`` for one)."""
    items = [str(c) for c in choices]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def wrap_answer(answer: str) -> str:
    """VisualThinker's gold form: ``<answer>X</answer>``."""
    return f"<answer>{answer}</answer>"


def check_choices(choices: list[str], answer: str) -> None:
    """Refuse empty or duplicated choices, and an answer that is not one of them."""
    if not choices:
        raise RowError(EMPTY_CHOICES, "no answer choices")
    if len(set(choices)) != len(choices):
        raise RowError(DUPLICATE_CHOICES, f"choices {choices!r}")
    if not answer:
        raise RowError(MISSING_ANSWER, "empty correct answer")
    if answer not in choices:
        raise RowError(ANSWER_NOT_IN_CHOICES, f"{answer!r} not in {choices!r}")
