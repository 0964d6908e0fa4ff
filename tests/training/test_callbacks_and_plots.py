"""JSON-lines bookkeeping (torn lines, truncation on resume) and the curves."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from mathrl_pipeline.training.callbacks import (
    METRICS_FILE,
    SAMPLES_FILE,
    CompletionLog,
    JsonlMetricsCallback,
    read_jsonl,
    truncate_jsonl,
)
from mathrl_pipeline.training.plots import CURVES, training_figures
from mathrl_pipeline.training.resume import last_complete_checkpoint


def test_truncation_keeps_steps_up_to_the_checkpoint_and_drops_a_torn_line(tmp_path: Path):
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps({"step": s}) + "\n" for s in (1, 2, 3)) + '{"step": 4, "re')
    assert [r["step"] for r in read_jsonl(path)] == [1, 2, 3]
    truncate_jsonl(path, 2)
    assert [r["step"] for r in read_jsonl(path)] == [1, 2]


def test_incomplete_checkpoints_are_skipped(tmp_path: Path):
    good, bad = tmp_path / "checkpoint-2", tmp_path / "checkpoint-4"
    for folder in (good, bad):
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"x")
    for name in ("optimizer.pt", "scheduler.pt", "trainer_state.json"):
        (good / name).write_text("{}")
    (bad / "optimizer.pt").write_text("")  # killed while saving: no scheduler, no state
    assert last_complete_checkpoint(tmp_path) == good


def test_one_figure_per_curve():
    metrics = pd.DataFrame(
        {
            "step": [1, 2],
            "reward": [0.1, 0.3],
            "reward_std": [0.1, 0.2],
            "rewards/accuracy/mean": [0.0, 0.5],
            "completions/mean_length": [30.0, 20.0],
            "entropy": [6.0, 5.0],
        }
    )
    figures = training_figures(metrics)
    assert set(figures) == set(CURVES)
    labels = [line.get_label() for line in figures["reward.png"].axes[0].get_lines()]
    assert labels == ["reward", "rewards/accuracy/mean"]


def test_step_rows_hold_self_correction_and_the_first_rewarded_one_is_kept(tmp_path: Path):
    from types import SimpleNamespace

    from mathrl_pipeline.rewards.reflection import reflection_count
    from mathrl_pipeline.training.callbacks import CompletionLog, JsonlMetricsCallback

    corrected = ("<think>5 plus 3 is 8. Wait, let me look at the image again. 4 plus 3 is 7."
                 "</think> <answer>7</answer>")
    plain = "<think>4 plus 3 is 7.</think> <answer>7</answer>"
    log = CompletionLog()
    callback = JsonlMetricsCallback(tmp_path, log, reward_weights={"accuracy": 1.0},
                                    samples_every=100, samples_per_step=1,
                                    reflection_counter=reflection_count)
    state = SimpleNamespace(is_world_process_zero=True, global_step=0, epoch=0.0, max_steps=3)
    callback.on_train_begin(None, state, None)
    for step, accuracy in ((1, [1.0, 0.0]), (2, [1.0, 1.0]), (3, [1.0, 1.0])):
        state.global_step = step - 1
        kwargs = {"completions": [plain, corrected], "prompts": ["p", "p"],
                  "solution": ["7", "7"], "trainer_state": state}
        log.record("accuracy", step, kwargs, accuracy)
        state.global_step = step
        callback.on_log(None, state, None, logs={"loss": 0.0, "reward": 1.0})
    rows = read_jsonl(tmp_path / "train_metrics.jsonl")
    # step 1: the self-correction was not rewarded; steps 2-3: it was
    assert [r["correction_rate"] for r in rows] == [0.0, 0.5, 0.5]
    assert [r["accuracy_reflecting"] for r in rows] == [0.0, 1.0, 1.0]
    assert rows[0]["accuracy_not_reflecting"] == 1.0
    kept = [r for r in read_jsonl(tmp_path / "train_samples.jsonl")
            if r["kind"] == "self_correction"]
    assert [(r["step"], r["completion"]) for r in kept] == [(2, corrected), (3, corrected)]


@pytest.mark.parametrize(
    ("main", "written"),
    [
        (False, False),  # rank != 0: forgets its completions, writes nothing
        (True, True),  # the main process writes the step's row and samples
    ],
)
def test_every_rank_drains_its_completion_log(tmp_path: Path, main: bool, written: bool):
    log = CompletionLog()
    callback = JsonlMetricsCallback(tmp_path, log, reward_weights={"r": 1.0}, samples_every=1,
                                    samples_per_step=1, reflection_counter=len)
    log.record("r", 1, {"completions": ["a"], "prompts": ["p"], "solution": ["1"]}, [1.0])
    state = SimpleNamespace(is_world_process_zero=main, global_step=1, epoch=1.0, max_steps=1)
    callback.on_log(None, state, None, logs={"loss": 0.1, "reward": 1.0})
    assert log.batches == []
    assert (tmp_path / METRICS_FILE).exists() is written
    assert (tmp_path / SAMPLES_FILE).exists() is written
