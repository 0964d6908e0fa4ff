"""The `deepmath` pipeline end to end through a KedroSession: the embedded default, hostile rows,
and a local mirror in DeepMath-103K's true Hub layout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import latest_version as _latest
from tests.kedro_helpers import run_pipelines


def _run(project_root: Path, data_dir: Path, **extra: object) -> None:
    run_pipelines(project_root, data_dir, ["deepmath"], extra)


@pytest.mark.slow
def test_deepmath_pipeline_on_embedded_default(project_root: Path, tmp_path: Path) -> None:
    _run(project_root, tmp_path, **{"deepmath.embedded.count": 24, "deepmath.split.seed": 3})
    train = pd.read_parquet(_latest(tmp_path / "05_model_input" / "deepmath_train.parquet"))
    test = pd.read_parquet(_latest(tmp_path / "05_model_input" / "deepmath_test.parquet"))
    rejects = pd.read_parquet(_latest(tmp_path / "08_reporting" / "deepmath_rejects.parquet"))
    assert len(train) + len(test) + len(rejects) == 24
    assert len(train) >= 18 and len(test) >= 1
    row = train.iloc[0]
    image = Image.open(io.BytesIO(row["image"]["bytes"]))
    assert image.width <= 750 and image.height > 10
    assert {"prompt", "image", "solution", "id", "question", "difficulty", "topic"} <= set(
        train.columns
    )
    # the split loads as a Hugging Face dataset with a decoded image, as GRPOTrainer wants it
    import datasets

    ds = datasets.Dataset.from_pandas(train).cast_column("image", datasets.Image())
    assert ds[0]["image"].size == image.size
    assert ds[0]["prompt"][1]["content"][0]["type"] == "image"


@pytest.mark.slow
def test_bad_rows_become_rejects_not_crashes(project_root: Path, tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    rows = [
        {"question": "What is $2+2$?", "final_answer": "4"},
        {"question": "Read \\input{/etc/passwd} please", "final_answer": "1"},
        {"question": "\\def\\x{\\x}\\x", "final_answer": "1"},
        {"question": "", "final_answer": "1"},
        {"question": "Compute $\\frac{1}{2}+\\frac{1}{3}$.", "final_answer": "\\frac{5}{6}"},
    ]
    pd.DataFrame(rows).to_json(source, orient="records", lines=True)
    # a local file with only a question and an answer: the optional fields map to nothing
    _run(project_root, tmp_path / "data", **{"deepmath.source.path": str(source),
                                              "deepmath.source.columns.difficulty": None,
                                              "deepmath.source.columns.topic": None,
                                              "deepmath.render.timeout_s": 20})
    data = tmp_path / "data"
    rejects = pd.read_parquet(_latest(data / "08_reporting" / "deepmath_rejects.parquet"))
    train = pd.read_parquet(_latest(data / "05_model_input" / "deepmath_train.parquet"))
    test = pd.read_parquet(_latest(data / "05_model_input" / "deepmath_test.parquet"))
    assert sorted(rejects["row_id"]) == ["deepmath-1", "deepmath-2", "deepmath-3"]
    assert all(reason for reason in rejects["reason"])
    assert len(train) + len(test) == 2


@pytest.mark.slow
def test_rerun_with_only_missing_outputs_reuses_outputs(project_root: Path, tmp_path: Path) -> None:
    _run(project_root, tmp_path, **{"deepmath.embedded.count": 8})
    run_pipelines(
        project_root, tmp_path, ["deepmath"], {"deepmath.embedded.count": 8},
        only_missing_outputs=True,
    )
    versions = list((tmp_path / "05_model_input" / "deepmath_train.parquet").iterdir())
    assert len(versions) == 1  # nothing was recomputed, so no second version was written


@pytest.mark.slow
def test_deepmath_pipeline_on_a_true_layout_mirror(project_root: Path, tmp_path: Path) -> None:
    # DeepMath-103K's layout: card + 10 shards; the first 25 rows (2 shards and a half) are read
    rows = hub.deepmath_rows(40)
    rows[3] = {**rows[3], "final_answer": "\\frac{1}{"}  # a gold nobody can match
    rows[5] = {**rows[5], "question": "  "}  # an empty question
    hub.write_deepmath_mirror(tmp_path / "DeepMath-103K", rows, shards=10, row_group=2)
    mirror = str(tmp_path / "DeepMath-103K")
    _run(project_root, tmp_path / "data",
         **{"deepmath.source.path": mirror, "deepmath.source.limit": 25})
    data = tmp_path / "data"
    kept = pd.concat([pd.read_parquet(_latest(data / "05_model_input" / f"deepmath_{s}.parquet"))
                      for s in ("train", "test")], ignore_index=True)
    rejects = pd.read_parquet(_latest(data / "08_reporting" / "deepmath_rejects.parquet"))
    report = json.loads(_latest(data / "08_reporting" / "deepmath_report.json").read_text())
    assert rejects[["row_id", "reason"]].values.tolist() == [
        ["deepmath-3", "unparseable_answer"], ["deepmath-5", "empty_question"]]
    assert sorted(kept["id"]) == sorted(f"deepmath-{i}" for i in range(25) if i not in (3, 5))
    for row in kept.to_dict("records"):
        source = rows[int(row["id"].removeprefix("deepmath-"))]
        assert row["question"] == source["question"]
        assert row["solution"] == source["final_answer"] and row["topic"] == source["topic"]
        assert row["difficulty"] == source["difficulty"]
        assert Image.open(io.BytesIO(row["image"]["bytes"])).width <= 750
    assert report["source"]["files"] == hub.shard_names("train", 10)  # the split's files
    assert report["source"]["columns"] == {"question": "question", "answer": "final_answer",
                                           "difficulty": "difficulty", "topic": "topic"}
