"""pass@k against the unbiased estimator, and the metric breakdown on hand-made samples."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from mathrl_pipeline.evaluation import breakdown, mean_pass_at_k, pass_at_k, summarise


def brute_force_pass_at_k(n: int, c: int, k: int) -> float:
    """Share of the k-subsets of n samples (c correct) holding at least one correct sample."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(samples, k))
    return sum(any(s) for s in subsets) / len(subsets)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 0, 1, 0.0),  # nothing correct
        (5, 5, 3, 1.0),  # everything correct
        (5, 2, 1, 0.4),  # pass@1 is the plain accuracy c/n
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (10, 1, 5, 0.5),  # 1 - C(9,5)/C(10,5) = 1 - 126/252
        (4, 1, 4, 1.0),  # k = n with one correct: always drawn
        (8, 3, 4, 1 - 5 / 70),  # 1 - C(5,4)/C(8,4)
    ],
)
def test_pass_at_k_hand_made_cases(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)
    assert pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(n, c, k))


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [
        (4, 5, 1),  # more correct than samples
        (4, 1, 0),  # k below 1
        (4, 1, 5),  # k above n
    ],
)
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match="pass_at_k"):
        pass_at_k(n, c, k)


def test_mean_pass_at_k_averages_problems_and_skips_short_ones() -> None:
    problems = [[True, False, False, False], [False] * 4, [True]]  # the last has n < k
    assert mean_pass_at_k(problems, 2) == pytest.approx((0.5 + 0.0) / 2)
    assert math.isnan(mean_pass_at_k([], 1))


def _sample(pid: str, mode: str, correct: bool, **extra: object) -> dict[str, object]:
    row = {
        "id": pid,
        "style": "keep",
        "mode": mode,
        "correct": correct,
        "format_ok": True,
        "length": 10,
        "truncated": False,
        "reflection_count": 0,
    }
    return {**row, **extra}


def test_summarise_uses_greedy_for_accuracy_and_samples_for_pass_at_k() -> None:
    samples = pd.DataFrame(
        [
            _sample("a", "greedy", True, length=10, reflection_count=2),
            _sample("b", "greedy", False, length=30, truncated=True, format_ok=False),
            *[_sample("a", "sample", c) for c in (True, False)],
            *[_sample("b", "sample", c) for c in (False, False)],
        ]
    )
    out = summarise(samples, ks=[1, 2])
    assert out["accuracy"] == 0.5
    assert out["format_rate"] == 0.5
    assert out["mean_length"] == 20
    assert out["truncation_rate"] == 0.5
    assert out["reflection_rate"] == 0.5
    assert out["pass@1"] == pytest.approx((0.5 + 0.0) / 2)
    assert out["pass@2"] == pytest.approx((1.0 + 0.0) / 2)


def test_breakdown_by_difficulty_and_topic_skips_constant_columns() -> None:
    samples = pd.DataFrame(
        [
            _sample("a", "greedy", True, difficulty=1.0, topic="x", task="deepmath"),
            _sample("b", "greedy", False, difficulty=2.0, topic="x", task="deepmath"),
            _sample("c", "greedy", True, difficulty=2.0, topic="x", task="deepmath"),
        ]
    )
    table = breakdown(samples, by=("difficulty", "topic", "task"))
    assert set(table["breakdown"]) == {"all", "difficulty"}  # topic and task are constant
    by_group = table.set_index("group")["accuracy"]
    assert by_group["all"] == pytest.approx(2 / 3)
    assert by_group["1"] == 1.0
    assert by_group["2"] == 0.5
