"""A task stage's counts for the run report: rows loaded, kept per split, rejects by reason."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd


def split_report(
    task: str,
    *,
    loaded: int,
    splits: dict[str, pd.DataFrame],
    rejects: pd.DataFrame,
    by: str | None = None,
) -> dict[str, Any]:
    """Counts: rows loaded, kept per split (and per value of ``by``), rejects per stage/reason."""
    report: dict[str, Any] = {
        "task": task,
        "rows_loaded": int(loaded),
        "rows_kept": {name: len(frame) for name, frame in splits.items()},
        "rejects": {
            f"{stage}/{reason}": int(count)
            for (stage, reason), count in Counter(
                zip(rejects["stage"], rejects["reason"], strict=True)
            ).items()
        },
    }
    if by:
        report[f"by_{by}"] = {
            name: {str(k): int(v) for k, v in frame[by].value_counts().sort_index().items()}
            for name, frame in splits.items()
            if by in frame.columns
        }
    return report
