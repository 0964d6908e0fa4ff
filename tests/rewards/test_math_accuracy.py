"""Math accuracy: Math-Verify order, anchors' bugs as regressions, dev-set agreement."""

from __future__ import annotations

import pytest

from mathrl_pipeline.rewards import MathAccuracyReward, answers_match
from tests.rewards.conftest import shared_rows


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        ("7", "7", True),  # identical integers
        (r"\frac{1}{2}", "0.5", True),  # fraction vs decimal
        (r"\frac{1}{2}", r"\dfrac{1}{2}", True),  # \dfrac variant
        # Math-OCR-Zero compared normalised last-line strings: this scored 0 there
        (r"\dfrac{t^2}{2}", r"\(\frac{t^2}{2}\)", True),
        ("3", "x = 3", True),  # equation against bare value
        ("50\\%", "0.5", True),  # percentage
        (r"30^\circ", "30", True),  # degrees
        (r"5\text{ cm}", "5", True),  # number with unit
        ("(1, 2]", "(1, 2]", True),  # interval
        ("(1, 2]", "(1, 2)", False),  # interval with a different closing bracket
        (r"\{1, 2\}", r"\{2, 1\}", True),  # sets are unordered
        ("(1, 2)", "(2, 1)", False),  # tuples/intervals are ordered
        (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", True),
        (r"\sqrt{2}", "1.41421356", True),  # numeric within rounding
        (r"\frac{1}{3}", "0.3", False),  # too coarse
        ("yes", "Yes.", True),  # non-math words: normalised string fallback
        ("yes", "no", False),  # words differ
        (r"\text{Evelyn}", r"\boxed{\text{Evelyn}}", True),  # word gold, boxed prediction
        ("7", None, False),  # no answer extracted
        ("7", "", False),  # empty answer
        ("", "7", None),  # empty gold: skip, never pay
        (r"\frac{", r"\frac{", None),  # unparseable gold: skip even on identical strings
        ("12", "1" * 1000, False),  # huge digit run: pre-screened, string compare only
    ],
)
def test_answers_match(gold: str, pred: str | None, expected: bool | None) -> None:
    assert answers_match(gold, pred) is expected


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        # an assignment gold accepts its bare value (symmetric case)
        ("x = 3", "3", True),
        # opposite inequalities never match
        (r"x \geq 5", r"x \leq 5", False),
        # the asymmetric case: R1-V / VisualThinker / open-r1-multimodal call verify(pred, gold),
        # which pays an inequality answer against an interval gold; verify(gold, pred) does not
        ("[1,2]", r"1 \le x \le 2", False),
    ],
)
def test_documented_argument_order(gold: str, pred: str, expected: bool) -> None:
    assert answers_match(gold, pred) is expected


def test_reversed_order_would_pay_the_asymmetric_case() -> None:
    # the anchors' reversed call accepts what the documented order refuses
    assert answers_match(r"1 \le x \le 2", "[1,2]") is True


def test_reward_batch_and_skip() -> None:
    # LMM-R1 paid 1.0 when the gold could not be parsed: here the row is skipped (None)
    reward = MathAccuracyReward()
    completions = [
        "<think>r</think><answer>\\dfrac{1}{2}</answer>",
        "<think>r</think><answer>1/3</answer>",
        [{"role": "assistant", "content": [{"type": "text", "text": "<answer>0.5</answer>"}]}],
        "<answer>anything</answer>",
    ]
    solution = [r"\frac{1}{2}", r"\frac{1}{2}", r"\frac{1}{2}", r"\frac{"]
    assert reward(completions, solution=solution, extra_column=[1, 2, 3, 4]) == [
        1.0,
        0.0,
        1.0,
        None,
    ]


@pytest.mark.parametrize(
    ("completion", "mode", "expected"),
    [
        # answer read from the tag, not from the last line (Math-OCR-Zero read the last line)
        ("<answer>\\frac{1}{2}</answer>\nI hope this is right.", "auto", 1.0),
        # boxed fallback when there is no tag (auto mode)
        ("so the result is \\boxed{\\frac{1}{2}}", "auto", 1.0),
        # answer_tag mode refuses boxed-only completions
        ("so the result is \\boxed{\\frac{1}{2}}", "answer_tag", 0.0),
        # VisualThinker-style gold inside <answer> tags is unwrapped
        ("<answer>0.5</answer>", "auto", 1.0),
    ],
)
def test_reward_extraction_modes(completion: str, mode: str, expected: float) -> None:
    assert (
        MathAccuracyReward(extract_mode=mode)([completion], solution=["<answer>1/2</answer>"])[0]
        == expected
    )


@pytest.mark.shared_data
def test_answer_equivalence_dev_agreement() -> None:
    # Replays the dev set as the original tests did: the same extraction configs
    # (match_types), float rounding (precision) and strictness per row; agreement >= 97%.
    rows = shared_rows("answer_equivalence_dev.jsonl")
    rows = [r for r in rows if not r.get("mathematically_questionable")]
    agree = 0
    for row in rows:
        kwargs: dict = {
            "float_rounding": row.get("precision", 6),
            "strict": row.get("strict", True),
        }
        if isinstance(row.get("match_types"), list):
            kwargs["extraction"] = tuple(row["match_types"])
        agree += (answers_match(row["gold"], row["pred"], **kwargs) is True) == row["equivalent"]
    assert agree / len(rows) >= 0.97, f"{agree}/{len(rows)}"
