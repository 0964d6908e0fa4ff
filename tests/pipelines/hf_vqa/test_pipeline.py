"""The `hf_vqa` pipeline through a KedroSession: embedded default and the three preset schemas."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from . import fixtures


def _end_tracking_run() -> None:
    """Close the run kedro-mlflow's hook may leave open, so the next session starts clean."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is not None:
        mlflow.end_run()


def _run(project_root: Path, data_dir: Path, params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    # kedro-mlflow's hook refuses its default file store unless this is set (see README)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    bootstrap_project(project_root)
    runtime = {"data_dir": str(data_dir), "hf_vqa": params}
    with KedroSession.create(project_path=project_root, runtime_params=runtime) as session:
        session.run(pipeline_names=["hf_vqa"])
    _end_tracking_run()
    frames = []
    for folder in ("05_model_input/hf_vqa_train.parquet", "05_model_input/hf_vqa_test.parquet",
                   "08_reporting/hf_vqa_rejects.parquet"):
        path = data_dir / folder
        version = sorted(p for p in path.iterdir() if p.is_dir())[-1]
        frames.append(pd.read_parquet(version / path.name))
    train, test, rejects = frames
    return pd.concat([train, test], ignore_index=True), rejects


@pytest.mark.slow
def test_embedded_default(project_root: Path, tmp_path: Path) -> None:
    rows, rejects = _run(project_root, tmp_path,
                         {"embedded": {"count": 12, "malformed_rows": 4}})
    assert len(rows) == 12
    assert sorted(rejects["reason"]) == ["answer_not_numeric", "empty_question", "missing_image",
                                         "undecodable_image"]
    assert set(rows["answer_type"]) == {"number"}
    assert all(s.isdigit() for s in rows["solution"])
    assert "final answer (number)" in rows.loc[0, "prompt"][-1]["content"][1]["text"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset", "make_rows", "expected"),
    [
        # R1-V CLEVR counting, one row without image bytes
        ("clevr_cogen", fixtures.clevr_cogen_rows, (["3", "5", "7"], "missing_image", "number")),
        # R1-V GeoQA, one row with broken bytes
        ("geoqa_r1v", fixtures.geoqa_rows, (["60", "80", "90"], "undecodable_image", "math")),
        # open-r1-multimodal 8k, one row with an empty question
        ("multimodal_open_r1", fixtures.open_r1_rows, (["2", "4", "6"], "empty_question",
                                                       "math")),
    ],
)
def test_preset_schemas(project_root: Path, tmp_path: Path, preset: str, make_rows,
                        expected: tuple[list[str], str, str]) -> None:
    answers, reason, answer_type = expected
    source = fixtures.write(make_rows(), tmp_path / f"{preset}.parquet")
    rows, rejects = _run(project_root, tmp_path / "data",
                         {"source": {"preset": preset, "path": str(source)}})
    assert sorted(rows["solution"]) == answers
    assert rejects["reason"].tolist() == [reason]
    assert set(rows["answer_type"]) == {answer_type}
    assert set(rows["source"]) == {str(source)}
