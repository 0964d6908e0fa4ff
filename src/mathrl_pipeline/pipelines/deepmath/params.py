"""Typed parameters of the `deepmath` pipeline (`conf/base/parameters_deepmath.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mathrl_pipeline.tasks.params import SourceParams, StrictParams

_Strict = StrictParams


class EmbeddedParams(_Strict):
    """The offline generator used when ``source`` is ``embedded``."""

    count: int = Field(240, ge=1)
    seed: int = 0
    kinds: list[str] | None = None


class ColumnParams(_Strict):
    """Names of the source columns (DeepMath-103K's by default)."""

    question: str = "question"
    answer: str = "final_answer"
    difficulty: str | None = "difficulty"
    topic: str | None = "topic"
    id: str | None = None


class FilterParams(_Strict):
    """Which valid rows to keep; the others go to the rejects with stage `filter`."""

    min_difficulty: float | None = None
    max_difficulty: float | None = None
    topics: list[str] | None = None
    answer_kinds: list[str] | None = None
    max_question_chars: int = Field(4000, ge=1)

    @model_validator(mode="after")
    def _range(self) -> FilterParams:
        if (
            self.min_difficulty is not None
            and self.max_difficulty is not None
            and self.min_difficulty > self.max_difficulty
        ):
            raise ValueError("deepmath.filter.min_difficulty is above max_difficulty")
        return self


class RenderParams(_Strict):
    """Image conventions and safety limits of the renderer."""

    workdir: str
    dpi: int = Field(150, ge=36, le=1200)
    max_width: int = Field(750, ge=32)
    padding: int = Field(12, ge=0)
    font_size_pt: int = 12
    background: str = "white"
    min_pixels: int = Field(3136, ge=1)
    max_pixels: int = Field(1003520, ge=1)
    batch_size: int = Field(64, ge=1)
    workers: int = Field(2, ge=1)
    timeout_s: float = Field(60.0, gt=0)
    max_chars: int = Field(8000, ge=1)


class PromptParams(_Strict):
    """Which R1-Zero template builds the prompt column."""

    style: Literal["instruct", "base", "direct"] = "instruct"
    instruction: str = (
        "Solve the math problem shown in the image. Output the thinking process in "
        "<think> </think> and the final answer in <answer> </answer> tags."
    )
    system_prompt: str | None = None
    image_placeholder: str = "<|vision_start|><|image_pad|><|vision_end|>"


class SplitParams(_Strict):
    """Seeded train/test split."""

    test_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    seed: int = 42
    max_test: int | None = None
    stratify_by: str | None = None


class DeepMathParams(SourceParams):
    """All parameters of the `deepmath` pipeline."""

    embedded: EmbeddedParams = EmbeddedParams()
    columns: ColumnParams = ColumnParams()
    filter: FilterParams = FilterParams()
    render: RenderParams
    prompt: PromptParams = PromptParams()
    split: SplitParams = SplitParams()
