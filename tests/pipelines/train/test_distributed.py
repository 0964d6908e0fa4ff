"""`kedro run` trains on 2 processes over gloo: plain DDP, DeepSpeed ZeRO-2 and ZeRO-3, on CPU.

Each run is the project's `train` pipeline through a KedroSession (or the `kedro run` command),
with `train.distributed.num_processes: 2`: Kedro stays one process and the node starts
`accelerate launch`. A probe inside every rank (rank_probe.py, loaded through `sitecustomize`)
records whether each scored row's prompt, solution, id and image belong together and the rank's
own rewards. Then: metrics, samples and MLflow points are written once; the logged reward is the
mean over both ranks; DDP and ZeRO-2 from the same seed end with the same weights (WEIGHT_ATOL);
a SIGKILL of the whole process group resumes at the last checkpoint with the base model as KL
reference; a failing rank fails the node with its exit code.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.kedro_helpers import latest_version
from tests.pipelines.train.rank_probe import (
    FAIL_CODE,
    FAIL_RANK,
    PROBE_DIR,
    SIZES,
    partitioned_at_load,
    read_probe,
    sitecustomize_source,
)
from tests.training.digits import digit_frame

pytestmark = pytest.mark.slow
logger = logging.getLogger(__name__)

ENV = "test_distributed"
STEPS = 4
# DDP and ZeRO-2 reduce the same gradients in a different order: measured max |diff| of the final
# weights 2.4e-6 after 4 steps that move them by 4e-3 (lr 1e-3); the bound leaves 4x headroom.
WEIGHT_ATOL = 1e-5
# conf/<ENV>/parameters.yml, merged key by key into conf/base's `train` (train_deepmath extends it)
TRAIN = {
    "rewards": [
        {"name": "format"},
        # shaping: differs between the completions of a group, so every step moves the weights
        {"name": "length_penalty", "kwargs": {"limit": 0, "slope": 0.005, "unit": "chars"}},
    ],
    "num_generations": 2,
    "per_device_train_batch_size": 4,  # 2 prompts x 2 completions per rank and step
    "max_steps": STEPS,
    "save_steps": 2,
    "max_completion_length": 8,
    "samples_every": 1,
    "samples_per_step": 2,
    "beta": 0.04,
    "seed": 0,
    "distributed": {"num_processes": 2},
}
CONFIGS = {"ddp": None, "zero2": "zero2.yaml", "zero3": "zero3.yaml"}
CHECKPOINTS = "06_models/grpo_checkpoints/deepmath"


@dataclass
class Project:
    """A copy of the project's configuration with an environment for these runs."""

    root: Path
    conf: Path
    work: Path
    model: Path
    split: Path


@pytest.fixture(scope="module")
def project(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """conf/ + an env mapping `deepmath_train` and `base_model` to a digit split and tiny model."""
    from mathrl_pipeline.models.tiny import TinyModelSpec, build_tiny_model

    work = tmp_path_factory.mktemp("distributed")
    model = work / "tiny_model"
    texts = [f"Row {i}: which digit is shown? {i}" for i in range(10)]
    build_tiny_model(texts, TinyModelSpec(max_pixels=112 * 112)).save_pretrained(model)
    split = work / "digits.parquet"
    digit_frame(8, sizes=SIZES).to_parquet(split)
    conf = work / "conf"
    shutil.copytree(project_root / "conf", conf)
    env = conf / ENV
    env.mkdir()
    catalog = {
        "deepmath_train": {"type": "pandas.ParquetDataset", "filepath": str(split)},
        "base_model": {"type": "mathrl_pipeline.datasets.ModelDirectoryDataset",
                       "filepath": str(model)},
    }
    (env / "catalog.yml").write_text(yaml.safe_dump(catalog), encoding="utf-8")
    (env / "parameters.yml").write_text(yaml.safe_dump({"train": TRAIN}), encoding="utf-8")
    (work / "site").mkdir()
    (work / "site" / "sitecustomize.py").write_text(sitecustomize_source(project_root))
    return Project(project_root, conf, work, model, split)


def _probe_env(project: Project, run: Path, **extra: str) -> dict[str, str]:
    """Variables every process of a run inherits: the probe, a throwaway MLflow store."""
    (run / "probe").mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join([str(project.work / "site"), os.environ.get("PYTHONPATH", "")])
    return {"PYTHONPATH": path, PROBE_DIR: str(run / "probe"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{run / 'mlflow.db'}", **extra}


def _create_experiment(run: Path) -> None:
    """The run's MLflow experiment, its artifacts inside ``run`` (the CLI runs elsewhere)."""
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{run / 'mlflow.db'}")
    client.create_experiment("mathrl_pipeline", artifact_location=(run / "mlruns").as_uri())


def session_run(project: Project, run: Path, params: dict[str, Any], **env: str) -> None:
    """The `train` pipeline through a KedroSession in this process."""
    import mlflow
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    run.mkdir(parents=True, exist_ok=True)
    _create_experiment(run)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in _probe_env(project, run, **env).items():
            patch.setenv(key, value)
        bootstrap_project(project.root)
        try:
            with KedroSession.create(project_path=project.root, env=ENV,
                                     conf_source=str(project.conf),
                                     runtime_params={"data_dir": str(run), **params}) as session:
                session.run(pipeline_names=["train"])
        finally:
            while mlflow.active_run():
                mlflow.end_run()


@dataclass
class Run:
    """One launched run's data folder and how long it took."""

    folder: Path
    seconds: float

    def metrics(self) -> pd.DataFrame:
        """The versioned train_metrics output."""
        return pd.read_csv(latest_version(self.folder / "08_reporting" / "train_metrics.csv"))

    def model(self) -> Path:
        """The versioned trained_model folder."""
        return latest_version(self.folder / "06_models" / "grpo_model")


@pytest.fixture(scope="module")
def launched(project: Project) -> Any:
    """``launched(name)``: the `train` pipeline on 2 processes with config ``name``, run once."""
    runs: dict[str, Run] = {}

    def run(name: str) -> Run:
        if name not in runs:
            folder = project.work / name
            params = {"train": {"distributed": {"accelerate_config": CONFIGS[name]}}}
            start = time.monotonic()
            session_run(project, folder, params)
            runs[name] = Run(folder, time.monotonic() - start)
        return runs[name]

    return run


def _mlflow(folder: Path) -> tuple[Any, list[Any]]:
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    (experiment,) = [e for e in client.search_experiments() if e.name == "mathrl_pipeline"]
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return client, runs


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_two_processes_through_a_kedro_session(launched: Any, name: str) -> None:
    run = launched(name)
    # metrics: every step once (the main process writes), in the catalog's output
    metrics = run.metrics()
    assert metrics["step"].tolist() == list(range(1, STEPS + 1))
    jsonl = (run.folder / CHECKPOINTS / "train_metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in jsonl] == list(range(1, STEPS + 1))
    samples = pd.read_parquet(latest_version(run.folder / "08_reporting" / "train_samples.parquet"))
    assert samples.groupby("step").size().to_dict() == dict.fromkeys(range(1, STEPS + 1), 2)

    # every rank scored its own rows, each with its prompt, solution and image
    records = read_probe(run.folder / "probe")
    assert {r["rank"] for r in records} == {0, 1}
    # ZeRO-3's zero3_init_flag partitions the weights while they load (the config comes first)
    assert partitioned_at_load(run.folder / "probe") == {name == "zero3"}
    assert all(not r["problems"] for r in records), [r["problems"] for r in records]
    for step in range(1, STEPS + 1):
        ranks = {r["rank"]: r for r in records if r["step"] == step}
        assert set(ranks) == {0, 1}
        assert not set(ranks[0]["rows"]) & set(ranks[1]["rows"])  # different prompts per rank
        # the logged reward is the mean over both ranks' completions
        both = ranks[0]["rewards"] + ranks[1]["rewards"]
        logged = float(metrics.loc[metrics["step"] == step, "reward"].iloc[0])
        assert logged == pytest.approx(sum(both) / len(both), abs=1e-5)

    # one MLflow run, finished, with one point per step
    client, runs = _mlflow(run.folder)
    assert [r.info.status for r in runs] == ["FINISHED"]
    history = client.get_metric_history(runs[0].info.run_id, "train.reward")
    assert sorted(p.step for p in history) == list(range(1, STEPS + 1))
    assert (run.model() / "model.safetensors").is_file()


def _weights(folder: Path) -> dict[str, Any]:
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(folder)
    return {k: v.detach().float() for k, v in model.state_dict().items()}


def test_ddp_and_zero2_end_with_the_same_weights(launched: Any, project: Project) -> None:
    ddp, zero2 = _weights(launched("ddp").model()), _weights(launched("zero2").model())
    base = _weights(project.model)
    assert ddp.keys() == zero2.keys() == base.keys()
    diff = max(float((ddp[k] - zero2[k]).abs().max()) for k in ddp)
    moved = max(float((ddp[k] - base[k]).abs().max()) for k in ddp)
    logger.info("DDP vs ZeRO-2: max |diff| %.3g; moved from the base model %.3g", diff, moved)
    assert moved > 100 * WEIGHT_ATOL
    assert diff <= WEIGHT_ATOL


def _kedro_run(project: Project, run: Path, params: str) -> subprocess.Popen:
    """`kedro run` of the `train` pipeline in its own process group, output to a log file."""
    logging_conf = run / "logging.yml"
    logging_conf.write_text(yaml.safe_dump({
        "version": 1, "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["console"], "level": "INFO"},
    }))
    env = {**os.environ, **_probe_env(project, run), "KEDRO_LOGGING_CONFIG": str(logging_conf)}
    cmd = [
        str(Path(sys.executable).with_name("kedro")), "run", "--pipelines", "train",
        "--env", ENV, "--conf-source", str(project.conf), "--params", params,
    ]  # fmt: skip
    log = (run / "kedro.log").open("a")
    return subprocess.Popen(cmd, cwd=project.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_for_step(path: Path, step: int, proc: subprocess.Popen, timeout: float) -> None:
    from mathrl_pipeline.training.callbacks import read_jsonl

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = read_jsonl(path, complete_only=True)
        if rows and rows[-1]["step"] >= step:
            return
        assert proc.poll() is None, f"kedro run ended early ({proc.returncode})"
        time.sleep(0.05)
    raise TimeoutError(f"step {step} not logged in {timeout} s")


def test_sigkill_of_the_process_group_then_the_same_kedro_run_resumes(project: Project) -> None:
    """ZeRO-2, 8 steps, checkpoints every 4: killed after step 5, the re-run resumes at 4."""
    run = project.work / "killed"
    run.mkdir()
    _create_experiment(run)
    params = (f"data_dir={run},train.max_steps=8,train.save_steps=4,"
              "train.distributed.accelerate_config=zero2.yaml")
    metrics = run / CHECKPOINTS / "train_metrics.jsonl"
    first = _kedro_run(project, run, params)
    try:
        _wait_for_step(metrics, 5, first, timeout=600)  # checkpoint-4 complete, 5 done
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # Kedro, the launcher and both ranks at once
        first.wait()
    killed_at = max(json.loads(line)["step"] for line in metrics.read_text().splitlines())
    assert killed_at >= 5
    from mathrl_pipeline.training.resume import last_complete_checkpoint

    assert last_complete_checkpoint(run / CHECKPOINTS).name == "checkpoint-4"

    second = _kedro_run(project, run, params)
    assert second.wait(timeout=900) == 0, (run / "kedro.log").read_text()[-5000:]
    log = (run / "kedro.log").read_text()
    assert "Resuming from" in log and "checkpoint-4" in log
    table = pd.read_csv(latest_version(run / "08_reporting" / "train_metrics.csv"))
    assert table["step"].tolist() == list(range(1, 9))  # none twice, none missing
    # the first step after the resume is scored against the base model, not the checkpoint
    assert float(table.loc[table["step"] == 5, "kl"].iloc[0]) > 0
    client, runs = _mlflow(run)
    assert [r.info.status for r in runs] == ["KILLED", "FINISHED"]
    history = client.get_metric_history(runs[1].info.run_id, "train.reward")
    assert sorted(p.step for p in history) == list(range(1, 9))


def test_a_failing_rank_fails_the_node_with_its_exit_code(project: Project) -> None:
    from mathrl_pipeline.training.launch import LaunchError

    run = project.work / "failing"
    with pytest.raises(LaunchError, match=f"rank 1 failed with exit code {FAIL_CODE}") as error:
        session_run(project, run, {}, **{FAIL_RANK: "1"})
    assert (error.value.rank, error.value.exit_code) == (1, FAIL_CODE)
    _, runs = _mlflow(run)
    assert [r.info.status for r in runs] == ["FAILED"]
