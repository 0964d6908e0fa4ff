"""Typed parameters of the `cvbench` pipeline (`conf/base/parameters_cvbench.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mathrl_pipeline.tasks.params import SourceParams, StrictParams

_Strict = StrictParams


class EmbeddedParams(_Strict):
    """The embedded default: synthetic scenes in CV-Bench's schema."""

    count: int = Field(120, ge=1)
    seed: int = 1
    malformed_rows: int = Field(0, ge=0)


class CvBenchParams(SourceParams):
    """All parameters of the `cvbench` pipeline (evaluation only: one `cvbench_test` split)."""

    hf_split: str = "test"
    embedded: EmbeddedParams = EmbeddedParams()
    prompt_style: Literal["base", "instruct", "direct"] = "base"
