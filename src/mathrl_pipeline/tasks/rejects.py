"""The rejects table: every row a stage refuses, with its reason, never dropped silently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

REJECT_COLUMNS = ["row_id", "stage", "reason", "detail"]


@dataclass(frozen=True)
class Reject:
    """One refused row: its id, the stage that refused it and why."""

    row_id: str
    stage: str
    reason: str
    detail: str = ""


def rejects_frame(rejects: Iterable[Reject]) -> pd.DataFrame:
    """A DataFrame with the standard reject columns (empty but typed when there are none)."""
    rows = [asdict(r) for r in rejects]
    return pd.DataFrame(rows, columns=REJECT_COLUMNS).astype("string")


def concat_rejects(*frames: pd.DataFrame) -> pd.DataFrame:
    """Concatenate rejects tables from several stages."""
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return rejects_frame([])
    return pd.concat(non_empty, ignore_index=True)[REJECT_COLUMNS].astype("string")
