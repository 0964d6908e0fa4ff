"""Weighted task mixtures."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.contract import CONTRACT_COLUMNS
from mathrl_pipeline.tasks.mixture import mix_tasks, mixture_sizes


def _split(task: str, n: int, prompt: object = None) -> pd.DataFrame:
    rows = [{c: None for c in CONTRACT_COLUMNS} | {"id": f"{task}-{i}", "task": task,
            "prompt": prompt if prompt is not None else [{"role": "user", "content": []}],
            "extra": 1} for i in range(n)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("available", "weights", "size", "replace", "expected"),
    [
        ({"a": 100, "b": 100}, {"a": 1, "b": 1}, None, False, {"a": 100, "b": 100}),  # equal
        ({"a": 100, "b": 10}, {"a": 1, "b": 1}, None, False, {"a": 10, "b": 10}),  # short task
        ({"a": 100, "b": 10}, {"a": 3, "b": 1}, 40, False, {"a": 30, "b": 10}),  # sized
        ({"a": 100, "b": 10}, {"a": 1, "b": 1}, 60, False, {"a": 30, "b": 10}),  # capped
        ({"a": 100, "b": 10}, {"a": 1, "b": 1}, 60, True, {"a": 30, "b": 30}),  # oversampled
        ({"a": 100, "b": 10}, {"a": 1, "b": 0}, None, False, {"a": 100}),  # weight 0 = out
    ],
)
def test_mixture_sizes(available: dict, weights: dict, size: int | None, replace: bool,
                       expected: dict) -> None:
    assert mixture_sizes(available, weights, size=size, replace=replace) == expected


def test_mix_keeps_task_column_and_contract_columns() -> None:
    mixed, report = mix_tasks({"a": _split("a", 20), "b": _split("b", 5)}, {"a": 1, "b": 1},
                              size=None, seed=0, replace=False)
    assert list(mixed.columns) == list(CONTRACT_COLUMNS)
    assert mixed["task"].value_counts().to_dict() == {"a": 5, "b": 5}
    assert report["rows_per_task"] == {"a": 5, "b": 5} and mixed["id"].is_unique


def test_mixed_prompt_styles_are_refused() -> None:
    with pytest.raises(ValueError, match="prompt styles"):
        mix_tasks({"a": _split("a", 3), "b": _split("b", 3, prompt="text<think>")},
                  {"a": 1, "b": 1}, size=None, seed=0, replace=False)


def test_no_active_task_is_refused() -> None:
    with pytest.raises(ValueError, match="no task"):
        mix_tasks({"a": _split("a", 3)}, {"a": 0}, size=None, seed=0, replace=False)
