"""The `sat` pipeline end to end through a KedroSession, on the embedded default."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


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
