"""`base_model` + `train` through a real KedroSession: tiny model -> GRPO -> curves -> MLflow."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.training.digits import digit_frame

STEPS = 3


def _test_conf(project_root: Path, tmp_path: Path, split: Path) -> Path:
    """The project's configuration plus an env mapping the free inputs to a digit split."""
    conf = tmp_path / "conf"
    shutil.copytree(project_root / "conf", conf)
    env = conf / "test_train"
    env.mkdir()
    entry = {"type": "pandas.ParquetDataset", "filepath": str(split)}
    # `deepmath_train`: the split the registry maps `train_split` to, if it does
    names = ("train_split", "tokenizer_corpus_split", "deepmath_train")
    (env / "catalog.yml").write_text(yaml.safe_dump(dict.fromkeys(names, entry)))
    return conf


# Runtime parameters merge into the base ones key by key (an env file would replace `train`).
RUNTIME = {
    "train": {
        "max_steps": STEPS,
        "save_steps": 2,
        "max_completion_length": 8,
        "samples_every": 1,
        "max_prompt_length": None,
    },
    "base_model": {"tiny": {"max_pixels": 112 * 112}},
}


@pytest.fixture
def mlflow_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway SQLite MLflow store (artifacts go to ./mlruns: run from tmp_path)."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    return uri


def test_base_model_then_train_through_a_session(
    project_root: Path, tmp_path: Path, mlflow_uri: str
) -> None:
    import mlflow

    split = tmp_path / "digits.parquet"
    digit_frame(8).to_parquet(split)
    conf = _test_conf(project_root, tmp_path, split)
    data = tmp_path / "data"
    bootstrap_project(project_root)
    os.environ["HF_HUB_OFFLINE"] = "1"
    with KedroSession.create(
        project_path=project_root,
        env="test_train",
        conf_source=str(conf),
        runtime_params={"data_dir": str(data), **RUNTIME},
    ) as session:
        session.run(pipeline_names=["base_model", "train"])
    while mlflow.active_run():
        mlflow.end_run()

    # checkpoints and the final model under the data folder, versioned outputs beside them
    assert (data / "06_models" / "grpo_checkpoints" / "deepmath" / "checkpoint-2").is_dir()
    (model_version,) = (data / "06_models" / "grpo_model").iterdir()
    assert (model_version / "grpo_model" / "model.safetensors").is_file()
    import pandas as pd

    (metrics_version,) = (data / "08_reporting" / "train_metrics.csv").iterdir()
    metrics = pd.read_csv(metrics_version / "train_metrics.csv")
    assert metrics["step"].tolist() == list(range(1, STEPS + 1))
    expected = ["reward", "reward_std", "completions/mean_length", "kl", "entropy"]
    expected += ["learning_rate", "step_time", "reflection_rate", "rewards/accuracy/mean"]
    for column in expected:
        assert column in metrics.columns, column
    plots = sorted(p.name for p in (data / "08_reporting" / "training_plots").iterdir())
    assert all(any(p.rglob("*.png")) for p in (data / "08_reporting" / "training_plots").iterdir())
    assert plots == sorted(
        ["reward.png", "completion_length.png", "kl.png", "entropy.png", "reflection_rate.png"]
    )

    client = mlflow.MlflowClient(tracking_uri=mlflow_uri)
    (experiment,) = [e for e in client.search_experiments() if e.name == "mathrl_pipeline"]
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params["train_deepmath.num_generations"] == "4"
    assert len(client.get_metric_history(run.info.run_id, "train.reward")) == STEPS
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id, "training_plots")]
    assert "training_plots/reward.png" in artifacts
