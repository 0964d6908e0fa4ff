"""Reflection and self-correction metrics: the "aha" of a run, measured on responses.

A response *reflects* when it holds one of the reflection markers of
:data:`mathrl_pipeline.rewards.reflection.REFLECTION_MARKERS` ("wait", "let me check", ...,
VisualThinker-R1-Zero's keywords included; ``reflection_count`` of ``eval_samples``). It
*corrects itself* when its first stated result is wrong, a later statement gives the gold
value, and its final answer is right: ``5 plus 3 is 8. Wait, let me look at the image again.
4 plus 3 is 7.`` then ``<answer>7</answer>``. A *statement* is ``a plus|minus|times b is v``,
how the miniature task's completions read the image (``tasks/arith.py``); a response without
one has no first result and never counts as corrected.

Plain Python and pandas; used by the evaluation summary, the training callback (per step) and
the report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

# ``4 plus 3 is 7``: two operands, an operator in words, the stated result; or a result stated
# alone, ``I think it is 7``.
STATEMENT = re.compile(
    r"(?<![\w.])(-?\d+)\s+(plus|minus|times)\s+(-?\d+)\s+is\s+(-?\d+)"
    r"|\bI think it is\s+(-?\d+)"
)
# The columns aha_metrics reads (those of ``eval_samples``).
AHA_INPUT_COLUMNS: tuple[str, ...] = ("response", "gold", "correct", "reflection_count", "length")


def stated_results(text: str) -> list[str]:
    """The result ``v`` of every ``a op b is v`` statement of ``text``, in order."""
    return [match.group(4) or match.group(5) for match in STATEMENT.finditer(str(text))]


def _same(value: str, gold: Any) -> bool:
    try:
        return int(value) == int(str(gold).strip())
    except ValueError:
        return False


def first_result_wrong(text: str, gold: Any) -> bool | None:
    """Whether the first stated result differs from ``gold`` (None when nothing is stated)."""
    results = stated_results(text)
    return None if not results else not _same(results[0], gold)


def self_corrected(text: str, gold: Any, correct: bool) -> bool:
    """A wrong first result, a later statement of ``gold``, and a right final answer."""
    results = stated_results(text)
    if not correct or len(results) < 2 or _same(results[0], gold):
        return False
    return any(_same(value, gold) for value in results[1:])


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if len(values) else math.nan


def aha_metrics(samples: pd.DataFrame) -> dict[str, float]:
    """Reflection, accuracy with and without it, self-correction and length of ``samples``.

    ``reflection_rate``: share of responses with a reflection marker; ``accuracy_reflecting`` /
    ``accuracy_not_reflecting``: accuracy of those with / without one (NaN when there are none);
    ``first_wrong_rate``: share whose first stated result is wrong; ``correction_rate``: share
    that correct themselves (:func:`self_corrected`), of all responses; ``corrected_of_wrong``:
    the same among those whose first result is wrong; ``mean_length``: tokens;
    ``format_rate`` and ``reflection_in_format``: share of responses in the task's format
    (``format_ok``) and, among those, share that reflect (NaN without ``format_ok``): a base
    model that reflects rarely overall may reflect often in the rare answers of that format.
    """
    if samples.empty:
        return dict.fromkeys(
            ("n_responses", "reflection_rate", "accuracy", "accuracy_reflecting",
             "accuracy_not_reflecting", "first_wrong_rate", "correction_rate",
             "corrected_of_wrong", "mean_length", "format_rate", "reflection_in_format"),
            math.nan)
    reflects = (samples["reflection_count"] > 0).tolist()
    correct = samples["correct"].astype(bool).tolist()
    texts, golds = samples["response"].astype(str).tolist(), samples["gold"].tolist()
    wrong_first = [first_result_wrong(t, g) is True for t, g in zip(texts, golds, strict=True)]
    corrected = [
        self_corrected(t, g, c) for t, g, c in zip(texts, golds, correct, strict=True)
    ]
    return {
        "n_responses": float(len(samples)),
        "reflection_rate": _mean(reflects),
        "accuracy": _mean(correct),
        "accuracy_reflecting": _mean([c for c, r in zip(correct, reflects, strict=True) if r]),
        "accuracy_not_reflecting": _mean(
            [c for c, r in zip(correct, reflects, strict=True) if not r]
        ),
        "first_wrong_rate": _mean(wrong_first),
        "correction_rate": _mean(corrected),
        "corrected_of_wrong": _mean(
            [k for k, w in zip(corrected, wrong_first, strict=True) if w]
        ),
        "mean_length": float(samples["length"].mean()),
        **_format_figures(samples, reflects),
    }


def _format_figures(samples: pd.DataFrame, reflects: Sequence[bool]) -> dict[str, float]:
    if "format_ok" not in samples.columns:
        return {"format_rate": math.nan, "reflection_in_format": math.nan}
    formatted = samples["format_ok"].astype(bool).tolist()
    return {
        "format_rate": _mean(formatted),
        "reflection_in_format": _mean(
            [r for r, f in zip(reflects, formatted, strict=True) if f]
        ),
    }


def aha_table(samples: pd.DataFrame, keys: Sequence[str] = ("model", "style", "mode")
              ) -> pd.DataFrame:
    """:func:`aha_metrics` per value of ``keys`` (those present), one row each."""
    present = [k for k in keys if k in samples.columns]
    if not present:
        return pd.DataFrame([aha_metrics(samples)])
    rows = []
    for key, part in samples.groupby(present, sort=False):
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(present, values, strict=True)), **aha_metrics(part)})
    return pd.DataFrame(rows)


def step_aha_metrics(
    completions: Sequence[str],
    solutions: Sequence[Any],
    accuracy: Sequence[float] | None,
    reflection_counts: Sequence[int],
) -> dict[str, float]:
    """One training step's curve points: self-correction, accuracy with / without reflection.

    ``accuracy``: the accuracy reward of each completion (``None`` when not in the mix: then
    only ``correction_rate`` is given, a correction judged by its statements alone).
    """
    reflects = [count > 0 for count in reflection_counts]
    right = (
        [a is not None and not math.isnan(a) and a >= 1.0 for a in accuracy]
        if accuracy is not None
        else [True] * len(completions)
    )
    corrected = [
        self_corrected(t, g, r) for t, g, r in zip(completions, solutions, right, strict=True)
    ]
    out = {"correction_rate": _mean(corrected)}
    if accuracy is not None:
        out["accuracy_reflecting"] = _mean([r for r, f in zip(right, reflects, strict=True) if f])
        out["accuracy_not_reflecting"] = _mean(
            [r for r, f in zip(right, reflects, strict=True) if not f]
        )
    return out


def rewarded_self_corrections(
    completions: Sequence[str], solutions: Sequence[Any], accuracy: Sequence[float],
    reflection_counts: Sequence[int],
) -> list[int]:
    """Indices of completions that reflect, correct themselves and earn the accuracy reward."""
    return [
        i
        for i, (text, gold, reward, count) in enumerate(
            zip(completions, solutions, accuracy, reflection_counts, strict=True)
        )
        if count > 0 and reward is not None and reward >= 1.0 and self_corrected(text, gold, True)
    ]


# aha_metrics keys an evaluation summary row holds: greedy ones as they are, sampled ones prefixed.
GREEDY_SUMMARY: tuple[str, ...] = (
    "accuracy_reflecting", "accuracy_not_reflecting", "first_wrong_rate", "correction_rate",
)
SAMPLED_SUMMARY: tuple[str, ...] = (
    "reflection_rate", "accuracy", "accuracy_reflecting", "accuracy_not_reflecting",
    "correction_rate", "mean_length",
)


def summary_columns(greedy: pd.DataFrame, sampled: pd.DataFrame) -> dict[str, float]:
    """The self-correction columns of an evaluation summary row ({} without the inputs)."""
    if not set(AHA_INPUT_COLUMNS) <= set(greedy.columns):
        return {}
    point = aha_metrics(greedy)
    out = {key: point[key] for key in GREEDY_SUMMARY}
    if len(sampled):
        spread = aha_metrics(sampled)
        out.update({f"sampled_{key}": spread[key] for key in SAMPLED_SUMMARY})
    return out
