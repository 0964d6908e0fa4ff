"""A run killed with SIGKILL mid-step resumes from its last complete checkpoint: no step lost
or repeated in ``train_metrics``; the resumed policy is the checkpoint's, its KL reference the
base model's; a run of another base model or other data is a new run, never a resume; both
checkpoint layouts (the Trainer's, DeepSpeed ZeRO's) are recognised complete or not."""

from __future__ import annotations

import json
import logging
import os
import shutil
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
from mathrl_pipeline.training.resume import (
    RUN_PARAMS_FILE,
    is_complete_checkpoint,
    last_complete_checkpoint,
    run_inputs,
)
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
    """Not the base model's: transformers' own resume would silently load nothing here. The KL
    reference stays the base model: the first step after the resume has kl > 0 (a reference
    built from the checkpoint would give exactly 0 and hold the run to the resumed weights)."""
    config = _write_config(tmp_path)
    runtime = {"data_dir": str(tmp_path)}
    first = load_params(config, overrides=["max_steps=2", "beta=0.04"], runtime=runtime)
    run_grpo(first, digit_frame(8), tiny_model_dir)
    probe = _WeightsAtStart()
    longer = load_params(config, overrides=["max_steps=3", "beta=0.04"], runtime=runtime)
    result = run_grpo(longer, digit_frame(8), tiny_model_dir, extra_callbacks=[probe])
    saved = AutoModelForImageTextToText.from_pretrained(tmp_path / "run" / "checkpoint-2")
    base = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).state_dict()
    expected = saved.state_dict()
    assert probe.state_dict.keys() == expected.keys()
    assert all(torch.equal(probe.state_dict[k], expected[k]) for k in expected)
    assert any(not torch.equal(base[k], expected[k]) for k in expected)
    assert result.metrics["step"].tolist() == [1, 2, 3]
    assert float(result.metrics.loc[result.metrics["step"] == 3, "kl"].iloc[0]) > 0


def _other_model(tiny_model_dir: Path, folder: Path) -> Path:
    """The tiny model with one weight changed: another base model."""
    model = AutoModelForImageTextToText.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        next(model.parameters()).add_(0.01)
    model.save_pretrained(folder)
    for path in tiny_model_dir.iterdir():  # tokenizer and processor files
        if not (folder / path.name).exists():
            shutil.copy(path, folder / path.name)
    return folder


@pytest.mark.parametrize(
    "changed",
    [
        "base_model",  # the base model was rebuilt (another pre-training, another Hub model)
        "train_data",  # the split was rebuilt (other rows)
    ],
)
def test_changed_inputs_start_a_new_run(
    tiny_model_dir: Path, tmp_path: Path, changed: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = _write_config(tmp_path)
    runtime = {"data_dir": str(tmp_path)}
    run_grpo(load_params(config, overrides=["max_steps=2"], runtime=runtime), digit_frame(8),
             tiny_model_dir)
    model = _other_model(tiny_model_dir, tmp_path / "other") if changed == "base_model" else (
        tiny_model_dir
    )
    frame = digit_frame(6) if changed == "train_data" else digit_frame(8)
    longer = load_params(config, overrides=["max_steps=3"], runtime=runtime)
    with caplog.at_level(logging.INFO, logger="mathrl_pipeline.training"):
        result = run_grpo(longer, frame, model)
    assert "Resuming from" not in caplog.text
    (kept,) = tmp_path.glob("run.superseded-*")
    assert f"the old run is kept in {kept}" in caplog.text
    assert (kept / "checkpoint-2").is_dir()  # the old run, intact
    assert result.metrics["step"].tolist() == [1, 2, 3]  # all trained anew
    state = json.loads((tmp_path / "run" / "checkpoint-3" / "trainer_state.json").read_text())
    assert [h["step"] for h in state["log_history"] if "loss" in h] == [1, 2, 3]
    key = json.loads((tmp_path / "run" / RUN_PARAMS_FILE).read_text())
    assert key[changed] == getattr(run_inputs(str(model), frame), changed)


def _checkpoint(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


DEEPSPEED = {
    "trainer_state.json": "{}",
    "model.safetensors": "w",
    "latest": "global_step4",
    "global_step4/mp_rank_00_model_states.pt": "m",
    "global_step4/zero_pp_rank_0_mp_rank_00_optim_states.pt": "o",
    "global_step4/zero_pp_rank_1_mp_rank_00_optim_states.pt": "o",
}
TORCH = {"trainer_state.json": "{}", "model.safetensors": "w", "optimizer.pt": "o",
         "scheduler.pt": "s"}


@pytest.mark.parametrize(
    ("files", "complete"),
    [
        (DEEPSPEED, True),  # ZeRO-2/3: no optimizer.pt, the states are in global_stepN/
        ({k: v for k, v in DEEPSPEED.items() if "optim" not in k}, False),  # killed mid-save
        ({**DEEPSPEED, "latest": "global_step8"}, False),  # `latest` names a missing folder
        ({k: v for k, v in DEEPSPEED.items() if k != "trainer_state.json"}, False),  # not done
        (TORCH, True),  # the Trainer's layout
        ({k: v for k, v in TORCH.items() if k != "scheduler.pt"}, False),
        ({**TORCH, "trainer_state.json": '{"glo'}, False),  # torn state file
    ],
)
def test_checkpoint_layouts(tmp_path: Path, files: dict[str, str], complete: bool) -> None:
    assert is_complete_checkpoint(_checkpoint(tmp_path / "checkpoint-4", files)) is complete
