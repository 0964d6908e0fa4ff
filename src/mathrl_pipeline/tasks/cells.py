"""Source cells as plain Python values: missing values, lists, strings (no pandas quirks)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np


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


def optional_float(value: Any) -> float | None:
    """A number cell as a float, None when missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number
