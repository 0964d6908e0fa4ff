"""JSON-lines bookkeeping (torn lines, truncation on resume) and the curves."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mathrl_pipeline.training.callbacks import read_jsonl, truncate_jsonl
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
