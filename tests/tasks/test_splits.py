import pandas as pd
import pydantic
import pytest

from mathrl_pipeline.tasks.splits import SplitParams, split_frame


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"r{i}" for i in range(rows)], "g": ["a", "b"] * (rows // 2)})


def test_split_is_seeded_and_disjoint() -> None:
    frame = _frame(100)
    train1, test1 = split_frame(frame, SplitParams(test_fraction=0.2, seed=3))
    train2, test2 = split_frame(frame, SplitParams(test_fraction=0.2, seed=3))
    assert list(test1["id"]) == list(test2["id"])
    assert len(test1) == 20 and len(train1) == 80
    assert not set(train1["id"]) & set(test1["id"])
    _, test3 = split_frame(frame, SplitParams(test_fraction=0.2, seed=4))
    assert set(test3["id"]) != set(test1["id"])


def test_split_stratified_keeps_group_shares() -> None:
    _, test = split_frame(_frame(100), SplitParams(test_fraction=0.2, seed=0, stratify_by="g"))
    assert test["g"].value_counts().to_dict() == {"a": 10, "b": 10}


def test_split_max_test_caps_the_test_set() -> None:
    train, test = split_frame(_frame(100), SplitParams(test_fraction=0.5, seed=0, max_test=7))
    assert len(test) == 7 and len(train) == 93


def test_split_by_group_keeps_each_group_on_one_side() -> None:
    # arith renders each problem twice: a held-out problem must have no render in train
    frame = pd.DataFrame({"id": range(40), "problem": [f"p{i // 2}" for i in range(40)]})
    train, test = split_frame(frame, SplitParams(test_fraction=0.25, seed=0, group_by="problem"))
    assert not set(train["problem"]) & set(test["problem"])
    assert test["problem"].nunique() == 5 and len(test) == 10


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"stratify_by": "nope"}, "split.stratify_by"),  # a column the rows lack
        ({"group_by": "nope"}, "split.group_by"),  # likewise
        ({"stratify_by": "g", "group_by": "id"}, "not both"),  # two ways to split at once
    ],
)
def test_split_columns_are_checked(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_frame(_frame(10), SplitParams(**params))


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])  # out of range fractions
def test_split_rejects_bad_fraction(fraction: float) -> None:
    with pytest.raises(pydantic.ValidationError, match="test_fraction"):
        SplitParams(test_fraction=fraction)
