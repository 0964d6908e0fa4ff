"""Bad configuration fails before the first step, with a message naming the parameter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.runner import run_grpo
from tests.training.digits import digit_frame


def _params(tmp_path: Path, **overrides: Any) -> TrainParams:
    base = {
        "run_name": "test",
        "output_dir": str(tmp_path / "run"),
        "rewards": [{"name": "accuracy"}],
        "num_generations": 4,
        "per_device_train_batch_size": 8,
        "max_steps": 1,
        "max_completion_length": 8,
    }
    return TrainParams.model_validate({**base, **overrides})


CASES = {
    "generations-vs-batch": ({"num_generations": 3}, {}, None, r"train\.num_generations"),
    "generations-vs-accumulation": (
        {"gradient_accumulation_steps": 3, "per_device_train_batch_size": 2},
        {},
        None,
        r"train\.num_generations",
    ),
    "no-solution": ({}, {}, "solution", r"missing column.*solution"),
    "pixel-budget": (
        {"model": {"max_pixels": 56 * 56}},
        {"sizes": [(112, 112)] * 8},
        None,
        r"train\.model\.max_pixels",
    ),
    "prompt-length": ({"max_prompt_length": 16}, {}, None, r"train\.max_prompt_length"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fails_before_the_first_step(tiny_model_dir: Path, tmp_path: Path, case: str) -> None:
    overrides, frame_kwargs, drop, message = CASES[case]
    frame = digit_frame(8, **frame_kwargs)
    if drop:
        frame = frame.drop(columns=[drop])
    with pytest.raises(ValueError, match=message):
        run_grpo(_params(tmp_path, **overrides), frame, tiny_model_dir)
    assert not (tmp_path / "run").exists()  # no step, no checkpoint, no metrics


def test_parameter_types_are_checked() -> None:
    with pytest.raises(ValidationError, match="num_generations"):
        TrainParams.model_validate({"num_generations": 1})
    with pytest.raises(ValidationError, match="no_such_knob"):
        TrainParams.model_validate({"no_such_knob": 1})
    # an unknown reward name fails with the parameters, before any node (named by its path)
    rewards = [{"name": "accuracy"}, {"name": "no_such_reward"}]
    with pytest.raises(ValidationError, match=r"(?s)rewards\.1\.name.*unknown reward "
                                              r"'no_such_reward'; valid rewards: accuracy"):
        TrainParams.model_validate({"run_name": "t", "output_dir": "o", "rewards": rewards})
