"""The `mixture` pipeline through a KedroSession, after the task pipelines it reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project


def _latest(folder: Path) -> Path:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name


@pytest.mark.slow
def test_mixture_on_embedded_defaults(project_root: Path, tmp_path: Path) -> None:
    # kedro-mlflow's hook refuses its default file store unless this is set (see README)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    bootstrap_project(project_root)
    runtime = {
        "data_dir": str(tmp_path),
        "deepmath": {"embedded": {"count": 8}},
        "hf_vqa": {"embedded": {"count": 10}},
        "latex_ocr": {"embedded": {"count": 10}},
        "sat": {"embedded": {"count": 10}, "prompt": {"style": "instruct"}},
        "mixture": {"weights": {"deepmath": 1, "hf_vqa": 1, "latex_ocr": 1, "sat": 1},
                    "size": 12},
    }
    with KedroSession.create(project_path=project_root, runtime_params=runtime) as session:
        session.run(pipeline_names=["deepmath", "hf_vqa", "latex_ocr", "sat", "mixture"])
    mixed = pd.read_parquet(_latest(tmp_path / "05_model_input" / "mixture_train.parquet"))
    report = json.loads(_latest(tmp_path / "08_reporting" / "mixture_report.json").read_text())
    assert len(mixed) == 12 and report["rows"] == 12
    assert mixed["task"].value_counts().to_dict() == {"deepmath": 3, "hf_vqa": 3,
                                                      "latex_ocr": 3, "sat": 3}
    assert set(mixed["answer_type"]) >= {"latex", "multiple_choice", "number"}
