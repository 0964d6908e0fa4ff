"""Benchmark scorers: the registry, CV-Bench aggregation (the benchmark's own definition) and
LaTeX-OCR metrics, on hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.evaluation import (
    SCORERS,
    benchmark_scores,
    cvbench_scores,
    get_scorer,
    latex_ocr_scores,
    scorer_names,
)


def _cvbench_table() -> pd.DataFrame:
    rows = (
        # (type, source, sub-task, correct)
        [("2D", "ADE20K", "Count", c) for c in (True, True)]
        + [("2D", "ADE20K", "Relation", c) for c in (True, False)]  # ADE20K 3/4 = 0.75
        + [("2D", "COCO", "Count", c) for c in (True, False)]  # COCO 1/2 = 0.5
        + [("3D", "Omni3D", "Depth", c) for c in (True, False)]
        + [("3D", "Omni3D", "Distance", c) for c in (False, False)]  # Omni3D 1/4 = 0.25
    )
    return pd.DataFrame(
        [
            {
                "id": f"cv-{i}",
                "task": "cvbench",
                "type": t,
                "source": s,
                "cvbench_task": k,
                "correct": c,
                "mode": "greedy",
                "style": "keep",
            }
            for i, (t, s, k, c) in enumerate(rows)
        ]
    )


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("2d/ade20k", 0.75),  # per source first
        ("2d/coco", 0.5),
        ("2d", 0.625),  # mean of ADE20K and COCO, not 4/6 over the 2D rows
        ("3d/omni3d", 0.25),
        ("3d", 0.25),
        ("cvbench", (0.625 + 0.25) / 2),  # the benchmark's total: mean of 2D and 3D
        ("micro", 0.5),  # plain accuracy over the file: 5/10
        ("task/count", 0.75),  # VisualThinker's per-task view: 3/4
        ("task/relation", 0.5),
        ("task/depth", 0.5),
        ("task/distance", 0.0),
        ("task_mean", (0.75 + 0.5 + 0.5 + 0.0) / 4),
    ],
)
def test_cvbench_scores_on_hand_made_table(key: str, expected: float) -> None:
    assert cvbench_scores(_cvbench_table())[key] == pytest.approx(expected)


def test_cvbench_sub_task_of_the_split_is_found() -> None:
    # the cvbench_test split names the sub-task `question_type` (tasks/cvbench.py)
    table = _cvbench_table().rename(columns={"cvbench_task": "question_type"})
    assert cvbench_scores(table)["task/count"] == pytest.approx(0.75)


def test_benchmark_scores_routes_cvbench_rows() -> None:
    scores = benchmark_scores(_cvbench_table())
    assert scores["keep"]["cvbench"]["cvbench"] == pytest.approx(0.4375)


def test_which_scorer_scores_a_task_is_data() -> None:
    table = _cvbench_table()
    assert benchmark_scores(table, {})["keep"]["cvbench"] == {"accuracy": 0.5, "n": 10.0}
    renamed = table.assign(task="cvbench_v2")
    scores = benchmark_scores(renamed, {"cvbench_v2": "cvbench"})["keep"]["cvbench_v2"]
    assert scores["cvbench"] == pytest.approx(0.4375)


def test_cvbench_without_its_columns_is_plain_accuracy() -> None:
    table = _cvbench_table().drop(columns=["type", "source"])
    assert benchmark_scores(table)["keep"]["cvbench"] == {"accuracy": 0.5, "n": 10.0}


def test_scorer_registry() -> None:
    assert scorer_names() == sorted(SCORERS) == ["accuracy", "cvbench", "latex_ocr"]
    frame = pd.DataFrame({"solution": ["a+b"], "extracted": ["b+a"]})
    assert "sympy_equivalence" not in get_scorer("latex_ocr", with_sympy=False)(frame)
    with pytest.raises(ValueError, match="unknown scorer 'bleu'; valid scorers: accuracy"):
        get_scorer("bleu")


@pytest.mark.parametrize(
    ("gold", "pred", "key", "expected"),
    [
        (r"\frac{1}{2}", r"\frac{1}{2}", "exact_match", 1.0),  # identical
        (r"\frac{1}{2}", r"\frac {1} {2}", "exact_match", 1.0),  # whitespace only
        (r"x^{2}", r"x^2", "normalized_match", 1.0),  # redundant braces normalised
        (r"a+b", r"a-b", "exprate_le1", 1.0),  # one token edit
        (r"a+b", r"a-b", "exprate", 0.0),
        (r"a+b+c", r"a-b-c", "exprate_le2", 1.0),  # two token edits
        (r"a+b", None, "exact_match", 0.0),  # nothing extracted
        (r"a+b", r"b+a", "sympy_equivalence", 1.0),  # symbolic equivalence
    ],
)
def test_latex_ocr_scores(gold: str, pred: str | None, key: str, expected: float) -> None:
    frame = pd.DataFrame({"solution": [gold], "extracted": [pred]})
    assert latex_ocr_scores(frame)[key] == pytest.approx(expected)
