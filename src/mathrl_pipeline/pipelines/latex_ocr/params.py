"""Typed parameters of the `latex_ocr` pipeline (`conf/base/parameters_latex_ocr.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mathrl_pipeline.tasks.params import SourceParams, StrictParams

_Strict = StrictParams


class EmbeddedParams(_Strict):
    """The embedded default: im2latex-style formulas built by sympy."""

    count: int = Field(60, ge=1)
    seed: int = 3
    malformed_rows: int = Field(0, ge=0)


class ColumnParams(_Strict):
    """Where the formula (and an optional id) live in the source."""

    formula: str = "formula"
    id: str | None = None


class RenderParams(_Strict):
    """Renderer settings (display formulas)."""

    workdir: str
    dpi: int = Field(200, ge=50, le=1200)
    max_width: int = Field(750, ge=32)
    padding: int = Field(8, ge=0)
    min_pixels: int = Field(3136, ge=1)
    max_pixels: int = Field(1003520, ge=1)
    batch_size: int = Field(64, ge=1)
    workers: int = Field(2, ge=1)
    timeout_s: float = Field(60.0, gt=0)
    max_chars: int = Field(4000, ge=1)


class SplitParams(_Strict):
    """Seeded train/test split."""

    test_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    seed: int = 42
    max_test: int | None = None


class LatexOcrParams(SourceParams):
    """All parameters of the `latex_ocr` pipeline."""

    embedded: EmbeddedParams = EmbeddedParams()
    columns: ColumnParams = ColumnParams()
    render: RenderParams
    prompt_style: Literal["instruct", "base", "direct"] = "instruct"
    split: SplitParams = SplitParams()
