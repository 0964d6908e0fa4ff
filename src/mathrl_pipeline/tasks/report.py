"""A task stage's counts for the run report: source, rows loaded, kept per split, rejects."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

IMAGE_MODE = "source_image_mode"  # the mode each kept row's image(s) had in the source


def image_modes(splits: dict[str, pd.DataFrame]) -> dict[str, int]:
    """How many kept images came in each mode (all are RGB in the splits)."""
    counts: Counter[str] = Counter()
    for frame in splits.values():
        if IMAGE_MODE in frame.columns:
            for modes in frame[IMAGE_MODE].dropna():
                counts.update(str(modes).split(","))
    return dict(sorted(counts.items()))


def split_report(
    task: str,
    *,
    loaded: int,
    splits: dict[str, pd.DataFrame],
    rejects: pd.DataFrame,
    by: str | None = None,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Counts: where the rows came from, rows loaded, kept per split (and per value of ``by``),
    rejects per stage/reason, and the source image modes converted to RGB."""
    report: dict[str, Any] = {
        "task": task,
        "source": source or {},
        "rows_loaded": int(loaded),
        "rows_kept": {name: len(frame) for name, frame in splits.items()},
        "rejects": {
            f"{stage}/{reason}": int(count)
            for (stage, reason), count in Counter(
                zip(rejects["stage"], rejects["reason"], strict=True)
            ).items()
        },
    }
    modes = image_modes(splits)
    if modes:
        report["image_modes"] = modes
        report["images_converted_to_rgb"] = sum(n for mode, n in modes.items() if mode != "RGB")
    if by:
        report[f"by_{by}"] = {
            name: {str(k): int(v) for k, v in frame[by].value_counts().sort_index().items()}
            for name, frame in splits.items()
            if by in frame.columns
        }
    return report
