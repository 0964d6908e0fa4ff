"""Scoring responses into eval_samples with the rewards library."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.evaluation import score_responses
from mathrl_pipeline.tasks.prompts import PromptTemplate, prompt_text
from tests.evaluation.helpers import make_split

R1 = prompt_text(PromptTemplate().build("q"))
BASE = prompt_text(PromptTemplate(style="base").build("q"))

CASES = [
    # (style, prompt text, response, correct, format_ok, reflections)
    ("keep", R1, "<think>4+3=7</think><answer>7</answer>", True, True, 0),
    ("keep", R1, "<think>wait, verify</think><answer>8</answer>", False, True, 2),
    ("keep", R1, "The answer is 7", False, False, 0),
    ("keep", R1, "<think>x</think><answer>\\boxed{7}</answer>", True, True, 0),
    ("keep", BASE, "4+3=7</think><answer>7</answer>", True, True, 0),  # prefilled <think>
    ("direct", R1, "<answer>7</answer>", True, True, 0),  # direct: answer tag is the format
]


@pytest.mark.parametrize(("style", "prompt", "response", "correct", "fmt", "refl"), CASES)
def test_score_responses(  # noqa: PLR0917 - parametrized test
    style: str, prompt: str, response: str, correct: bool, fmt: bool, refl: int
) -> None:
    split = make_split(3)
    split.loc[0, "solution"] = "7"
    responses = pd.DataFrame(
        [
            {
                "id": "deepmath-0",
                "style": style,
                "mode": "greedy",
                "sample": 0,
                "prompt": prompt,
                "response": response,
                "length": 9,
                "truncated": False,
            }
        ]
    )
    row = score_responses(responses, split).iloc[0]
    assert bool(row["correct"]) is correct
    assert bool(row["format_ok"]) is fmt
    assert row["reflection_count"] == refl
    assert row["gold"] == "7" and row["difficulty"] == 1.0 and row["topic"] == "arithmetic"
