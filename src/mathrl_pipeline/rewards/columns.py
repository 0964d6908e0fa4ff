"""TRL's dataset columns (keyword arguments of a reward call) as per-completion lists."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger(__name__)


def column(kwargs: dict[str, Any], name: str, n: int, default: Any = None) -> list[Any]:
    """Column ``name`` from TRL's keyword arguments as a list of length ``n``.

    Missing column -> ``[default] * n``; a scalar is broadcast.
    """
    value = kwargs.get(name)
    if value is None:
        return [default] * n
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Sequence):
        return [value] * n
    values = list(value)
    if len(values) != n:
        raise ValueError(f"column {name!r} has {len(values)} rows for {n} completions")
    return values
