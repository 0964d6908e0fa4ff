r"""Render text that mixes prose and LaTeX, or bare formulas, to PNG (no Kedro, no torch).

    from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items
    results = render_items([RenderItem("q1", r"Find \(x\) with \[x^2=2\]")], RenderConfig(), tmp)

See docs/rendering.md.
"""

from .api import prepare, render_items, render_stats
from .config import RenderConfig
from .document import PREAMBLE_PACKAGES, preamble
from .model import RenderItem, RenderResult

__all__ = [
    "PREAMBLE_PACKAGES",
    "RenderConfig",
    "RenderItem",
    "RenderResult",
    "preamble",
    "prepare",
    "render_items",
    "render_stats",
]
