"""Rewards by name, with weights and keyword arguments, from the training parameters."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mathrl_pipeline.rewards.accuracy import AccuracyReward
from mathrl_pipeline.rewards.choice import ChoiceAccuracyReward
from mathrl_pipeline.rewards.format import LatexFormatReward, R1FormatReward, TagCountReward
from mathrl_pipeline.rewards.length import (
    LatexLengthReward,
    LengthPenalty,
    RepetitionPenalty,
    SoftOverlongPenalty,
)
from mathrl_pipeline.rewards.math_accuracy import MathAccuracyReward
from mathrl_pipeline.rewards.ocr import OCRReward
from mathrl_pipeline.rewards.sandbox import SandboxSettings, configure, start

logger = logging.getLogger(__name__)

RewardFunc = Callable[..., list[float | None]]


def _ocr(mode: str) -> Callable[..., OCRReward]:
    def make(**kwargs: Any) -> OCRReward:
        return OCRReward(mode=mode, **kwargs)

    return make


REWARDS: dict[str, Callable[..., RewardFunc]] = {
    "format": R1FormatReward,
    "format_partial": TagCountReward,
    "latex_format": LatexFormatReward,
    "accuracy": AccuracyReward,
    "math_accuracy": MathAccuracyReward,
    "choice_accuracy": ChoiceAccuracyReward,
    "ocr_exact": _ocr("exact"),
    "ocr_normalized": _ocr("normalized"),
    "ocr_sympy": _ocr("sympy"),
    "ocr_edit": _ocr("edit"),
    "length_penalty": LengthPenalty,
    "latex_length": LatexLengthReward,
    "soft_overlong": SoftOverlongPenalty,
    "repetition_penalty": RepetitionPenalty,
}


def reward_names() -> list[str]:
    """Valid reward names, sorted."""
    return sorted(REWARDS)


def get_reward(name: str, **kwargs: Any) -> RewardFunc:
    """A configured, picklable reward function; ``__name__`` is the registry name."""
    try:
        factory = REWARDS[name]
    except KeyError:
        raise ValueError(
            f"unknown reward {name!r}; valid rewards: {', '.join(reward_names())}"
        ) from None
    func = factory(**kwargs)
    func.__name__ = name
    return func


def build_rewards(
    specs: Sequence[Mapping[str, Any] | str],
) -> tuple[list[RewardFunc], list[float]]:
    """``[{"name": ..., "weight": 1.0, "kwargs": {...}}, ...]`` -> (functions, weights).

    A bare string means weight 1.0 and no kwargs. Duplicated names are rejected (TRL logs by
    ``__name__``).
    """
    funcs: list[RewardFunc] = []
    weights: list[float] = []
    seen: set[str] = set()
    for raw_spec in specs:
        spec: Mapping[str, Any] = {"name": raw_spec} if isinstance(raw_spec, str) else raw_spec
        unknown = set(spec) - {"name", "weight", "kwargs"}
        if unknown:
            raise ValueError(f"reward spec {dict(spec)!r} has unknown keys {sorted(unknown)}")
        if "name" not in spec:
            raise ValueError(f"reward spec {dict(spec)!r} has no 'name'")
        name = spec["name"]
        if name in seen:
            raise ValueError(f"reward {name!r} listed twice")
        seen.add(name)
        funcs.append(get_reward(name, **dict(spec.get("kwargs") or {})))
        weights.append(float(spec.get("weight", 1.0)))
    return funcs, weights


def uses_sandbox(specs: Sequence[Mapping[str, Any] | str]) -> bool:
    """Whether a reward of ``specs`` (as :func:`build_rewards` takes them) runs work in the reward
    sandbox's worker processes (its ``uses_sandbox`` attribute: Math-Verify, sympy)."""
    funcs, _ = build_rewards(specs)
    return any(getattr(func, "uses_sandbox", False) for func in funcs)


def start_sandbox_for(specs: Sequence[Mapping[str, Any] | str],
                      settings: SandboxSettings) -> bool:
    """Apply ``settings`` to this process; start the sandbox's workers (and wait until they are
    ready) only when a reward of ``specs`` uses them, so that runs without one do not spend
    the workers' start-up (Math-Verify and sympy imports, seconds of CPU each). Returns whether
    the workers were started."""
    if uses_sandbox(specs):
        start(settings)
        return True
    configure(settings)
    return False
