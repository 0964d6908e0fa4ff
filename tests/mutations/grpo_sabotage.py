"""A pytest plugin that breaks TRL's GRPO step on purpose, to show the learning test notices.

Not collected as tests and never loaded by default. Load it explicitly:

    pytest -p tests.mutations.grpo_sabotage --grpo-sabotage=flip_advantage \
        tests/pipelines/test_grpo_arith.py

Mutations (each patches ``trl.GRPOTrainer`` for the whole pytest process):

* ``flip_advantage``: every advantage is negated before the loss (the policy is pushed away from
  the completions that scored above their group's mean).
* ``shuffle_rewards``: the reward rows are permuted across the completions of the batch before
  advantages are computed (rewards misaligned with the completions that earned them).
* ``flip_kl``: the KL penalty is added with the wrong sign (``beta`` negated after set-up), so it
  pushes the policy away from the reference model.

``make check-learning-test`` runs the learning test under the first two and the KL test under
the third, and requires each to fail.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import pytest

logger = logging.getLogger(__name__)

MUTATIONS = ("flip_advantage", "shuffle_rewards", "flip_kl")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--grpo-sabotage=<mutation>``."""
    parser.addoption(
        "--grpo-sabotage",
        choices=MUTATIONS,
        default=None,
        help="break TRL's GRPO step on purpose (see tests/mutations/grpo_sabotage.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Patch ``GRPOTrainer`` for the session when a mutation is asked for."""
    mutation = config.getoption("--grpo-sabotage")
    if mutation is None:
        return
    from trl import GRPOTrainer

    if mutation == "flip_advantage":
        original = GRPOTrainer._generate_and_score_completions

        @functools.wraps(original)
        def flipped(self: Any, inputs: Any) -> Any:
            batch = original(self, inputs)
            batch["advantages"] = -batch["advantages"]
            return batch

        GRPOTrainer._generate_and_score_completions = flipped
    elif mutation == "flip_kl":
        original_init = GRPOTrainer.__init__

        @functools.wraps(original_init)
        def negated_beta(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            self.beta = -self.beta

        GRPOTrainer.__init__ = negated_beta
    else:
        import torch

        original_rewards = GRPOTrainer._calculate_rewards
        generator = torch.Generator().manual_seed(0)

        @functools.wraps(original_rewards)
        def shuffled(self: Any, *args: Any, **kwargs: Any) -> Any:
            rewards = original_rewards(self, *args, **kwargs)
            order = torch.randperm(rewards.shape[0], generator=generator).to(rewards.device)
            return rewards[order]

        GRPOTrainer._calculate_rewards = shuffled
    logger.warning("GRPO sabotaged for this pytest session: %s", mutation)


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say in the run's header that GRPO is broken on purpose."""
    mutation = config.getoption("--grpo-sabotage")
    return f"GRPO sabotaged on purpose: {mutation}" if mutation else None
