"""MLflow tracking of the train stage: step metrics while training runs, one Kedro session per
pipeline run, interrupted runs KILLED (Ctrl-C, or the next run after a SIGKILL), never FINISHED."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mathrl_pipeline.hooks import (
    PROCESS_TAG,
    LaunchedSessionError,
    mark_dead_runs_killed,
    process_tag,
    refuse_launched_session,
)
from mathrl_pipeline.pipelines.train.nodes import mlflow_step_metrics
from mathrl_pipeline.training.callbacks import METRICS_FILE
from mathrl_pipeline.training.launch import following
from tests.kedro_helpers import default_sigint


@pytest.mark.parametrize(
    ("environ", "refused"),
    [
        ({}, False),  # a plain `kedro run`
        ({"RANK": "0", "WORLD_SIZE": "1"}, False),  # a single-process job's variables
        ({"LOCAL_RANK": "0", "RANK": "0", "WORLD_SIZE": "1"}, True),  # torchrun, 1 process
        ({"LOCAL_RANK": "1", "RANK": "1", "WORLD_SIZE": "2"}, True),  # accelerate launch rank 1
        ({"WORLD_SIZE": "8"}, True),  # an MPI-style launcher
    ],
)
def test_a_session_per_rank_is_refused(environ: dict[str, str], refused: bool) -> None:
    if refused:
        with pytest.raises(LaunchedSessionError, match=r"train\.distributed\.num_processes"):
            refuse_launched_session(environ)
    else:
        refuse_launched_session(environ)


def test_metric_rows_reach_the_sink_while_the_run_writes_them(tmp_path: Path) -> None:
    path, seen, during = tmp_path / METRICS_FILE, [], []
    with following(path, seen.extend, interval=0.05):
        for step in (1, 2, 3):
            with path.open("a") as fh:
                fh.write(json.dumps({"step": step, "reward": 0.1 * step}) + "\n")
            deadline = time.monotonic() + 10
            while len(seen) < step and time.monotonic() < deadline:
                time.sleep(0.01)
            during.append(len(seen))
        with path.open("a") as fh:
            fh.write('{"step": 4, "rew')  # a row still being written: not yet
        time.sleep(0.2)
        assert [r["step"] for r in seen] == [1, 2, 3]
        with path.open("a") as fh:
            fh.write('ard": 0.4}\n')
    assert during == [1, 2, 3]  # each row arrived before the next was written
    assert [r["step"] for r in seen] == [1, 2, 3, 4]  # every step once, in order


def test_step_metrics_are_named_as_before() -> None:
    row = {"step": 3, "epoch": 1.0, "reward": 0.5, "rewards/accuracy/mean": 1.0,
           "rewards/accuracy/std": 0.0, "completions/mean_length": 7.0, "kl": float("nan"),
           "num_tokens": 10}
    assert mlflow_step_metrics(row) == {
        "train.reward": 0.5,
        "train.rewards_accuracy_mean": 1.0,
        "train.completions_mean_length": 7.0,
    }


def test_runs_of_dead_processes_are_marked_killed(tmp_path: Path) -> None:
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.create_experiment("e", artifact_location=(tmp_path / "a").as_uri())
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    dead = process_tag(done.pid)
    done.wait()
    runs = {name: client.create_run(experiment).info.run_id for name in ("dead", "alive", "other")}
    client.set_tag(runs["dead"], PROCESS_TAG, dead)  # its Kedro process was SIGKILLed
    client.set_tag(runs["alive"], PROCESS_TAG, process_tag())  # still running: this process
    # "other": started by something else (no tag): left alone
    assert mark_dead_runs_killed(client, experiment, keep=None) == [runs["dead"]]
    status = {name: client.get_run(run).info.status for name, run in runs.items()}
    assert status == {"dead": "KILLED", "alive": "RUNNING", "other": "RUNNING"}


INTERRUPTED_RUN = """
import sys, time
from pathlib import Path
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
import mathrl_pipeline.pipelines.train.pipeline as train

def stuck(train_split, base_model, params, reward_sandbox):
    Path(sys.argv[2]).write_text("training")
    time.sleep(120)

train.train_grpo = stuck  # the node the train pipeline is built with
bootstrap_project(Path(sys.argv[1]))
with KedroSession.create(project_path=Path(sys.argv[1]), env="test_interrupt",
                         conf_source=sys.argv[3], runtime_params={"data_dir": sys.argv[4]}) as s:
    s.run(pipeline_names=["train"])
"""


def test_ctrl_c_marks_the_run_killed(project_root: Path, tmp_path: Path) -> None:
    import shutil

    import mlflow
    import yaml

    from tests.training.digits import digit_frame

    conf = tmp_path / "conf"
    shutil.copytree(project_root / "conf", conf)
    (conf / "test_interrupt").mkdir()
    split = tmp_path / "split.parquet"
    digit_frame(8).to_parquet(split)
    entries = {
        "deepmath_train": {"type": "pandas.ParquetDataset", "filepath": str(split)},
        "base_model": {"type": "mathrl_pipeline.datasets.ModelDirectoryDataset",
                       "filepath": str(tmp_path)},
    }
    (conf / "test_interrupt" / "catalog.yml").write_text(yaml.safe_dump(entries))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    client.create_experiment("mathrl_pipeline", artifact_location=(tmp_path / "a").as_uri())
    marker = tmp_path / "training"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PYTHONPATH": str(project_root)}
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_RUN, str(project_root), str(marker), str(conf),
         str(tmp_path / "data")], env=env, cwd=tmp_path,
        preexec_fn=default_sigint,  # noqa: PLW1509 - it only resets SIGINT
    )
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    assert proc.wait(timeout=120) != 0
    (experiment,) = [e for e in client.search_experiments() if e.name == "mathrl_pipeline"]
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "KILLED"


def test_the_tail_thread_stops(tmp_path: Path) -> None:
    before = threading.active_count()
    with following(tmp_path / METRICS_FILE, lambda rows: None, interval=0.01):
        pass
    assert threading.active_count() == before
