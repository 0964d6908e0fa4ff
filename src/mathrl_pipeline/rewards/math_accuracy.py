"""Math accuracy: Math-Verify in the documented order ``verify(gold, pred)``, time-bounded."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from mathrl_pipeline.contract import completion_text
from mathrl_pipeline.rewards.columns import column
from mathrl_pipeline.rewards.extract import extract_answer, extract_boxed
from mathrl_pipeline.rewards.guards import MAX_GOLD_CHARS, screen_reason
from mathrl_pipeline.rewards.normalize import (
    gold_answer,
    is_text_answer,
    normalize_text_answer,
    text_answers_match,
)
from mathrl_pipeline.rewards.sandbox import BoundedTimeout, WorkerError, bounded_call
from mathrl_pipeline.rewards.sandbox.operations import DEFAULT_EXTRACTION

logger = logging.getLogger(__name__)

_CACHE_SIZE = 65_536
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()
_state = {"logged_timeout": False}


def _cached(key: tuple[Any, ...]) -> tuple[bool, Any]:
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return True, _cache[key]
    return False, None


def _store(key: tuple[Any, ...], value: Any) -> None:
    with _cache_lock:
        _cache[key] = value
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget cached verdicts (results are pure, the cache only saves time)."""
    with _cache_lock:
        _cache.clear()


def _bounded(op: str, *args: Any) -> Any:
    """Run an engine op under the bound; timeout or worker error -> ``"fail"``."""
    try:
        return bounded_call(op, *args)
    except BoundedTimeout:
        if not _state["logged_timeout"]:
            logger.debug("math verification timed out; the sample scores 0.0")
            _state["logged_timeout"] = True
    except WorkerError as exc:
        logger.debug("math verification failed in the worker: %s", exc)
    return "fail"


def gold_is_parseable(gold: str, extraction: tuple[str, ...] = DEFAULT_EXTRACTION) -> bool:
    """True if the gold answer can be used for math verification (text golds count)."""
    gold = gold_answer(gold)
    if not gold or screen_reason(gold, MAX_GOLD_CHARS):
        return False
    if is_text_answer(gold):
        return True
    key = ("gold", gold, extraction)
    hit, value = _cached(key)
    if not hit:
        value = _bounded("gold_parses", gold, extraction)
        if value != "fail":
            _store(key, value)
    return value is True


def answers_match(
    gold: str,
    pred: str | None,
    *,
    extraction: tuple[str, ...] = DEFAULT_EXTRACTION,
    float_rounding: int = 6,
    strict: bool = True,
) -> bool | None:
    """Is ``pred`` the same answer as ``gold``? ``None`` when the gold is unparseable.

    Words (``yes``, ``left``) compare as normalised strings (a ``\\boxed{}`` in ``pred`` is
    unwrapped first); everything else goes to Math-Verify
    ``verify(parse(gold), parse(pred), float_rounding, strict)`` in a killable worker under the
    wall-clock bound. ``extraction`` picks Math-Verify's extraction configs (``"latex"``:
    ``LatexExtractionConfig(boxed_match_priority=0)``, ``"expr"``: ``ExprExtractionConfig()``);
    bare answers without ``$`` are wrapped in ``$..$`` before parsing. Pre-screened or
    timed-out predictions count as wrong, never as errors.
    """
    gold = gold_answer(gold)
    extraction = tuple(extraction)
    if not gold or screen_reason(gold, MAX_GOLD_CHARS):
        return None
    if is_text_answer(gold):
        if not pred:
            return False
        boxed = extract_boxed(pred)
        return text_answers_match(gold, boxed if boxed is not None else pred)
    if not gold_is_parseable(gold, extraction):
        return None
    if not pred or not pred.strip():
        return False
    pred = pred.strip()
    if screen_reason(pred):
        # Too big or too deep for sympy: only an exact (normalised) string match can pay.
        return normalize_text_answer(gold) == normalize_text_answer(pred)
    key = ("math", gold, pred, extraction, float_rounding, strict)
    hit, value = _cached(key)
    if hit:
        return value
    value = _bounded("match_math", gold, pred, extraction, float_rounding, strict)
    if value == "fail":
        return False
    _store(key, value)
    return value


class MathAccuracyReward:
    """1.0 if the extracted answer matches the ``solution`` column, else 0.0; ``None`` = skip.

    Args:
        extract_mode: see :func:`~mathrl_pipeline.rewards.extract.extract_answer`.
        gold_column: the column holding gold answers (TRL passes dataset columns as kwargs).
    """

    uses_sandbox = True  # Math-Verify runs in the sandbox's workers

    def __init__(self, extract_mode: str = "auto", gold_column: str = "solution"):
        self.extract_mode = extract_mode
        self.gold_column = gold_column
        self.__name__ = "math_accuracy"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        golds = column(kwargs, self.gold_column, len(completions))
        usable = {g: gold_is_parseable(g) for g in {gold_answer(g) for g in golds}}
        out: list[float | None] = []
        for completion, raw_gold in zip(completions, golds, strict=True):
            gold = gold_answer(raw_gold)
            if not usable.get(gold):
                out.append(None)
                continue
            answer = extract_answer(completion_text(completion), self.extract_mode)
            verdict = answers_match(gold, answer)
            out.append(None if verdict is None else float(verdict))
        return out

    def __repr__(self) -> str:
        return f"MathAccuracyReward(extract_mode={self.extract_mode!r})"
