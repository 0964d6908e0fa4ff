"""Multiple choice (SAT, CV-Bench)."""

from __future__ import annotations

import pytest

from mathrl_pipeline.rewards import ChoiceAccuracyReward, choice_matches
from tests.rewards.conftest import shared_rows

CV = ["3", "2", "1", "0"]
SAT = ["tall green houseplant in a pot", "Tomato"]


@pytest.mark.parametrize(
    ("gold", "pred", "choices", "expected"),
    [
        ("(C)", "C", CV, True),  # bare letter
        ("(C)", "(C)", CV, True),  # parenthesised
        ("(C)", "C.", CV, True),  # letter with a dot
        ("(C)", "c", CV, True),  # lower case
        ("(C)", "(C) 1", CV, True),  # letter and the matching choice text
        ("(C)", "1", CV, True),  # the choice text alone
        ("(C)", "The answer is (C)", CV, True),  # short phrase around one letter
        ("(C)", "(C) 2", CV, False),  # letter contradicted by another choice's text
        ("(C)", "B", CV, False),  # wrong letter
        ("(C)", "A or C", CV, False),  # hedge (anchors paid this)
        ("(C)", "A, C", CV, False),  # several letters
        ("(C)", "C and D", CV, False),  # several letters
        ("(C)", "either B or C", CV, False),  # hedge words
        ("<answer>C</answer>", "C", CV, True),  # VisualThinker gold form
        ("C", "C", None, True),  # no choices column: letters compare
        ("C", "A or C", None, False),  # hedge without choices
        (SAT[0], "tall green houseplant in a pot", SAT, True),  # gold is the choice text
        (SAT[0], "A", SAT, True),  # letter of the gold text
        (SAT[0], "Tomato", SAT, False),  # the other choice
        (SAT[0], "tomato or tall green houseplant in a pot", SAT, False),  # both choices
        ("(E)", "E", CV, None),  # gold letter out of range: skip
        ("", "A", CV, None),  # empty gold: skip
        ("(C)", None, CV, False),  # nothing extracted
    ],
)
def test_choice_matches(gold: str, pred: str | None, choices: list | None, expected) -> None:
    assert choice_matches(gold, pred, choices) is expected


def test_choice_reward_batch() -> None:
    reward = ChoiceAccuracyReward()
    out = reward(
        ["<answer>C</answer>", "<answer>A or C</answer>", "no tags"],
        solution=["(C)", "(C)", "(C)"],
        choices=[CV, CV, CV],
    )
    assert out == [1.0, 0.0, 0.0]


@pytest.mark.shared_data
def test_sat_and_cvbench_rows_resolve() -> None:
    # every real row's gold resolves, and answering it (as text or letter) scores 1.0
    for row in shared_rows("sat_style_samples.jsonl") + shared_rows("cvbench_rows.jsonl"):
        choices = row["choices"]
        idx = next(i for i, c in enumerate(choices) if choice_matches(row["answer"], c, choices))
        assert choice_matches(row["answer"], "ABCDEFGH"[idx], choices) is True
