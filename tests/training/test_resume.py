"""A run killed with SIGKILL mid-step resumes from its last complete checkpoint: no step lost
or repeated in ``train_metrics``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from transformers import AutoModelForImageTextToText, TrainerCallback

from mathrl_pipeline.training.callbacks import METRICS_FILE, read_jsonl
from mathrl_pipeline.training.cli import load_params
from mathrl_pipeline.training.resume import last_complete_checkpoint
from mathrl_pipeline.training.runner import run_grpo
from tests.training.digits import digit_frame

MAX_STEPS = 8


def _write_config(tmp_path: Path) -> Path:
    config = {
        "train": {
            "run_name": "resume",
            "output_dir": "${runtime_params:data_dir, data}/run",
            "rewards": [
                {"name": "format"},
                {"name": "length_penalty", "kwargs": {"limit": 0, "slope": 0.005, "unit": "chars"}},
            ],
            "num_generations": 2,
            "per_device_train_batch_size": 4,
            "max_steps": MAX_STEPS,
            "max_completion_length": 8,
            "save_steps": 4,
            "learning_rate": 1e-3,
        }
    }
    path = tmp_path / "params.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _wait_for_step(metrics: Path, step: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = read_jsonl(metrics)
        if rows and rows[-1]["step"] >= step:
            return
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.05)
    raise TimeoutError(f"step {step} not logged in {timeout} s")


def test_sigkill_then_rerun_reaches_the_same_steps(tiny_model_dir: Path, tmp_path: Path):
    config = _write_config(tmp_path)
    split = tmp_path / "train.parquet"
    digit_frame(8).to_parquet(split)
    run_dir = tmp_path / "run"
    metrics = run_dir / METRICS_FILE
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [
        sys.executable, "-m", "mathrl_pipeline.training.cli",
        "--config", str(config), "--train-split", str(split),
        "--model", str(tiny_model_dir), "--data-dir", str(tmp_path),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        _wait_for_step(metrics, 5, proc, timeout=240)  # checkpoint-4 on disk, next one at 8
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    logged_before = [r["step"] for r in read_jsonl(metrics)]
    checkpoint = last_complete_checkpoint(run_dir)
    assert checkpoint is not None and checkpoint.name.startswith("checkpoint-")
    resumed_from = int(checkpoint.name.split("-")[1])
    assert max(logged_before) > resumed_from  # steps after the checkpoint must be redone

    params = load_params(config, runtime={"data_dir": str(tmp_path)})
    result = run_grpo(params, digit_frame(8), tiny_model_dir)

    steps = [r["step"] for r in read_jsonl(metrics)]
    assert steps == list(range(1, MAX_STEPS + 1))
    assert result.metrics["step"].tolist() == list(range(1, MAX_STEPS + 1))
    state = json.loads((run_dir / f"checkpoint-{MAX_STEPS}" / "trainer_state.json").read_text())
    assert state["global_step"] == MAX_STEPS


def test_checkpoints_of_other_parameters_are_not_resumed(tiny_model_dir: Path, tmp_path: Path):
    config = _write_config(tmp_path)
    params = load_params(config, overrides=["max_steps=1"], runtime={"data_dir": str(tmp_path)})
    run_grpo(params, digit_frame(8), tiny_model_dir)
    longer = load_params(config, overrides=["max_steps=2"], runtime={"data_dir": str(tmp_path)})
    changed = load_params(
        config, overrides=["learning_rate=0.5"], runtime={"data_dir": str(tmp_path)}
    )
    with pytest.raises(ValueError, match=r"train\.learning_rate"):
        run_grpo(changed, digit_frame(8), tiny_model_dir)
    assert run_grpo(longer, digit_frame(8), tiny_model_dir).metrics["step"].tolist() == [1, 2]


class _WeightsAtStart(TrainerCallback):
    def __init__(self) -> None:
        self.state_dict: dict[str, torch.Tensor] = {}

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.state_dict = {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_resume_restores_the_checkpoint_weights(tiny_model_dir: Path, tmp_path: Path):
    """Not the base model's: transformers' own resume would silently load nothing here."""
    config = _write_config(tmp_path)
    first = load_params(config, overrides=["max_steps=2"], runtime={"data_dir": str(tmp_path)})
    run_grpo(first, digit_frame(8), tiny_model_dir)
    probe = _WeightsAtStart()
    longer = load_params(config, overrides=["max_steps=3"], runtime={"data_dir": str(tmp_path)})
    run_grpo(longer, digit_frame(8), tiny_model_dir, extra_callbacks=[probe])
    saved = AutoModelForImageTextToText.from_pretrained(tmp_path / "run" / "checkpoint-2")
    base = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).state_dict()
    expected = saved.state_dict()
    assert probe.state_dict.keys() == expected.keys()
    assert all(torch.equal(probe.state_dict[k], expected[k]) for k in expected)
    assert any(not torch.equal(base[k], expected[k]) for k in expected)
