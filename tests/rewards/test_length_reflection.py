"""Length, overlong and repetition penalties; reflection markers."""

from __future__ import annotations

import pytest

from mathrl_pipeline.contract import completion_text
from mathrl_pipeline.rewards import (
    LatexLengthReward,
    LengthPenalty,
    RepetitionPenalty,
    SoftOverlongPenalty,
    count_reflection_markers,
)
from mathrl_pipeline.rewards.reflection import reflection_count


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (50, 0.0),  # under the limit
        (100, 0.0),  # at the limit
        (150, -0.5),  # halfway to twice the limit
        (500, -1.0),  # capped at max_penalty
    ],
)
def test_linear_length_penalty(length: int, expected: float) -> None:
    assert LengthPenalty(limit=100, unit="chars")(["x" * length]) == [pytest.approx(expected)]


def test_length_penalty_uses_completion_ids() -> None:
    # TRL passes token ids: those count, not characters
    out = LengthPenalty(limit=2)(["a very long text"], completion_ids=[[1, 2, 3, 4]])
    assert out == [pytest.approx(-1.0)]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (700, 0.0),  # below max - cache
        (768, 0.0),  # boundary
        (896, -0.5),  # inside the cache window
        (1024, -1.0),  # at max
        (2000, -1.0),  # beyond
    ],
)
def test_soft_overlong(length: int, expected: float) -> None:
    reward = SoftOverlongPenalty(max_length=1024, cache_length=256)
    assert reward(["c"], completion_ids=[[0] * length]) == [pytest.approx(expected)]


# The LaTeX-OCR recipe's length reward (starkiby/mathocr src/ocr/grpo_ft/grpo.py l.223-252).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<latex>x^2</latex>", 1.0),  # the block alone
        ("Here it is: <latex>x^2 + y^2 = z^2</latex>", 1.0),  # words inside the block not counted
        ("w " * 50 + "<latex>x</latex>", 1.0),  # 50 words outside: at the limit
        ("w " * 100 + "<latex>x</latex>", 0.5),  # 100 words: 1 - 50 / 100
        ("a <latex>x</latex> " + "w " * 59 + "<latex>y</latex>", 1 - 10 / 60),  # both blocks cut
        ("no block at all", 0.0),  # no <latex> block pays nothing
        ("<latex>x^2", 0.0),  # an unclosed block is no block
        ("<LATEX>x</LATEX>", 0.0),  # tags are case-sensitive, as the recipe's regex
        ("</latex> <latex>x</latex>", 1.0),  # a stray closing tag is one word outside
    ],
)
def test_latex_length_reward(text: str, expected: float) -> None:
    assert LatexLengthReward(max_words=50)([text]) == [pytest.approx(expected)]


def test_latex_length_reward_reads_chat_completions() -> None:
    # TRL passes conversational completions as message lists
    completion = [{"role": "assistant", "content": "<latex>x</latex>"}]
    assert LatexLengthReward()([completion]) == [1.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one two three four five", 0.0),  # no repeated trigram
        ("a b c a b c a b c", -(1 - 3 / 7)),  # repeated trigrams
        ("short", 0.0),  # shorter than n
    ],
)
def test_repetition_penalty(text: str, expected: float) -> None:
    assert RepetitionPenalty(ngram_size=3)([text]) == [pytest.approx(expected)]


@pytest.mark.parametrize(
    ("text", "marker", "count"),
    [
        ("Wait, that is wrong. wait.", "wait", 2),  # case-insensitive
        ("awaiting results", "wait", 0),  # whole words only
        ("Let me check: let  me\ncheck", "let me check", 2),  # flexible whitespace
        ("Aha! I see.", "aha", 1),  # the aha moment
        ("I should double-check and double check", "double-check", 2),  # both spellings
        ("Let's re-examine the figure", "re-examine", 1),  # hyphenated verb
        ("Take another look at the image", "take another look", 1),  # phrase
    ],
)
def test_count_reflection_markers(text: str, marker: str, count: int) -> None:
    assert count_reflection_markers(text)[marker] == count


def test_reflection_count_of_completions() -> None:
    # what the training log (reflection_rate per step) and eval_samples count per completion
    completions = ["wait, no", "plain", [{"role": "assistant", "content": "Let me verify"}]]
    assert [reflection_count(completion_text(c)) > 0 for c in completions] == [True, False, True]
    assert reflection_count("") == 0
