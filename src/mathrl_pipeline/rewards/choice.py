"""Multiple-choice accuracy (SAT, CV-Bench): letter or choice text; hedges score 0."""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Sequence
from typing import Any

from mathrl_pipeline.contract import completion_text
from mathrl_pipeline.rewards.columns import column
from mathrl_pipeline.rewards.extract import extract_answer
from mathrl_pipeline.rewards.normalize import gold_answer, normalize_text_answer

logger = logging.getLogger(__name__)

LETTERS = string.ascii_uppercase
MAX_CHOICE_ANSWER_CHARS = 300

# "C", "(C)", "C.", "C)", "[C]", "c", "Option C", "Answer: (C)", optionally followed by text.
_LETTER_ANSWER = re.compile(
    r"^(?:(?:the\s+)?(?:correct\s+)?(?:answer|option|choice)\s*(?:is)?\s*[:\-]?\s*)?"
    r"[(\[]?([A-Za-z])[)\]]?(?:[.:)]|\s*$|\s+(.*))\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PAREN_LETTER = re.compile(r"\(([A-Z])\)")
_BARE_LETTER = re.compile(r"(?<![A-Za-z'])([A-Z])(?![A-Za-z'])")


def _choice_list(choices: Any) -> list[str]:
    if choices is None or isinstance(choices, str):
        return []
    if isinstance(choices, Sequence) or hasattr(choices, "tolist"):
        values = choices.tolist() if hasattr(choices, "tolist") else list(choices)
        return [str(c) for c in values]
    return []


def _letter_index(letter: str, n_choices: int) -> int | None:
    idx = LETTERS.find(letter.upper())
    if idx < 0 or (n_choices and idx >= n_choices):
        return None
    return idx


def resolve_gold(gold: Any, choices: Sequence[str] | None) -> int | str | None:
    """Gold as a choice index (with ``choices``), an upper-case letter, or ``None``."""
    text = normalize_text_answer(gold_answer(gold))
    options = [normalize_text_answer(c) for c in (choices or [])]
    if options and text in options:
        return options.index(text)
    m = _LETTER_ANSWER.match(text)
    if m and (m.group(2) is None or not m.group(2).strip()):
        idx = _letter_index(m.group(1), len(options))
        if idx is None:
            return None
        return idx if options else LETTERS[idx]
    if m and options:  # "(b) left"
        idx = _letter_index(m.group(1), len(options))
        return idx
    return None


def resolve_prediction(pred: str | None, choices: Sequence[str] | None) -> int | str | None:
    """The single choice a prediction commits to, or ``None`` (missing, hedged, several)."""
    if not pred:
        return None
    raw = pred.strip()
    if len(raw) > MAX_CHOICE_ANSWER_CHARS:
        return None
    options = [normalize_text_answer(c) for c in (choices or [])]
    text = normalize_text_answer(raw)
    if not text:
        return None
    if options and text in options:
        return options.index(text)
    m = _LETTER_ANSWER.match(text)
    if m:
        rest = normalize_text_answer(m.group(2) or "")
        idx = _letter_index(m.group(1), len(options))
        if idx is not None and (not rest or (options and rest == options[idx])):
            return idx if options else LETTERS[idx]
    # Free text: collect every choice it mentions; exactly one is an answer, more is a hedge.
    mentioned: set[int | str] = set()
    bare = raw.replace("$", "")
    for letter in _PAREN_LETTER.findall(bare) + _BARE_LETTER.findall(bare):
        idx = _letter_index(letter, len(options))
        if idx is not None:
            mentioned.add(idx if options else LETTERS[idx])
    padded = f" {text} "
    for i, option in enumerate(options):
        if option and re.search(rf"(?<!\w){re.escape(option)}(?!\w)", padded):
            mentioned.add(i)
    if len(mentioned) == 1:
        return mentioned.pop()
    return None


def choice_matches(gold: Any, pred: str | None, choices: Sequence[str] | None) -> bool | None:
    """``None`` if the gold cannot be resolved, else whether ``pred`` commits to the gold."""
    options = _choice_list(choices)
    target = resolve_gold(gold, options)
    if target is None:
        return None
    got = resolve_prediction(pred, options)
    return got is not None and got == target


class ChoiceAccuracyReward:
    """Multiple-choice accuracy against ``solution`` (letter, ``(B)``, ``<answer>B</answer>``
    or choice text) with the ``choices`` column; ``None`` when the gold is unresolvable."""

    def __init__(self, extract_mode: str = "answer_tag", gold_column: str = "solution"):
        self.extract_mode = extract_mode
        self.gold_column = gold_column
        self.__name__ = "choice_accuracy"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        golds = column(kwargs, self.gold_column, n)
        choices = _choices_column(kwargs, n)
        out: list[float | None] = []
        for completion, gold, opts in zip(completions, golds, choices, strict=True):
            answer = extract_answer(completion_text(completion), self.extract_mode)
            verdict = choice_matches(gold, answer, opts)
            out.append(None if verdict is None else float(verdict))
        return out

    def __repr__(self) -> str:
        return f"ChoiceAccuracyReward(extract_mode={self.extract_mode!r})"


def _choices_column(kwargs: dict[str, Any], n: int) -> list[Any]:
    value = kwargs.get("choices")
    if value is None:
        return [None] * n
    values = list(value)
    # One list of strings shared by the whole batch vs one list per row.
    if values and all(isinstance(v, str) for v in values) and len(values) != n:
        return [values] * n
    if len(values) != n:
        raise ValueError(f"column 'choices' has {len(values)} rows for {n} completions")
    return values
