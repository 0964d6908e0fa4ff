"""Self-reflection markers ("aha moment" metrics). Metrics for plots, not rewards."""

from __future__ import annotations

import re

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
    # VisualThinker-R1-Zero's keywords (its issue #12): aha, check, possibl(e|y), verify, wait, yet
    "check",
    "possible",
    "possibly",
    "yet",
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
