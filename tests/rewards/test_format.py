"""Format rewards: R1, tag count, <latex>."""

from __future__ import annotations

import pytest

from mathrl_pipeline.rewards import LatexFormatReward, R1FormatReward, TagCountReward

GOOD = "<think>\nsome reasoning\nover lines\n</think>\n<answer>\n42\n</answer>"


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        # canonical R1 format, multi-line (open-r1-multimodal lacked DOTALL: this scored 0)
        (GOOD, {}, 1.0),
        # multi-line answer content
        ("<think>r</think><answer>line 1\nline 2</answer>", {}, 1.0),
        # two answer blocks are not allowed
        ("<think>r</think><answer>1</answer><answer>2</answer>", {}, 0.0),
        # two think blocks are not allowed
        ("<think>a</think><think>b</think><answer>1</answer>", {}, 0.0),
        # answer before think
        ("<answer>1</answer><think>r</think>", {}, 0.0),
        # text after the answer
        ("<think>r</think><answer>1</answer> trailing", {}, 0.0),
        # text between think and answer
        ("<think>r</think> so <answer>1</answer>", {}, 0.0),
        # empty answer
        ("<think>r</think><answer> </answer>", {}, 0.0),
        # base template: opening <think> is in the prompt
        ("reasoning\n</think>\n<answer>1</answer>", {"think_prefilled": True}, 1.0),
        # base template but the model repeats <think>: two opening tags in total
        ("<think>reasoning</think><answer>1</answer>", {"think_prefilled": True}, 0.0),
        # not prefilled and opening tag missing
        ("reasoning</think><answer>1</answer>", {"think_prefilled": False}, 0.0),
        # minimum thinking length enforced
        ("<think>ok</think><answer>1</answer>", {"min_think_chars": 10}, 0.0),
        ("<think>long enough thinking</think><answer>1</answer>", {"min_think_chars": 10}, 1.0),
    ],
)
def test_r1_format(text: str, kwargs: dict, expected: float) -> None:
    assert R1FormatReward(**kwargs)([text]) == [expected]


@pytest.mark.parametrize(
    ("prompt", "completion", "expected"),
    [
        # prompt ends with <think>: detected, completion without the opening tag passes
        ("Question? Assistant: <think>", "r</think><answer>1</answer>", 1.0),
        # conversational prompt ending with <think>
        ([{"role": "user", "content": "Q <think>\n"}], "r</think><answer>1</answer>", 1.0),
        # ordinary prompt: the opening tag is required
        ("Question?", "r</think><answer>1</answer>", 0.0),
    ],
)
def test_r1_format_detects_prefill_from_prompts(
    prompt: object, completion: str, expected: float
) -> None:
    assert R1FormatReward()([completion], prompts=[prompt]) == [expected]


def test_r1_format_prefill_column() -> None:
    # a per-row column overrides detection
    out = R1FormatReward()(["r</think><answer>1</answer>"] * 2, think_prefilled=[True, False])
    assert out == [1.0, 0.0]


@pytest.mark.parametrize(
    ("text", "prefilled", "expected"),
    [
        (GOOD, False, 1.0),  # all four tags once
        ("<think>r</think>", False, 0.5),  # only the think pair
        ("<think><think>r</think><answer>1</answer>", False, 0.75),  # duplicated <think>
        ("r</think><answer>1</answer>", True, 1.0),  # prefilled: absent <think> is right
        ("", False, 0.0),  # nothing
    ],
)
def test_tag_count(text: str, prefilled: bool, expected: float) -> None:
    assert TagCountReward(think_prefilled=prefilled)([text]) == [expected]


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("<latex>\\frac{a}{b}</latex>", {}, 1.0),  # strict OCR output
        ("  <latex>x\n+y</latex>\n", {}, 1.0),  # surrounding whitespace, multi-line formula
        ("Here: <latex>x</latex>", {}, 0.0),  # chatter before
        ("<latex>x</latex><latex>y</latex>", {}, 0.0),  # two formulas
        ("<latex> </latex>", {}, 0.0),  # empty formula
        ("<think>r</think><latex>x</latex>", {"require_think": True}, 1.0),  # think then latex
        ("<latex>x</latex>", {"require_think": True}, 0.0),  # think required but missing
    ],
)
def test_latex_format(text: str, kwargs: dict, expected: float) -> None:
    assert LatexFormatReward(**kwargs)([text]) == [expected]
