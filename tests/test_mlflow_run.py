"""The MLflow run of `kedro run`: named after pipeline, task and start time; the models it saved
referenced by their catalog version (tag) and logged (summary, and the small folder itself)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from mathrl_pipeline.hooks import MODEL_TAG, run_name
from mathrl_pipeline.pipeline_registry import task_of


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["__default__"], "__default__ (arith) 2026-05-01 14:03:12"),
        (["grpo_sat"], "grpo_sat (sat) 2026-05-01 14:03:12"),
        (["train"], "train (deepmath) 2026-05-01 14:03:12"),
        (["arith", "deepmath"], "arith+deepmath (arith+deepmath) 2026-05-01 14:03:12"),
        ([], "__default__ (arith) 2026-05-01 14:03:12"),
    ],
)
def test_run_name(names: list[str], expected: str) -> None:
    name, tags = run_name(names, datetime(2026, 5, 1, 14, 3, 12))
    assert name == expected
    assert tags["mathrl.task"] == expected.split("(")[1].split(")", maxsplit=1)[0]


def test_task_of_every_registered_pipeline() -> None:
    from mathrl_pipeline.pipeline_registry import register_pipelines

    tasks = {name: task_of(name) for name in register_pipelines()}
    assert tasks["grpo_latex_ocr"] == "latex_ocr" and tasks["sat"] == "sat"
    assert tasks["__default__"] == "arith" and tasks["evaluate"] == "deepmath"


@pytest.mark.slow
def test_default_run_is_named_and_references_its_models(
    small_default_run: tuple[Path, str],
) -> None:
    import mlflow

    data_dir, uri = small_default_run
    client = mlflow.MlflowClient(uri)
    (experiment,) = [e for e in client.search_experiments() if e.name == "mathrl_pipeline"]
    (run,) = client.search_runs([experiment.experiment_id])
    assert re.fullmatch(r"__default__ \(arith\) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d",
                        run.info.run_name), run.info.run_name
    assert run.data.tags["mathrl.task"] == "arith"
    assert run.info.status == "FINISHED"
    for name, folder in (("trained_model", "grpo_model"), ("base_model", "base_model")):
        path = Path(run.data.tags[MODEL_TAG + name])
        (version,) = (data_dir / "06_models" / folder).iterdir()
        assert path == version / folder and (path / "config.json").is_file()
        local = Path(client.download_artifacts(run.info.run_id, f"models/{name}.json"))
        summary = json.loads(local.read_text())
        assert summary["version"] == version.name and "config.json" in summary["files"]
    logged = [a.path for a in client.list_artifacts(run.info.run_id, "models/trained_model")]
    assert "models/trained_model/config.json" in logged


@pytest.mark.slow
def test_default_run_logs_each_figure_and_the_report_once(
    small_default_run: tuple[Path, str],
) -> None:
    """Files whose catalog entry has `mlflow_artifact_path` are artifacts of the run, the same
    bytes as the versioned file (one catalog entry each: no MLflow twin in the graph)."""
    import mlflow

    data_dir, uri = small_default_run
    client = mlflow.MlflowClient(uri)
    (experiment,) = [e for e in client.search_experiments() if e.name == "mathrl_pipeline"]
    (run,) = client.search_runs([experiment.experiment_id])
    pairs = [("report/eval_report.html", "eval_report.html")] + [
        (f"training_plots/{name}.png", f"training_plots/{name}.png")
        for name in ("reward", "completion_length", "kl", "entropy", "reflection_rate")
    ]
    for artifact, relative in pairs:
        (version,) = (data_dir / "08_reporting" / relative).iterdir()
        local = Path(client.download_artifacts(run.info.run_id, artifact))
        assert local.read_bytes() == (version / Path(relative).name).read_bytes(), artifact


def test_catalog_has_no_mlflow_twins(project_root: Path) -> None:
    """An MLflow copy of a dataset is metadata on its entry, not a second dataset (viz node)."""
    import yaml

    for path in sorted((project_root / "conf").rglob("catalog*.yml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, entry in entries.items():
            if isinstance(entry, dict):
                assert "MlflowArtifactDataset" not in str(entry.get("type")), (path, name)
