"""Typed parameters of the `arith` pipeline (`conf/base/parameters_arith.yml`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mathrl_pipeline.tasks.params import StrictParams

# The R1 system prompt, condensed: the same instruction in a quarter of the tokens, so that the
# miniature run spends its CPU time on the model's answers rather than on the prompt.
MINI_R1_SYSTEM_PROMPT = (
    "Think about the question inside <think> </think>, then give the final answer inside "
    "<answer> </answer>."
)


_Strict = StrictParams


class CanvasParams(_Strict):
    """The fixed image size every render is placed on (multiples of 28 suit Qwen2.5-VL)."""

    width: int = Field(224, ge=28)
    height: int = Field(56, ge=28)
    jitter: int = Field(4, ge=0)
    background: int = Field(122, ge=0, le=255)


class ArithRenderParams(_Strict):
    """Renderer settings; font sizes vary per render to vary the images."""

    workdir: str
    dpi: int = Field(440, ge=36, le=600)
    font_sizes: list[int] = [10, 11, 12]
    timeout_s: float = Field(30.0, gt=0)
    workers: int = Field(1, ge=1)


class MixParams(_Strict):
    """The base model's pre-training completions (see `tasks.arith.CompletionMix`)."""

    p_correct: float = 0.5
    p_r1_format: float = 0.3
    p_answer_tags: float = 0.15
    p_prose: float = 0.3


class PretrainCorpusParams(_Strict):
    """How many pre-training renders per problem, and their completions.

    Besides the noisy answers to the task prompt, the corpus holds, like real pre-training data,
    clean captions of each image (``transcribe_instruction`` -> ``a + b``) and clean arithmetic
    facts (``compute_instruction`` -> ``a plus b is v.``), each under its own prompt.
    """

    renders_per_problem: int = Field(6, ge=1)
    mix: MixParams = MixParams()
    transcribe_instruction: str | None = "Transcribe the expression in the image."
    compute_instruction: str | None = "Compute the expression in the image."


class ArithPromptParams(_Strict):
    """Template and instruction of the prompt column."""

    style: Literal["instruct", "base", "direct"] = "instruct"
    system_prompt: str = MINI_R1_SYSTEM_PROMPT
    instruction: str = (
        "What is the value of the expression in the image?"
    )


class ArithSplitParams(_Strict):
    """Held-out split by problem: a test problem is never seen by GRPO in any render."""

    test_fraction: float = Field(0.25, gt=0.0, lt=1.0)
    seed: int = 0


class ArithParams(_Strict):
    """All parameters of the `arith` pipeline."""

    max_operand: int = Field(9, ge=1, le=99)
    ops: list[str] = ["+", "-"]
    renders_per_problem: int = Field(2, ge=1)
    seed: int = 0
    canvas: CanvasParams = CanvasParams()
    render: ArithRenderParams
    prompt: ArithPromptParams = ArithPromptParams()
    split: ArithSplitParams = ArithSplitParams()
    pretrain: PretrainCorpusParams = PretrainCorpusParams()
