"""Answer extraction and completion text."""

from __future__ import annotations

import pytest

from mathrl_pipeline.contract import completion_text
from mathrl_pipeline.rewards import extract_answer, strip_math_delimiters


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        # last <answer> pair wins
        ("<answer>1</answer> then <answer>2</answer>", "answer_tag", "2"),
        # whitespace and newlines inside the tag and the content (open-r1-multimodal DOTALL bug)
        ("<answer>\n  line one\n  line two\n</answer>", "answer_tag", "line one\n  line two"),
        # tolerant tag spelling
        ("< Answer >7</ answer >", "answer_tag", "7"),
        # truncated last answer: falls back to the last complete pair
        ("<answer>3</answer> <answer>4", "answer_tag", "3"),
        # no tag at all
        ("the answer is 4", "answer_tag", None),
        # nested braces in \boxed
        (r"so \boxed{\frac{1}{2}} done", "boxed", r"\frac{1}{2}"),
        # last boxed wins; unclosed last boxed falls back to the previous complete one
        (r"\boxed{1} and \boxed{2} and \boxed{3", "boxed", "2"),
        # \fbox counts too
        (r"\fbox{9}", "boxed", "9"),
        # $..$ and \(..\) spans
        (r"so $x=1$ and finally \(\frac{t^2}{2}\)", "math_delim", r"\frac{t^2}{2}"),
        # $$..$$ display span
        (r"result $$42$$", "math_delim", "42"),
        # <latex> tag for OCR
        ("<latex>a^2+b^2</latex>", "latex_tag", "a^2+b^2"),
        # last line (Math-OCR-Zero behaviour, kept for comparison)
        ("a\nb\n\n", "last_line", "b"),
        # auto: answer tag, boxed inside the tag unwrapped
        (r"<answer>\boxed{5}</answer>", "auto", "5"),
        # auto: boxed when no answer tag
        (r"thinking... \boxed{6}", "auto", "6"),
        # auto: base template completion without the opening <think>
        ("reasoning</think>\n<answer>8</answer>", "auto", "8"),
        # control characters do not break extraction
        ("<answer>\x0012\x07</answer>", "answer_tag", "12"),
    ],
)
def test_extract_answer(text: str, mode: str, expected: str | None) -> None:
    assert extract_answer(text, mode) == expected


def test_extract_answer_unknown_mode() -> None:
    # a typo in the dataset configuration must fail loudly
    with pytest.raises(ValueError, match="answer_tag"):
        extract_answer("x", "answers")


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        # plain string
        ("hello", "hello"),
        # conversational, string content
        ([{"role": "assistant", "content": "hi"}], "hi"),
        # conversational, content blocks (images ignored)
        (
            [
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "a"},
                        {"type": "image"},
                        {"type": "text", "text": "b"},
                    ],
                }
            ],
            "ab",
        ),
        # a single message dict
        ({"role": "assistant", "content": "x"}, "x"),
        # None and junk never raise
        (None, ""),
        ([{"role": "assistant", "content": None}], ""),
    ],
)
def test_completion_text(completion: object, expected: str) -> None:
    assert completion_text(completion) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("$x$", "x"),  # inline dollars
        (r"\(\frac12\)", r"\frac12"),  # inline parens
        (r"\[ 3 \]", "3"),  # display brackets
        ("$1$ and $2$", "$1$ and $2$"),  # two spans: not one wrapper
        ("plain", "plain"),  # nothing to strip
    ],
)
def test_strip_math_delimiters(answer: str, expected: str) -> None:
    assert strip_math_delimiters(answer) == expected
