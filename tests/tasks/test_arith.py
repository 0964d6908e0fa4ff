import random

import pytest

from mathrl_pipeline.tasks.arith import (
    ArithProblem,
    CompletionMix,
    all_problems,
    misread,
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
    # over many draws the share of right readings and of R1-formatted completions match the mix
    mix = CompletionMix(p_correct=0.5, p_r1_format=0.3, p_answer_tags=0.15, p_prose=0.3)
    rng = random.Random(0)
    problem = ArithProblem(4, "+", 3)
    draws = [noisy_completion(problem, mix, rng, max_operand=9) for _ in range(4000)]
    r1 = [d for d in draws if d.startswith("<think>")]
    assert 0.27 < len(r1) / len(draws) < 0.33
    correct = [d for d in r1 if d == "<think>4 plus 3 is 7.</think> <answer>7</answer>"]
    assert 0.45 < len(correct) / len(r1) < 0.55
    for text in r1:
        # a misreading changes one operand; the arithmetic on what was read is always true
        a, _, b, _, value = text.removeprefix("<think>").split("</think>")[0].rstrip(".").split()
        assert int(a) + int(b) == int(value)
        assert (int(a), int(b)) == (4, 3) or (int(a) == 4) != (int(b) == 3)
        assert text.endswith(f"<answer>{value}</answer>")


@pytest.mark.parametrize(
    ("problem", "max_operand"),
    [
        (ArithProblem(0, "-", 0), 9),  # only `a` can be misread: b > 0 makes it negative
        (ArithProblem(2, "-", 2), 2),  # a small range: 0..2
        (ArithProblem(9, "+", 9), 9),  # the largest sum
    ],
)
def test_misread_changes_one_operand_and_stays_non_negative(
    problem: ArithProblem, max_operand: int
) -> None:
    rng = random.Random(1)
    for _ in range(200):
        seen = misread(problem, max_operand, rng)
        assert seen != problem and seen.op == problem.op
        assert (seen.a == problem.a) != (seen.b == problem.b)
        assert 0 <= seen.a <= max_operand and 0 <= seen.b <= max_operand
        assert seen.answer >= 0


def test_misread_without_alternative_is_refused() -> None:
    # 0 - 0 with operands 0..0: no other reading exists
    with pytest.raises(ValueError, match="no misreading of 0 - 0"):
        misread(ArithProblem(0, "-", 0), 0, random.Random(0))


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
