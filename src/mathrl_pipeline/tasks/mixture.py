"""Weighted mixtures of prepared task splits, keeping the ``task`` column for per-task metrics."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from mathrl_pipeline.contract import CONTRACT_COLUMNS
from mathrl_pipeline.params import StrictParams

logger = logging.getLogger(__name__)


# The tasks whose splits the mixture reads (weight 0 in `mixture.weights` leaves one out; its
# splits must still exist, so run the task's pipeline first or in the same command).
MIXTURE_TASKS: tuple[str, ...] = ("deepmath", "hf_vqa", "latex_ocr", "sat")


class MixtureParams(StrictParams):
    """``mixture``: weights per task (0 leaves a task out), total size, seed."""

    weights: dict[str, float]
    size: int | None = Field(None, ge=1)  # None: the largest mixture that oversamples no task
    replace: bool = False  # True: sample with replacement when a task is short
    seed: int = 0


def _prompt_kind(frame: pd.DataFrame) -> str | None:
    if frame.empty:
        return None
    return "text" if isinstance(frame["prompt"].iloc[0], str) else "messages"


def mixture_sizes(available: dict[str, int], weights: dict[str, float], *, size: int | None,
                  replace: bool) -> dict[str, int]:
    """Rows to draw from each task: ``weight / sum(weights)`` of ``size``.

    ``size`` None takes the largest mixture that needs no task oversampled. Without
    ``replace`` a task never gives more rows than it has (the shortfall is logged).
    """
    active = {t: w for t, w in weights.items() if w > 0 and available.get(t, 0) > 0}
    if not active:
        raise ValueError(f"mixture: no task with weight > 0 and rows; weights={weights}, "
                         f"rows={available}")
    total = sum(active.values())
    shares = {t: w / total for t, w in active.items()}
    if size is None:
        size = math.floor(min(available[t] / s for t, s in shares.items()))
    counts = {t: round(s * size) for t, s in shares.items()}
    if not replace:
        for task, count in counts.items():
            if count > available[task]:
                logger.warning("mixture: task %s has %d rows, %d asked; taking all",
                               task, available[task], count)
                counts[task] = available[task]
    return counts


def mix_tasks(frames: dict[str, pd.DataFrame], weights: dict[str, float], *, size: int | None,
              seed: int, replace: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One shuffled training set drawn from the tasks by weight, with the contract's columns."""
    unknown = sorted(set(weights) - set(frames))
    if unknown:
        raise ValueError(f"mixture.weights names tasks without inputs: {unknown}")
    counts = mixture_sizes({t: len(f) for t, f in frames.items()}, weights, size=size,
                           replace=replace)
    kinds = {t: _prompt_kind(frames[t]) for t in counts}
    if len(set(kinds.values())) > 1:
        raise ValueError(f"mixture: tasks use different prompt styles {kinds}; give every "
                         f"mixed task the same `prompt_style` (chat messages or base text)")
    rng = np.random.default_rng(seed)
    parts = []
    for task, count in sorted(counts.items()):
        frame = frames[task]
        idx = rng.choice(len(frame), size=count, replace=replace and count > len(frame))
        part = frame.iloc[np.sort(idx)][list(CONTRACT_COLUMNS)]
        parts.append(part.assign(task=task))
    mixed = pd.concat(parts, ignore_index=True)
    mixed = mixed.iloc[rng.permutation(len(mixed))].reset_index(drop=True)
    report = {
        "rows": len(mixed),
        "weights": {t: float(w) for t, w in weights.items()},
        "rows_per_task": {t: int(c) for t, c in sorted(counts.items())},
        "fraction_per_task": {t: round(c / len(mixed), 4) for t, c in sorted(counts.items())},
        "available_per_task": {t: len(f) for t, f in sorted(frames.items())},
    }
    logger.info("mixture: %s", report["rows_per_task"])
    return mixed, report


def mix_test_splits(frames: dict[str, pd.DataFrame], weights: dict[str, float]) -> pd.DataFrame:
    """Every test row of the tasks with weight > 0, with the contract's columns (per-task
    metrics come from the ``task`` column)."""
    parts = [frames[t][list(CONTRACT_COLUMNS)] for t in sorted(frames) if weights.get(t, 0) > 0]
    if not parts:
        raise ValueError(f"mixture: no task with weight > 0; weights={weights}")
    return pd.concat(parts, ignore_index=True)
