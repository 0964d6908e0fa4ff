import random

import pytest

from mathrl_pipeline.tasks.arith import (
    ArithProblem,
    CompletionMix,
    PretrainCorpusParams,
    all_problems,
    look_and_read,
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
    mix = CompletionMix(p_correct=0.5, p_r1_format=0.3, p_answer_tags=0.15, p_prose=0.3,
                        p_reflect_after_misread=0.0, p_reflect_after_correct=0.0,
                        first_look="reading")
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


@pytest.mark.parametrize("first_look", ["reading", "guess"])
def test_reflecting_completions_look_again_and_answer_the_truth(first_look: str) -> None:
    # blanket double-checking: a share of the R1 answers reflects whether or not the first look
    # was right, so nothing in the corpus tells the model when its first look failed
    mix = CompletionMix(p_correct=0.4, p_r1_format=0.3, p_reflect_after_misread=0.4,
                        p_reflect_after_correct=0.4, p_check=0.5, first_look=first_look)
    rng = random.Random(0)
    problem = ArithProblem(4, "+", 3)
    draws = [noisy_completion(problem, mix, rng, max_operand=9) for _ in range(8000)]
    r1 = [d for d in draws if d.startswith("<think>")]
    reflecting = [d for d in r1 if "Wait, " in d]
    assert 0.37 < len(reflecting) / len(r1) < 0.43
    assert 0.10 < len(reflecting) / len(draws) < 0.14  # rare in the corpus as a whole
    right_first = "<think>4 plus 3 is 7." if first_look == "reading" else "<think>I think it is 7."
    misread_first = [d for d in reflecting if not d.startswith(right_first)]
    assert 0.55 < len(misread_first) / len(reflecting) < 0.65  # 1 - p_correct
    for text in reflecting:
        first, second = text.removeprefix("<think>").split(" Wait, ")
        if first_look == "guess":  # a first look that states only a result
            assert first.startswith("I think it is ") and "plus" not in first
        # the second look transcribes the image, reads it, and answers the truth
        assert " It shows 4 + 3. 4 plus 3 is 7." in second and text.endswith("<answer>7</answer>")
        if "Let me check" in second:
            assert second.split("</think>")[0].endswith("Let me check: 7 minus 3 is 4.")
    assert {d for d in draws if "Wait" in d and not d.startswith("<think>")} == set()


def test_facts_are_what_a_careful_look_gives() -> None:
    # the clean facts of the corpus transcribe, then read: the second look of a reflection
    assert look_and_read(ArithProblem(9, "-", 2)) == "It shows 9 - 2. 9 minus 2 is 7."


def test_no_reflection_without_its_share() -> None:
    # p_reflect_after_* = 0 draws exactly the completions of a corpus without self-checks
    quiet = CompletionMix(p_reflect_after_misread=0.0, p_reflect_after_correct=0.0)
    draws = [noisy_completion(ArithProblem(6, "-", 2), quiet, random.Random(3)) for _ in range(500)]
    assert not any("Wait" in d or "check" in d for d in draws)


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
        {"p_reflect_after_misread": 1.2},  # a reflection chance above 1
        {"p_check": -0.1},  # a check chance below 0
    ],
)
def test_bad_mix_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match="arith.pretrain.mix"):
        CompletionMix(**bad)


def test_unknown_first_look_is_named() -> None:
    # only "reading" (``4 plus 3 is 7.``) and "guess" (``I think it is 7.``) exist
    with pytest.raises(ValueError, match="first_look"):
        CompletionMix(first_look="glance")


@pytest.mark.parametrize(
    "instruction",
    [
        "I think it is {answer}. Look again.",  # a placeholder the corpus does not fill
        "Look again at {0}.",  # a positional placeholder
        "Look again {",  # an unclosed brace
    ],
)
def test_recheck_instruction_names_only_the_guess(instruction: str) -> None:
    with pytest.raises(ValueError, match="recheck_instruction"):
        PretrainCorpusParams(recheck_instruction=instruction)
    # the default names the guess, and no instruction at all turns the second looks off
    assert "{guess}" in PretrainCorpusParams().recheck_instruction
    assert PretrainCorpusParams(recheck_instruction=None).recheck_instruction is None
