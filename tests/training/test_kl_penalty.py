"""The KL term pulls the policy back towards the reference model (a wrong sign pushes it away).

Two short GRPO runs of the tiny model from the same start, the same data and the same shaping
reward (which moves the policy), differing only in ``beta``: with the k3 KL penalty the sampled
KL to the reference must end far below the run whose penalty is negligible.
`make check-learning-test` runs this with the KL sign flipped (tests/mutations/grpo_sabotage.py)
and requires it to fail.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.runner import run_grpo
from tests.training.digits import digit_frame


def _kl_run(tmp_path: Path, model_dir: Path, beta: float) -> pd.DataFrame:
    params = TrainParams.model_validate(
        {
            "run_name": "test",
            "output_dir": str(tmp_path / f"beta{beta}"),
            # shaping only: shorter completions earn more, so the policy moves off the reference
            "rewards": [
                {"name": "length_penalty", "kwargs": {"limit": 0, "slope": 0.05, "unit": "chars"}}
            ],
            "num_generations": 4,
            "per_device_train_batch_size": 8,
            "max_steps": 16,
            "max_completion_length": 12,
            "save_steps": 100,
            "learning_rate": 1e-2,
            "beta": beta,
            "seed": 0,
        }
    )
    return run_grpo(params, digit_frame(8), model_dir).metrics


def test_kl_penalty_keeps_the_policy_near_the_reference(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    free = _kl_run(tmp_path, tiny_model_dir, beta=1e-6)["kl"].tail(6).mean()
    held = _kl_run(tmp_path, tiny_model_dir, beta=1.0)["kl"].tail(6).mean()
    assert free > 0.05, f"the shaping reward did not move the policy (KL {free:.4f})"
    assert held < 0.5 * free, f"KL with beta=1: {held:.4f}, with beta=1e-6: {free:.4f}"
