"""Items in, results out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["text", "display"]
Stage = Literal["sanitize", "latex", "rasterize", "pixel_budget"]


@dataclass(frozen=True)
class RenderItem:
    """One thing to render.

    "text": prose mixing LaTeX (a question). "display": a bare formula set as display
    math (LaTeX-OCR). mode None means RenderConfig.mode_default.
    """

    id: str
    text: str
    mode: Mode | None = "text"


@dataclass(frozen=True)
class RenderResult:
    """Outcome for one item: a PNG, or a reject with its reason and failing stage."""

    id: str
    ok: bool
    png: bytes | None = None
    width: int = 0
    height: int = 0
    reason: str | None = None
    repairs: tuple[str, ...] = field(default_factory=tuple)
    stage: Stage | None = None


def reject(item_id: str, stage: Stage, reason: str, repairs: tuple[str, ...] = ()) -> RenderResult:
    """A failed result."""
    return RenderResult(id=item_id, ok=False, reason=reason, repairs=repairs, stage=stage)
