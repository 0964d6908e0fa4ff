"""Length, overlong and repetition penalties; reflection markers."""

from __future__ import annotations

import pytest

from mathrl_pipeline.contract import completion_text
from mathrl_pipeline.rewards import (
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
