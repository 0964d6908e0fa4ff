"""Typed parameters of the `sat` pipeline (`conf/base/parameters_sat.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from mathrl_pipeline.tasks.params import StrictParams
from mathrl_pipeline.tasks.scenes import QUESTION_TYPES, SINGLE_IMAGE_TYPES

_Strict = StrictParams


class SceneGeneratorParams(_Strict):
    """The embedded default: synthetic scenes written in the SAT parquet schema."""

    count: int = Field(240, ge=1)
    seed: int = 0
    question_types: list[str] = list(SINGLE_IMAGE_TYPES)
    multi_image_fraction: float = Field(0.1, ge=0.0, le=1.0)
    malformed_rows: int = Field(0, ge=0)
    min_objects: int = Field(2, ge=2)
    max_objects: int = Field(5, ge=2, le=8)

    @field_validator("question_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(QUESTION_TYPES))
        if unknown or not value:
            raise ValueError(f"unknown question_types {unknown}; expected {list(QUESTION_TYPES)}")
        return value


class SampleParams(_Strict):
    """Which rows to keep after loading: all, the first N, or a balanced sample by a column."""

    mode: Literal["all", "first", "stratified"] = "all"
    n: int | None = Field(None, ge=0)
    by: str = "question_type"
    seed: int = 0


class SplitParams(_Strict):
    """Seeded train/test split."""

    test_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    seed: int = 42
    max_test: int | None = None
    stratify_by: str | None = "question_type"


class SatParams(_Strict):
    """All parameters of the `sat` pipeline."""

    source: str = "embedded"
    hf_split: str = "train"
    revision: str | None = None
    config_name: str | None = None
    limit: int | None = Field(None, ge=0)
    embedded: SceneGeneratorParams = SceneGeneratorParams()
    sample: SampleParams = SampleParams()
    max_images: int = Field(1, ge=1)
    shuffle_choices: bool = True
    choice_seed: int = 0
    prompt_style: Literal["base", "instruct", "direct"] = "base"
    split: SplitParams = SplitParams()
