"""The `cvbench` pipeline end to end through a KedroSession: the embedded default, and a local
mirror in CV-Bench's true Hub layout (test_2d / test_3d parquet, card configs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import run_pipelines


def _latest(folder: Path) -> Path:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name


@pytest.mark.slow
def test_cvbench_pipeline_on_embedded_default(project_root: Path, tmp_path: Path) -> None:
    # kedro-mlflow's hook refuses its default file store unless this is set (see README)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    bootstrap_project(project_root)
    runtime = {"data_dir": str(tmp_path),
               "cvbench": {"embedded": {"count": 16, "malformed_rows": 4}}}
    with KedroSession.create(project_path=project_root, runtime_params=runtime) as session:
        session.run(pipeline_names=["cvbench"])
    test = pd.read_parquet(_latest(tmp_path / "05_model_input" / "cvbench_test.parquet"))
    rejects = pd.read_parquet(_latest(tmp_path / "08_reporting" / "cvbench_rejects.parquet"))
    report = json.loads(_latest(tmp_path / "08_reporting" / "cvbench_report.json").read_text())
    assert not (tmp_path / "05_model_input" / "cvbench_train.parquet").exists()
    assert len(test) == 16 and len(rejects) == 4
    assert set(rejects["reason"]) == {"missing_image", "undecodable_image",
                                      "answer_not_in_choices", "empty_choices"}
    assert report["by_question_type"]["test"] == {"Count": 4, "Depth": 4, "Distance": 4,
                                                  "Relation": 4}
    assert set(test["type"]) == {"2D", "3D"}
    assert set(test[test["type"] == "3D"]["source"]) == {"Omni3D"}
    for row in test.to_dict("records"):
        assert row["solution"] == f"<answer>{row['answer']}</answer>"
        assert list(row["choices"])[ord(row["answer_letter"]) - 65] == row["answer_text"]
        assert row["cvbench_prompt"] in row["prompt"]
        assert "Select from the following choices.\n(A) " in row["cvbench_prompt"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected_idx"),
    [
        (None, list(range(7))),  # the default config: test_2d.parquet then test_3d.parquet
        ("3D", [4, 5, 6]),  # the 3D config alone
    ],
)
def test_cvbench_pipeline_on_a_true_layout_mirror(project_root: Path, tmp_path: Path,
                                                  name: str | None,
                                                  expected_idx: list[int]) -> None:
    written = {r["idx"]: r for r in hub.write_cvbench_mirror(tmp_path / "CV-Bench", 4, 3)}
    params = {"cvbench.source.path": str(tmp_path / "CV-Bench"), "cvbench.source.name": name}
    run_pipelines(project_root, tmp_path / "data", ["cvbench"], params)
    test = pd.read_parquet(_latest(tmp_path / "data" / "05_model_input" / "cvbench_test.parquet"))
    report = json.loads(_latest(tmp_path / "data" / "08_reporting" / "cvbench_report.json")
                        .read_text())
    assert test["idx"].tolist() == expected_idx
    for row in test.to_dict("records"):
        source = written[row["idx"]]
        assert row["answer"] == source["answer"] and list(row["choices"]) == source["choices"]
        assert row["cvbench_prompt"] == source["prompt"] and row["source"] == source["source"]
        assert row["question_type"] == source["task"]
        assert row["image"]["bytes"] == source["image"]["bytes"]  # RGB PNG: kept byte for byte
    assert report["source"]["files"] == (["test_2d.parquet", "test_3d.parquet"] if name is None
                                         else ["test_3d.parquet"])
