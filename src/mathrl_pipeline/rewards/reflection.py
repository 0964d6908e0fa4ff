"""Self-reflection markers ("aha moment" metrics). Metrics for plots, not rewards."""

from __future__ import annotations

import re
from typing import Any

from mathrl_pipeline.contract import completion_text

REFLECTION_MARKERS: tuple[str, ...] = (
    "wait",
    "aha",
    "hmm",
    "let me check",
    "let me verify",
    "let me re-check",
    "let me recheck",
    "let me reconsider",
    "let me think again",
    "re-examine",
    "reexamine",
    "re-evaluate",
    "reconsider",
    "verify",
    "double-check",
    "take another look",
    "on second thought",
    "i made a mistake",
    "that's not right",
    "alternatively",
)
MAX_SCAN_CHARS = 200_000


def _marker_pattern(marker: str) -> str:
    body = r"[\s\-]+".join(re.escape(part) for part in re.split(r"[\s\-]+", marker))
    return rf"(?<![A-Za-z]){body}(?![A-Za-z])"


_PATTERNS = {m: re.compile(_marker_pattern(m), re.IGNORECASE) for m in REFLECTION_MARKERS}


def count_reflection_markers(text: str) -> dict[str, int]:
    """Occurrences of each marker in :data:`REFLECTION_MARKERS` (case-insensitive, whole
    words; "verify" does not count "verifying"... but "verify," does)."""
    if not isinstance(text, str):
        text = completion_text(text)
    text = text[:MAX_SCAN_CHARS].replace("\u2019", "'")
    return {m: len(p.findall(text)) for m, p in _PATTERNS.items()}


def reflection_count(text: str) -> int:
    """Total number of reflection markers in ``text``."""
    return sum(count_reflection_markers(text).values())


def reflection_rate(completions: list[Any]) -> float:
    """Fraction of completions with at least one reflection marker (0.0 for an empty list)."""
    if not completions:
        return 0.0
    hits = sum(1 for c in completions if reflection_count(completion_text(c)) > 0)
    return hits / len(completions)


def reflection_metrics(completions: list[Any]) -> dict[str, float]:
    """Batch summary: ``reflection_rate``, ``reflection_mean`` and per-marker means."""
    n = len(completions)
    totals = dict.fromkeys(REFLECTION_MARKERS, 0)
    any_hit = 0
    for c in completions:
        counts = count_reflection_markers(completion_text(c))
        any_hit += any(counts.values())
        for k, v in counts.items():
            totals[k] += v
    out = {
        "reflection_rate": any_hit / n if n else 0.0,
        "reflection_mean": sum(totals.values()) / n if n else 0.0,
    }
    out.update({f"reflection/{k}": v / n if n else 0.0 for k, v in totals.items()})
    return out
