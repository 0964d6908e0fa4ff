"""Typed parameters of the `cvbench` pipeline (`conf/base/parameters_cvbench.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddedParams(_Strict):
    """The embedded default: synthetic scenes in CV-Bench's schema."""

    count: int = Field(120, ge=1)
    seed: int = 1
    malformed_rows: int = Field(0, ge=0)


class CvBenchParams(_Strict):
    """All parameters of the `cvbench` pipeline (evaluation only: one `cvbench_test` split)."""

    source: str = "embedded"
    hf_split: str = "test"
    revision: str | None = None
    config_name: str | None = None
    limit: int | None = Field(None, ge=0)
    embedded: EmbeddedParams = EmbeddedParams()
    prompt_style: Literal["base", "instruct", "direct"] = "base"
