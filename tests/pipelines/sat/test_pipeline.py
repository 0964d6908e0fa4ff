"""The `sat` pipeline end to end through a KedroSession: the embedded default, and local
mirrors in array/SAT's and array/SAT-v2's true Hub layouts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import run_pipelines


def _run(project_root: Path, data_dir: Path, params: dict) -> None:
    # kedro-mlflow's hook refuses its default file store unless this is set (see README)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    bootstrap_project(project_root)
    runtime = {"data_dir": str(data_dir), **params}
    with KedroSession.create(project_path=project_root, runtime_params=runtime) as session:
        session.run(pipeline_names=["sat"])


def _latest(folder: Path) -> Path:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name


@pytest.mark.slow
def test_sat_pipeline_on_embedded_default(project_root: Path, tmp_path: Path) -> None:
    embedded = {"count": 40, "malformed_rows": 4, "multi_image_fraction": 0.1}
    _run(project_root, tmp_path, {"sat": {"embedded": embedded, "prompt": {"style": "instruct"}}})
    train = pd.read_parquet(_latest(tmp_path / "05_model_input" / "sat_train.parquet"))
    test = pd.read_parquet(_latest(tmp_path / "05_model_input" / "sat_test.parquet"))
    rejects = pd.read_parquet(_latest(tmp_path / "08_reporting" / "sat_rejects.parquet"))
    report = json.loads(_latest(tmp_path / "08_reporting" / "sat_report.json").read_text())
    raw = pd.read_parquet(tmp_path / "01_raw" / "sat_raw.parquet")
    assert len(raw) == 44 and len(train) + len(test) + len(rejects) == 44
    assert set(rejects["reason"]) == {"missing_image", "undecodable_image",
                                      "answer_not_in_choices", "empty_question",
                                      "multi_image_skipped"}
    assert report["rows_loaded"] == 44 and report["rows_kept"]["test"] == len(test)
    assert set(test["question_type"]) == set(train["question_type"])  # stratified split
    assert list(train.columns[:10]) == ["id", "task", "prompt", "image", "solution",
                                        "answer_type", "question", "difficulty", "topic",
                                        "choices"]
    assert set(train["answer_type"]) == {"multiple_choice"}
    for row in train.to_dict("records"):
        assert row["solution"] == f"<answer>{row['answer']}</answer>"
        assert row["answer"] in list(row["choices"])

    import datasets

    ds = datasets.Dataset.from_pandas(train).cast_column("image", datasets.Image())
    assert ds[0]["image"].size == (384, 288)
    assert ds[0]["prompt"][0]["content"][0]["type"] == "image"


def _outputs(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The kept rows (train + test), the rejects and the report of a `sat` run."""
    splits = [pd.read_parquet(_latest(data / "05_model_input" / f"sat_{s}.parquet"))
              for s in ("train", "test")]
    rejects = pd.read_parquet(_latest(data / "08_reporting" / "sat_rejects.parquet"))
    report = json.loads(_latest(data / "08_reporting" / "sat_report.json").read_text())
    return pd.concat(splits, ignore_index=True), rejects, report


@pytest.mark.slow
@pytest.mark.parametrize(
    ("layout", "files"),
    [
        # array/SAT: SAT_<split>.parquet, one row group, image_bytes = list<binary> JPEG
        ("sat", ["SAT_train.parquet"]),
        # array/SAT-v2: data/<split>-* shards written by datasets, images = List(Image())
        ("sat_v2", ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]),
    ],
)
def test_sat_pipeline_on_a_true_layout_mirror(project_root: Path, tmp_path: Path, layout: str,
                                              files: list[str]) -> None:
    writer = hub.write_sat_mirror if layout == "sat" else hub.write_sat_v2_mirror
    written = writer(tmp_path / layout, {"train": 12, "val": 3}, dynamic_every=3)["train"]
    run_pipelines(project_root, tmp_path / "data", ["sat"],
                  {"sat.source.path": str(tmp_path / layout), "sat.source.limit": 10})
    rows, rejects, report = _outputs(tmp_path / "data")
    # rows 6 and 9 carry two images: VisualThinker skips them; the other 8 of the first 10 stay
    assert sorted(rejects["row_id"]) == ["sat-6", "sat-9"]
    assert set(rejects["reason"]) == {"multi_image_skipped"}
    assert sorted(rows["id"]) == sorted(f"sat-{i}" for i in (0, 1, 2, 3, 4, 5, 7, 8))
    for row in rows.to_dict("records"):
        source = written[int(row["id"].removeprefix("sat-"))]
        assert row["question"] == source["question"] and row["answer"] == source["correct_answer"]
        assert sorted(row["choices"]) == sorted(source["answers"])
        assert np.array_equal(hub.rgb_pixels(row["image"]["bytes"]),
                              hub.rgb_pixels(source["image_bytes"][0]))
    assert report["source"]["kind"] == "mirror" and report["source"]["files"] == files
    assert report["image_modes"] == {"RGB": 8} and report["rows_loaded"] == 10
