"""Typed parameters of the `evaluate` pipeline (`conf/base/parameters_evaluate.yml`).

``evaluate.greedy`` and ``evaluate.sampled`` are the library's own
:class:`~mathrl_pipeline.evaluation.generation.DecodeSettings`. A block given in YAML states only
what differs from the field's default decode (it is merged over it); ``null`` switches that
decoding off (no greedy metrics, or no samples and no pass@k).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from mathrl_pipeline.evaluation.generation import DecodeSettings
from mathrl_pipeline.evaluation.scorers import TASK_SCORERS, scorer_names
from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.rewards.extract import ExtractMode

PromptStyleChoice = Literal["keep", "instruct", "base", "direct"]


class EvaluateParams(StrictParams):
    """How a model is evaluated on a test split."""

    model_source: str | None = None  # Hub id or path; overrides the catalog model when set
    backend: Literal["hf", "vllm"] = "hf"
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "float32"
    batch_size: int = Field(8, ge=1)  # prompts per generate call (left-padded)
    limit: int | None = Field(None, ge=1)  # first N rows of the split
    styles: list[PromptStyleChoice] = Field(default_factory=lambda: ["keep", "direct"])
    # greedy decoding: accuracy, format, length, truncation and reflection metrics
    greedy: DecodeSettings | None = DecodeSettings()
    # num_samples sampled responses per prompt: pass@k (unbiased estimator)
    sampled: DecodeSettings | None = DecodeSettings(do_sample=True, num_samples=4)
    pass_k: list[int] = Field(default_factory=lambda: [1, 2, 4])
    breakdown_by: list[str] = Field(default_factory=lambda: ["difficulty", "topic", "task"])
    extract_mode: ExtractMode = "auto"
    latex_sympy: bool = True  # sympy equivalence rate of the latex_ocr scorer
    # task -> benchmark scorer (evaluation.scorers.SCORERS); other tasks: accuracy
    scorers: dict[str, str] = Field(default_factory=lambda: dict(TASK_SCORERS))
    labels: dict[Literal["base", "trained"], str] = Field(
        default_factory=lambda: {"base": "base", "trained": "trained"}
    )  # model labels of the comparison table

    @field_validator("greedy", "sampled", mode="before")
    @classmethod
    def _over_default(cls, value: Any, info: ValidationInfo) -> Any:
        """A mapping is merged over the field's default decode."""
        if isinstance(value, Mapping):
            default = cls.model_fields[info.field_name].default
            return {**default.model_dump(), **value}
        return value

    @field_validator("scorers")
    @classmethod
    def _known_scorers(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted({name for name in value.values() if name not in scorer_names()})
        if unknown:
            raise ValueError(
                f"evaluate.scorers names unknown scorers {unknown}; "
                f"valid: {', '.join(scorer_names())}"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> EvaluateParams:
        if not self.styles:
            raise ValueError("evaluate.styles is empty: give at least one prompt style")
        if self.greedy is None and self.sampled is None:
            raise ValueError("evaluate: enable evaluate.greedy or evaluate.sampled (both null)")
        if self.greedy is not None and (self.greedy.do_sample or self.greedy.num_samples != 1):
            raise ValueError("evaluate.greedy: greedy decoding has do_sample false, num_samples 1")
        if self.sampled is not None and not self.sampled.do_sample:
            raise ValueError("evaluate.sampled: sampling needs do_sample true")
        if self.sampled is not None and any(k > self.sampled.num_samples for k in self.pass_k):
            raise ValueError(
                f"evaluate.pass_k {self.pass_k} has k above evaluate.sampled.num_samples "
                f"({self.sampled.num_samples})"
            )
        return self
