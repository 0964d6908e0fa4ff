import random

import pytest

from mathrl_pipeline.tasks.arith import (
    ArithProblem,
    CompletionMix,
    all_problems,
    noisy_completion,
)


@pytest.mark.parametrize(
    ("problem", "answer", "latex"),
    [
        (ArithProblem(3, "+", 4), 7, "3 + 4"),  # addition
        (ArithProblem(9, "-", 2), 7, "9 - 2"),  # subtraction
        (ArithProblem(3, "*", 5), 15, "3 \\times 5"),  # multiplication renders as \times
    ],
)
def test_problem_answer_and_latex(problem: ArithProblem, answer: int, latex: str) -> None:
    assert problem.answer == answer
    assert problem.latex == latex


def test_all_problems_non_negative_by_default() -> None:
    problems = all_problems(9, ["+", "-"])
    assert len(problems) == 100 + 55
    assert all(p.answer >= 0 for p in problems)
    assert len({p.key for p in problems}) == len(problems)


def test_unknown_operator_is_named() -> None:
    with pytest.raises(ValueError, match=r"\^"):
        all_problems(3, ["^"])


def test_completion_mix_matches_its_parameters() -> None:
    # over many draws the share of correct answers and of R1-formatted completions match the mix
    mix = CompletionMix(p_correct=0.5, p_r1_format=0.3, p_answer_tags=0.15, p_prose=0.3)
    rng = random.Random(0)
    problem = ArithProblem(4, "+", 3)
    draws = [noisy_completion(problem, mix, rng) for _ in range(4000)]
    r1 = [d for d in draws if d.startswith("<think>")]
    assert 0.27 < len(r1) / len(draws) < 0.33
    correct = [d for d in r1 if d.endswith("<answer>7</answer>")]
    assert 0.45 < len(correct) / len(r1) < 0.55
    wrong_values = {int(d.split("<answer>")[1].split("<")[0]) for d in r1} - {7}
    assert wrong_values <= {4, 5, 6, 8, 9, 10}


@pytest.mark.parametrize(
    "bad",
    [
        {"p_correct": 1.5},  # probability above 1
        {"p_r1_format": 0.6, "p_answer_tags": 0.3, "p_prose": 0.3},  # shares above 1
    ],
)
def test_bad_mix_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match="arith.pretrain.mix"):
        CompletionMix(**bad)
