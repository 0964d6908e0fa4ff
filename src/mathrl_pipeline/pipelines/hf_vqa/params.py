"""Typed parameters of the `hf_vqa` pipeline (`conf/base/parameters_hf_vqa.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mathrl_pipeline.tasks.params import StrictParams

_Strict = StrictParams


class ColumnParams(_Strict):
    """Column names in the source; null keeps the preset's."""

    image: str | None = None
    question: str | None = None
    answer: str | None = None
    choices: str | None = None
    id: str | None = None


class EmbeddedParams(_Strict):
    """The embedded default: CLEVR-style counting on synthetic scenes (R1-V's schema)."""

    count: int = Field(120, ge=1)
    seed: int = 2
    malformed_rows: int = Field(0, ge=0)


class SplitParams(_Strict):
    """Seeded train/test split."""

    test_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    seed: int = 42
    max_test: int | None = None


class HfVqaParams(_Strict):
    """All parameters of the `hf_vqa` pipeline."""

    preset: Literal["multimodal_open_r1", "clevr_cogen", "geoqa_r1v"] | None = "clevr_cogen"
    source: str | None = "embedded"
    hf_split: str | None = None
    revision: str | None = None
    config_name: str | None = None
    limit: int | None = Field(None, ge=0)
    image_root: str | None = None
    columns: ColumnParams = ColumnParams()
    answer_type: Literal["math", "number", "multiple_choice", "text", "latex"] | None = None
    answer_pattern: str | None = None
    embedded: EmbeddedParams = EmbeddedParams()
    prompt_style: Literal["instruct", "base", "direct"] = "instruct"
    split: SplitParams = SplitParams()
