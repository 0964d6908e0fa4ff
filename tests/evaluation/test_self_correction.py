"""Reflection and self-correction metrics on hand-made responses (evaluation/self_correction.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mathrl_pipeline.evaluation.aha_report import aha_section_html, before_after_pairs
from mathrl_pipeline.evaluation.self_correction import (
    aha_metrics,
    aha_table,
    first_result_wrong,
    rewarded_self_corrections,
    self_corrected,
    stated_results,
    step_aha_metrics,
    summary_columns,
)
from mathrl_pipeline.rewards.reflection import count_reflection_markers, reflection_count

CORRECTED = ("<think>5 plus 3 is 8. Wait, let me look at the image again. 4 plus 3 is 7."
             "</think> <answer>7</answer>")
CONFIRMED = ("<think>4 plus 3 is 7. Wait, let me check the image again. 4 plus 3 is 7. "
             "Let me check: 7 minus 3 is 4.</think> <answer>7</answer>")
GUESS_CORRECTED = ("<think>I think it is 9. Wait, let me look at the image again. It shows 4 + 3. "
                   "4 plus 3 is 7.</think> <answer>7</answer>")
PLAIN_RIGHT = "<think>4 plus 3 is 7.</think> <answer>7</answer>"
PLAIN_WRONG = "<think>5 plus 3 is 8.</think> <answer>8</answer>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PLAIN_RIGHT, ["7"]),  # one reading
        (CORRECTED, ["8", "7"]),  # a misread, then the second look
        (CONFIRMED, ["7", "7", "4"]),  # the backward check is a statement too
        (GUESS_CORRECTED, ["9", "7"]),  # a result stated alone, then the second look
        ("<think>I think it is 7.</think>", ["7"]),  # a guess alone
        ("9 minus 2 is 7. The answer is 7.", ["7"]),  # prose
        ("<answer>7</answer>", []),  # nothing stated
        ("1.5 plus 3 is 4.5", []),  # decimals are not the task's statements
    ],
)
def test_stated_results(text: str, expected: list[str]) -> None:
    assert stated_results(text) == expected


@pytest.mark.parametrize(
    ("text", "gold", "correct", "wrong_first", "corrected"),
    [
        (CORRECTED, "7", True, True, True),  # misread, looked again, right answer
        (CORRECTED, "7", False, True, False),  # the same text judged wrong: no correction
        (GUESS_CORRECTED, "7", True, True, True),  # a wrong guess, looked again, right answer
        (CONFIRMED, "7", True, False, False),  # a check that confirms the first reading
        (PLAIN_RIGHT, "7", True, False, False),  # right from the start
        (PLAIN_WRONG, "7", False, True, False),  # wrong and never revisited
        # a right answer without a restated reading is not a correction
        ("<think>5 plus 3 is 8.</think> <answer>7</answer>", "7", True, True, False),
        ("<answer>7</answer>", "7", True, None, False),  # no statement: no first result
        ("<think>5 plus 3 is 8. 6 plus 3 is 9.</think><answer>9</answer>", "7", False, True,
         False),  # a second wrong reading
    ],
)
def test_first_result_and_self_correction(
    text: str, gold: str, correct: bool, wrong_first: bool | None, corrected: bool
) -> None:
    assert first_result_wrong(text, gold) is wrong_first
    assert self_corrected(text, gold, correct) is corrected


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Wait, let me look at the image again.", "wait"),  # the corpus' re-reading
        ("Let me check: 7 minus 3 is 4.", "check"),  # a check of the result (VisualThinker)
        ("It is possibly a 3.", "possibly"),  # VisualThinker's "possibl"
        ("That is possible.", "possible"),  # VisualThinker's "possibl"
        ("Not yet.", "yet"),  # VisualThinker's "yet"
    ],
)
def test_visualthinker_keywords_are_markers(text: str, marker: str) -> None:
    assert count_reflection_markers(text)[marker] == 1


def _rows(texts: list[str], golds: list[str], correct: list[bool], mode: str = "greedy",
          model: str = "trained") -> list[dict[str, object]]:
    return [
        {"id": f"r{i}", "style": "keep", "mode": mode, "model": model, "response": t, "gold": g,
         "correct": c, "reflection_count": reflection_count(t), "length": len(t.split())}
        for i, (t, g, c) in enumerate(zip(texts, golds, correct, strict=True))
    ]


@pytest.mark.parametrize(
    ("texts", "correct", "expected"),
    [
        # one self-correction, one confirmation, one plain right, one plain wrong
        ([CORRECTED, CONFIRMED, PLAIN_RIGHT, PLAIN_WRONG], [True, True, True, False],
         {"reflection_rate": 0.5, "accuracy": 0.75, "accuracy_reflecting": 1.0,
          "accuracy_not_reflecting": 0.5, "first_wrong_rate": 0.5, "correction_rate": 0.25,
          "corrected_of_wrong": 0.5}),
        # nobody reflects: accuracy among reflecting responses is undefined (NaN)
        ([PLAIN_RIGHT, PLAIN_WRONG], [True, False],
         {"reflection_rate": 0.0, "accuracy_reflecting": math.nan, "correction_rate": 0.0,
          "corrected_of_wrong": 0.0}),
    ],
)
def test_aha_metrics(texts: list[str], correct: list[bool], expected: dict[str, float]) -> None:
    out = aha_metrics(pd.DataFrame(_rows(texts, ["7"] * len(texts), correct)))
    for key, value in expected.items():
        assert out[key] == pytest.approx(value, nan_ok=True), key


def test_reflection_within_the_format() -> None:
    # 1 of 4 responses reflects, and it is the only one of the 2 in the R1 format: a rare habit
    # overall that is common in the format's answers
    frame = pd.DataFrame(_rows([CORRECTED, PLAIN_RIGHT, "7", "The answer is 8."], ["7"] * 4,
                               [True, True, True, False]))
    out = aha_metrics(frame.assign(format_ok=[True, True, False, False]))
    assert out["reflection_rate"] == 0.25 and out["format_rate"] == 0.5
    assert out["reflection_in_format"] == 0.5
    # without a format column the two are undefined, not guessed
    assert math.isnan(aha_metrics(frame)["reflection_in_format"])


def test_aha_table_groups_and_summary_columns_prefix_sampled() -> None:
    frame = pd.DataFrame(
        _rows([PLAIN_RIGHT], ["7"], [True], model="base")
        + _rows([CORRECTED], ["7"], [True])
        + _rows([CORRECTED, PLAIN_WRONG], ["7", "7"], [True, False], mode="sample")
    )
    table = aha_table(frame).set_index(["model", "mode"])
    assert table.loc[("base", "greedy"), "reflection_rate"] == 0.0
    assert table.loc[("trained", "sample"), "correction_rate"] == 0.5
    trained = frame[frame["model"] == "trained"]
    columns = summary_columns(trained[trained["mode"] == "greedy"],
                              trained[trained["mode"] == "sample"])
    assert columns["correction_rate"] == 1.0 and columns["sampled_reflection_rate"] == 0.5
    # samples without the response columns (older tables): no columns added
    assert summary_columns(frame.drop(columns="response"), frame.head(0)) == {}


@pytest.mark.parametrize(
    ("accuracy", "expected"),
    [
        # the accuracy reward given: self-correction and accuracy split by reflection
        ([1.0, 1.0, 0.0, 1.0], {"correction_rate": 0.25, "accuracy_reflecting": 1.0,
                                "accuracy_not_reflecting": 0.5}),
        # no accuracy reward in the mix: a correction judged by its statements alone
        (None, {"correction_rate": 0.25}),
    ],
)
def test_step_aha_metrics(accuracy: list[float] | None, expected: dict[str, float]) -> None:
    texts = [CORRECTED, CONFIRMED, PLAIN_WRONG, PLAIN_RIGHT]
    out = step_aha_metrics(texts, ["7"] * 4, accuracy, [reflection_count(t) for t in texts])
    assert out == pytest.approx(expected)


def test_rewarded_self_corrections_need_reflection_and_reward() -> None:
    silent = "<think>5 plus 3 is 8. 4 plus 3 is 7.</think> <answer>7</answer>"  # no marker
    texts = [PLAIN_RIGHT, CORRECTED, CORRECTED, silent]
    found = rewarded_self_corrections(texts, ["7"] * 4, [1.0, 0.0, 1.0, 1.0],
                                      [reflection_count(t) for t in texts])
    assert found == [2]  # index 1 was not rewarded, index 3 did not reflect


def test_report_section_pairs_before_and_after() -> None:
    base = pd.DataFrame(_rows([PLAIN_WRONG, PLAIN_RIGHT], ["7", "7"], [False, True], model="b")
                        + _rows([CORRECTED], ["7"], [True], mode="sample", model="b"))
    trained = pd.DataFrame(_rows([CORRECTED, PLAIN_RIGHT], ["7", "7"], [True, True]))
    pairs = before_after_pairs(base, trained)
    assert pairs[["id", "before", "after", "corrected"]].values.tolist() == [
        ["r0", PLAIN_WRONG, CORRECTED, True]
    ]
    train_samples = pd.DataFrame([
        {"step": 30, "kind": "self_correction", "completion": CORRECTED, "solution": "7",
         "reward": 1.5},
        {"step": 10, "kind": "sample", "completion": PLAIN_RIGHT, "solution": "7", "reward": 1.5},
    ])
    page = aha_section_html(base, trained, train_samples)
    assert "step 30" in page and "(self-corrected)" in page
    assert page.count("Wait, let me look") == 3  # after GRPO, the training step, the prior
    assert "none recorded" in aha_section_html(base, trained, None)
