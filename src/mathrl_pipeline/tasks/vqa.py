"""Shared pieces of the image-question tasks (sat, cvbench, hf_vqa, latex_ocr).

Cell normalisation (image lists, string lists), image checks with reject reasons, the columns of
the GRPO dataset contract (docs/dataset_contract.md) and a small report. Plain Python.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from mathrl_pipeline.tasks.images import ImageDecodeError, decode_image, image_cell, to_png_bytes

CONTRACT_COLUMNS: tuple[str, ...] = (
    "id",
    "task",
    "prompt",
    "image",
    "solution",
    "answer_type",
    "question",
    "difficulty",
    "topic",
    "choices",
)
ANSWER_TYPES: tuple[str, ...] = ("math", "number", "multiple_choice", "text", "latex")

# Reject reasons shared by the image-question tasks.
MISSING_IMAGE = "missing_image"
UNDECODABLE_IMAGE = "undecodable_image"
MULTI_IMAGE = "multi_image_skipped"
EMPTY_QUESTION = "empty_question"
MISSING_ANSWER = "missing_answer"
EMPTY_CHOICES = "empty_choices"
DUPLICATE_CHOICES = "duplicate_choices"
ANSWER_NOT_IN_CHOICES = "answer_not_in_choices"

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class RowError(ValueError):
    """A row that a stage refuses: ``reason`` is one of the reject reasons, ``detail`` says more."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def is_missing(value: Any) -> bool:
    """None, NaN, or an empty string / bytes / list."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, str | bytes | bytearray | list | tuple | np.ndarray):
        return len(value) == 0
    return False


def as_list(value: Any) -> list[Any]:
    """A cell holding one item or a sequence of items, as a list (None -> [])."""
    if is_missing(value):
        return []
    if isinstance(value, np.ndarray | list | tuple):
        return list(value)
    return [value]


def as_str_list(value: Any) -> list[str]:
    """Choices as a list of strings; accepts lists, arrays and JSON-encoded lists."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                decoded = json.loads(text)
            except json.JSONDecodeError:
                decoded = [part.strip() for part in text.strip("[]").split(",")]
            return [str(item).strip() for item in decoded if str(item).strip()]
        return [text] if text else []
    return [str(item).strip() for item in as_list(value)]


def text_of(value: Any) -> str:
    """A text cell as a stripped string ('' when missing)."""
    return "" if is_missing(value) else str(value).strip()


def image_bytes_of(value: Any) -> bytes | None:
    """The raw bytes of an image cell (bytes, ``{"bytes": ...}``), None when absent."""
    if isinstance(value, dict):
        value = value.get("bytes")
    if is_missing(value):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return None


def checked_png(value: Any) -> bytes:
    """Verify an image cell decodes and return PNG bytes (PNG input is kept as is).

    Raises :class:`RowError` with ``missing_image`` or ``undecodable_image``.
    """
    from PIL import Image

    if isinstance(value, Image.Image):
        return to_png_bytes(value)
    data = image_bytes_of(value)
    if data is None:
        raise RowError(MISSING_IMAGE, "no image bytes")
    try:
        image = decode_image(data)
    except ImageDecodeError as exc:
        raise RowError(UNDECODABLE_IMAGE, str(exc)[:200]) from exc
    return data if data.startswith(_PNG_MAGIC) else to_png_bytes(image)


def png_cell(value: Any) -> dict[str, Any]:
    """The contract's ``image`` cell for a checked image."""
    return image_cell(checked_png(value))


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


def contract_frame(rows: list[dict[str, Any]], extra_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Rows as a DataFrame with the contract's columns first, then ``extra_columns``."""
    columns = [*CONTRACT_COLUMNS, *[c for c in extra_columns if c not in CONTRACT_COLUMNS]]
    frame = pd.DataFrame(rows, columns=columns)
    frame["difficulty"] = pd.to_numeric(frame["difficulty"], errors="coerce").astype("float64")
    return frame


def split_report(
    task: str,
    *,
    loaded: int,
    splits: dict[str, pd.DataFrame],
    rejects: pd.DataFrame,
    by: str | None = None,
) -> dict[str, Any]:
    """Counts for the run report: rows loaded, kept per split, rejects per stage and reason."""
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


EMBEDDED = "embedded"


def resolve_source(
    generated: pd.DataFrame,
    source: str,
    *,
    split: str,
    revision: str | None,
    limit: int | None,
    name: str | None = None,
    param_name: str = "source",
) -> pd.DataFrame:
    """The embedded default's frame when ``source == "embedded"``, else the loaded source.

    Adds ``source_row`` (the row's position in the source) so that ids stay stable.
    """
    from mathrl_pipeline.tasks.ingest import load_source

    if source == EMBEDDED:
        frame = generated if limit is None else generated.head(limit)
    else:
        frame = load_source(source, split=split, revision=revision, limit=limit, name=name,
                            param_name=param_name)
    return frame.reset_index(drop=True).assign(source_row=range(len(frame)))
