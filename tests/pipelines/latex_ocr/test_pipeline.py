"""The `latex_ocr` pipeline end to end through a KedroSession, on the embedded default."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from PIL import Image


def _latest(folder: Path) -> Path:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name


@pytest.mark.slow
def test_latex_ocr_pipeline_on_embedded_default(project_root: Path, tmp_path: Path) -> None:
    # kedro-mlflow's hook refuses its default file store unless this is set (see README)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    bootstrap_project(project_root)
    runtime = {"data_dir": str(tmp_path),
               "latex_ocr": {"embedded": {"count": 12, "malformed_rows": 4}}}
    with KedroSession.create(project_path=project_root, runtime_params=runtime) as session:
        session.run(pipeline_names=["latex_ocr"])
    train = pd.read_parquet(_latest(tmp_path / "05_model_input" / "latex_ocr_train.parquet"))
    test = pd.read_parquet(_latest(tmp_path / "05_model_input" / "latex_ocr_test.parquet"))
    rejects = pd.read_parquet(_latest(tmp_path / "08_reporting" / "latex_ocr_rejects.parquet"))
    report = json.loads(_latest(tmp_path / "08_reporting" / "latex_ocr_report.json").read_text())
    render = json.loads(
        _latest(tmp_path / "08_reporting" / "latex_ocr_render_report.json").read_text())
    assert len(train) + len(test) == 12 and render["rendered"] == 12
    assert sum(report["rows_kept"].values()) == 12
    assert sorted(rejects["reason"]) == ["empty_after_normalize", "empty_formula",
                                         "empty_formula", "render_failed"]
    row = train.iloc[0]
    assert row["answer_type"] == "latex" and "\\label" not in row["solution"]
    assert Image.open(io.BytesIO(row["image"]["bytes"])).width <= 750
