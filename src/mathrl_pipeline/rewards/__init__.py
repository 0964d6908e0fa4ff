"""Rule-based rewards for R1-Zero-style GRPO (TRL contract), plain Python.

Every reward is ``f(completions, **columns) -> list[float | None]`` (``None`` = skip the row:
its gold is unparseable), picklable, with a ``__name__``. Sympy / Math-Verify work runs in the
:mod:`.sandbox` (killable workers under a deadline). See ``docs/rewards.md``.
"""

from mathrl_pipeline.rewards.accuracy import AccuracyReward
from mathrl_pipeline.rewards.choice import ChoiceAccuracyReward, choice_matches
from mathrl_pipeline.rewards.extract import extract_answer, extract_boxed, strip_math_delimiters
from mathrl_pipeline.rewards.format import (
    LatexFormatReward,
    R1FormatReward,
    TagCountReward,
    latex_format_ok,
    r1_format_ok,
    tag_count_score,
)
from mathrl_pipeline.rewards.length import (
    LatexLengthReward,
    LengthPenalty,
    RepetitionPenalty,
    SoftOverlongPenalty,
    latex_length_score,
    repetition_score,
    soft_overlong_penalty,
)
from mathrl_pipeline.rewards.math_accuracy import MathAccuracyReward, answers_match
from mathrl_pipeline.rewards.normalize import normalize_text_answer
from mathrl_pipeline.rewards.ocr import (
    OCRReward,
    exact_match,
    normalize_latex,
    normalized_match,
    ocr_metrics,
    sympy_match,
    token_edit_distance,
    tokenize_latex,
)
from mathrl_pipeline.rewards.reflection import (
    REFLECTION_MARKERS,
    count_reflection_markers,
)
from mathrl_pipeline.rewards.registry import build_rewards, get_reward, reward_names
from mathrl_pipeline.rewards.sandbox import BoundedTimeout, SandboxSettings, configure

__all__ = [
    "REFLECTION_MARKERS",
    "AccuracyReward",
    "BoundedTimeout",
    "ChoiceAccuracyReward",
    "LatexFormatReward",
    "LatexLengthReward",
    "LengthPenalty",
    "MathAccuracyReward",
    "OCRReward",
    "R1FormatReward",
    "RepetitionPenalty",
    "SandboxSettings",
    "SoftOverlongPenalty",
    "TagCountReward",
    "answers_match",
    "build_rewards",
    "choice_matches",
    "configure",
    "count_reflection_markers",
    "exact_match",
    "extract_answer",
    "extract_boxed",
    "get_reward",
    "latex_format_ok",
    "latex_length_score",
    "normalize_latex",
    "normalize_text_answer",
    "normalized_match",
    "ocr_metrics",
    "r1_format_ok",
    "repetition_score",
    "reward_names",
    "soft_overlong_penalty",
    "strip_math_delimiters",
    "sympy_match",
    "tag_count_score",
    "token_edit_distance",
    "tokenize_latex",
]
