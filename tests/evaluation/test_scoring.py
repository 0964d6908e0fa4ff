"""Scoring responses into eval_samples with the rewards library."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.contract import prompt_text
from mathrl_pipeline.evaluation import latex_ocr_scores, score_responses
from mathrl_pipeline.rewards import get_reward
from mathrl_pipeline.tasks.prompts import PromptTemplate
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


LATEX_CASES = [
    # (gold, response): the reward, eval_samples' `correct` and the benchmark's exact match agree
    (r"\frac{1}{2}", r"<think>r</think><latex>\frac {1} {2}</latex>"),  # whitespace only
    (r"<answer>\frac{1}{2}</answer>", r"<latex>\frac{1}{2}</latex>"),  # a tagged gold
    (r"x^{2}", r"<latex>x^2</latex>"),  # exact match is strict: normalised match only
    (r"a+b", r"<answer>a+b</answer>"),  # latex answers are read from the latex tag
]


@pytest.mark.parametrize(("gold", "response"), LATEX_CASES)
def test_latex_rows_are_scored_as_the_reward_scores_them(gold: str, response: str) -> None:
    split = make_split(1).assign(solution=[gold], answer_type=["latex"], task=["latex_ocr"])
    responses = pd.DataFrame(
        [
            {
                "id": "deepmath-0",
                "style": "keep",
                "mode": "greedy",
                "sample": 0,
                "prompt": R1,
                "response": response,
                "length": 9,
                "truncated": False,
            }
        ]
    )
    row = score_responses(responses, split).iloc[0]
    reward = get_reward("accuracy")([response], solution=[gold], answer_type=["latex"])[0]
    benchmark = latex_ocr_scores(pd.DataFrame([row]), with_sympy=False)["exact_match"]
    assert float(row["correct"]) == reward == benchmark
