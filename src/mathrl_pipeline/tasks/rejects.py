"""The rejects table: every row a stage refuses, with its reason, never dropped silently."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

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
UNPARSEABLE_ANSWER = "unparseable_answer"


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


class NoRowsLeftError(ValueError):
    """A stage that rejected every row of its input: the source and the commonest reasons."""


def check_rows(
    rows: pd.DataFrame,
    check: Callable[[dict[str, Any]], dict[str, Any]],
    row_id: Callable[[dict[str, Any]], str],
    stage: str = "validate",
) -> tuple[list[dict[str, Any]], list[Reject]]:
    """Run ``check`` on every row: its result is kept, a ``RowError`` becomes a reject."""
    keep: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for row in rows.to_dict("records"):
        rid = row_id(row)
        try:
            keep.append({"id": rid, **check(row)})
        except RowError as err:
            rejects.append(Reject(rid, stage, err.reason, err.detail))
    return keep, rejects


def require_rows(stage: str, origin: str, total: int, kept: int,
                 rejects: Iterable[Reject] | pd.DataFrame) -> None:
    """Stop the run when a stage kept none of its ``total`` rows, naming the source and the
    most common reject reasons (a real source that yields nothing is an error, not a split)."""
    if total == 0 or kept > 0:
        return
    if isinstance(rejects, pd.DataFrame):
        reasons = Counter(rejects["reason"].astype(str))
        details = dict(zip(rejects["reason"].astype(str), rejects["detail"].astype(str),
                           strict=True))
    else:
        listed = list(rejects)
        reasons = Counter(r.reason for r in listed)
        details = {r.reason: r.detail for r in listed}
    top = "; ".join(f"{reason} x{count} (e.g. {details.get(reason, '')[:120]!r})"
                    for reason, count in reasons.most_common(3))
    raise NoRowsLeftError(f"{stage}: every one of the {total} rows of {origin} was rejected; "
                          f"most common reasons: {top or 'none recorded'}")
