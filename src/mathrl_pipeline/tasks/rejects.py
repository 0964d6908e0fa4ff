"""The rejects table: every row a stage refuses, with its reason, never dropped silently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

REJECT_COLUMNS = ["row_id", "stage", "reason", "detail"]

# Reject reasons shared by the tasks (docs/tasks.md lists them all).
MISSING_IMAGE = "missing_image"
UNDECODABLE_IMAGE = "undecodable_image"
MULTI_IMAGE = "multi_image_skipped"
EMPTY_QUESTION = "empty_question"
MISSING_ANSWER = "missing_answer"
EMPTY_CHOICES = "empty_choices"
DUPLICATE_CHOICES = "duplicate_choices"
ANSWER_NOT_IN_CHOICES = "answer_not_in_choices"


class RowError(ValueError):
    """A row that a stage refuses: ``reason`` is one of the reject reasons, ``detail`` says more."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


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
