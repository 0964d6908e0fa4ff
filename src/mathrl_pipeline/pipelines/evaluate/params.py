"""Typed parameters of the `evaluate` pipeline (`conf/base/parameters_evaluate.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mathrl_pipeline.params import StrictParams

PromptStyleChoice = Literal["keep", "instruct", "base", "direct"]


_Strict = StrictParams


class GreedyParams(_Strict):
    """Greedy decoding: accuracy, format, length, truncation and reflection metrics."""

    enabled: bool = True
    max_new_tokens: int = Field(256, ge=1)


class SampledParams(_Strict):
    """Sampling with ``num_samples`` responses per prompt: pass@k."""

    enabled: bool = True
    num_samples: int = Field(4, ge=1)
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    top_k: int | None = None
    max_new_tokens: int = Field(256, ge=1)
    seed: int = 0


class EvaluateParams(_Strict):
    """How a model is evaluated on a test split."""

    model_source: str | None = None  # Hub id or path; overrides the catalog model when set
    backend: Literal["hf", "vllm"] = "hf"
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "float32"
    batch_size: int = Field(8, ge=1)
    limit: int | None = Field(None, ge=1)  # first N rows of the split
    styles: list[PromptStyleChoice] = Field(default_factory=lambda: ["keep", "direct"])
    greedy: GreedyParams = Field(default_factory=GreedyParams)
    sampled: SampledParams = Field(default_factory=SampledParams)
    pass_k: list[int] = Field(default_factory=lambda: [1, 2, 4])
    breakdown_by: list[str] = Field(default_factory=lambda: ["difficulty", "topic", "task"])
    extract_mode: str = "auto"
    latex_sympy: bool = True
    labels: dict[str, str] = Field(
        default_factory=lambda: {"base": "base", "trained": "trained"}
    )  # model labels of the comparison table

    @model_validator(mode="after")
    def _check(self) -> EvaluateParams:
        if not self.styles:
            raise ValueError("evaluate.styles is empty: give at least one prompt style")
        if not (self.greedy.enabled or self.sampled.enabled):
            raise ValueError("evaluate: enable evaluate.greedy or evaluate.sampled")
        if self.sampled.enabled and any(k > self.sampled.num_samples for k in self.pass_k):
            raise ValueError(
                f"evaluate.pass_k {self.pass_k} has k above evaluate.sampled.num_samples "
                f"({self.sampled.num_samples})"
            )
        return self
