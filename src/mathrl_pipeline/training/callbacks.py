"""Step metrics and completion samples, written as JSON lines that survive a SIGKILL.

``train_metrics.jsonl`` gets one row per logged step and ``train_samples.jsonl`` a few completions
every N steps, both in the run's output folder and written by the main process only (every rank
drains its own completion log; reflection rates are counted over all ranks). On (re)start the files
are cut back to the step of the checkpoint being resumed, so a killed-and-restarted run neither
loses nor repeats a step. :class:`MetricsTail` follows the metrics file while a run writes it
(live tracking from the Kedro process, whatever the number of training processes).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from mathrl_pipeline.contract import completion_text, prompt_text
from mathrl_pipeline.evaluation.self_correction import (
    rewarded_self_corrections,
    step_aha_metrics,
)

logger = logging.getLogger(__name__)

METRICS_FILE = "train_metrics.jsonl"
SAMPLES_FILE = "train_samples.jsonl"
# Completions that reflected, corrected themselves and earned the accuracy reward are also written
# to the samples file (``kind``), from the earliest step on, at most this many.
SELF_CORRECTION_SAMPLES = 5


@dataclass
class CompletionLog:
    """Completions and each reward component of the latest scored batches (main process)."""

    batches: list[dict[str, Any]] = field(default_factory=list)

    def record(self, name: str, step: int, kwargs: dict[str, Any], rewards: list[Any]) -> None:
        """Store the rewards of ``name`` for the batch in ``kwargs``."""
        completions = kwargs["completions"]
        batch = self.batches[-1] if self.batches else None
        if batch is None or batch["_key"] != id(completions):
            batch = {
                "_key": id(completions),
                "step": step,
                "prompt": [prompt_text(p) for p in kwargs["prompts"]],
                "completion": [completion_text(c) for c in completions],
                "solution": [str(s) for s in kwargs.get("solution", [None] * len(completions))],
                "rewards": {},
            }
            self.batches.append(batch)
        batch["rewards"][name] = [float("nan") if r is None else float(r) for r in rewards]

    def drain(self) -> list[dict[str, Any]]:
        """Return and forget the batches recorded since the last call."""
        batches, self.batches = self.batches, []
        return batches


def recording(func: Callable[..., list[Any]], name: str, log: CompletionLog) -> Callable[..., Any]:
    """Wrap a TRL reward function so that its outputs are also recorded in ``log``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> list[Any]:
        rewards = func(*args, **kwargs)
        state = kwargs.get("trainer_state")
        log.record(name, getattr(state, "global_step", 0) + 1, kwargs, list(rewards))
        return rewards

    wrapper.__name__ = name  # TRL names the metric rewards/<name>/mean after it
    return wrapper


def read_jsonl(path: Path, complete_only: bool = False) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file, ignoring a torn last line (a kill while writing).

    ``complete_only``: skip, without a warning, a last line still being written.
    """
    rows: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return rows
    lines = text.splitlines()
    if complete_only and lines and not text.endswith("\n"):
        lines = lines[:-1]
    for line in lines:
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            logger.warning("Ignoring a torn line in %s", path)
    return rows


class MetricsTail:
    """The rows of a growing ``train_metrics.jsonl`` not returned yet: each step once, in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last_step = 0

    def poll(self) -> list[dict[str, Any]]:
        """Complete rows with a step above the last one returned."""
        rows = [
            r for r in read_jsonl(self.path, complete_only=True)
            if r.get("step", 0) > self.last_step
        ]
        if rows:
            self.last_step = max(r["step"] for r in rows)
        return rows


def gather_counts(counts: list[int]) -> list[int]:
    """``counts`` of every rank, concatenated (this rank's alone outside a process group)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return counts
    everyone: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, counts)
    return [c for part in everyone for c in part]


def truncate_jsonl(path: Path, last_step: int) -> int:
    """Keep the rows of ``path`` with ``step <= last_step``; returns how many were dropped."""
    rows = read_jsonl(path)
    kept = [r for r in rows if r.get("step", 0) <= last_step]
    if path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
        tmp.replace(path)
    return len(rows) - len(kept)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class JsonlMetricsCallback(TrainerCallback):
    """Append each logged step (plus step time and reflection rates) and samples to JSON lines."""

    def __init__(
        self,
        output_dir: str | Path,
        log: CompletionLog,
        *,
        reward_weights: dict[str, float],
        samples_every: int,
        samples_per_step: int,
        reflection_counter: Callable[[str], int] | None = None,
    ) -> None:
        self.dir = Path(output_dir)
        self.log = log
        self.reward_weights = reward_weights
        self.samples_every = max(1, samples_every)
        self.samples_per_step = samples_per_step
        self.reflection_counter = reflection_counter
        self._step_start = time.perf_counter()
        self._step_times: list[float] = []
        self._corrections_written = 0

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Cut the files back to the resumed step (0 on a fresh run)."""
        if not state.is_world_process_zero:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        for name in (METRICS_FILE, SAMPLES_FILE):
            dropped = truncate_jsonl(self.dir / name, state.global_step)
            if dropped:
                logger.info("Dropped %d rows of %s after step %d", dropped, name, state.global_step)
        self._corrections_written = sum(
            r.get("kind") == "self_correction" for r in read_jsonl(self.dir / SAMPLES_FILE)
        )

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Start the step clock."""
        self._step_start = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Stop the step clock."""
        self._step_times.append(time.perf_counter() - self._step_start)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any
    ) -> None:
        """Write the step's metrics row, and samples every ``samples_every`` steps (main only)."""
        if not logs or "loss" not in logs:
            return
        batches = self.log.drain()  # every rank: its completions are counted, then forgotten
        completions = [c for b in batches for c in b["completion"]]
        counts = None
        if self.reflection_counter is not None:
            counts = gather_counts([self.reflection_counter(c) for c in completions])
        if not state.is_world_process_zero:
            return
        step = state.global_step
        row: dict[str, Any] = {"step": step, "epoch": state.epoch}
        # None: TRL's mean of a metric with no value this step (a reward that scored nothing)
        row.update(
            {k: _finite(v) for k, v in logs.items() if v is None or isinstance(v, int | float)}
        )
        if self._step_times:  # wall clock of the whole optimizer step, generation included
            row["wall_step_time"] = sum(self._step_times) / len(self._step_times)
            row.setdefault("step_time", row["wall_step_time"])  # TRL logs its own
        self._step_times = []
        if counts:
            row["reflection_rate"] = sum(c > 0 for c in counts) / len(counts)
            row["reflection_markers_mean"] = sum(counts) / len(counts)
            row.update(self._aha_points(step, batches, counts))
        with (self.dir / METRICS_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        if batches and (step % self.samples_every == 0 or step == 1):
            self._write_samples(step, batches[-1])
        logger.info(
            "step %d/%d reward %.3f (std %.3f) length %.1f %.2f s/step",
            step,
            state.max_steps,
            row.get("reward") or 0.0,
            row.get("reward_std") or 0.0,
            row.get("completions/mean_length") or 0.0,
            row.get("wall_step_time") or 0.0,
        )

    def _aha_points(
        self, step: int, batches: list[dict[str, Any]], counts: list[int]
    ) -> dict[str, float]:
        """Self-correction and accuracy with / without reflection of the step's completions;
        the first rewarded self-corrections are written to the samples file."""
        completions = [c for b in batches for c in b["completion"]]
        solutions = [s for b in batches for s in b["solution"]]
        has_accuracy = all("accuracy" in b["rewards"] for b in batches)
        accuracy = [a for b in batches for a in b["rewards"]["accuracy"]] if has_accuracy else None
        points = step_aha_metrics(completions, solutions, accuracy, counts)
        if accuracy is not None and self._corrections_written < SELF_CORRECTION_SAMPLES:
            found = rewarded_self_corrections(completions, solutions, accuracy, counts)
            if found:  # one per step: the earliest steps each get theirs
                places = [(b, i) for b, batch in enumerate(batches)
                          for i in range(len(batch["completion"]))]
                number, row = places[found[0]]
                self._write_samples(step, batches[number], [row], kind="self_correction")
                self._corrections_written += 1
        return points

    def _write_samples(
        self, step: int, batch: dict[str, Any], rows: list[int] | None = None,
        kind: str = "sample",
    ) -> None:
        if rows is None:
            rows = list(range(min(self.samples_per_step, len(batch["completion"]))))
        with (self.dir / SAMPLES_FILE).open("a", encoding="utf-8") as fh:
            for i in rows:
                rewards = {k: v[i] for k, v in batch["rewards"].items()}
                total = sum(
                    self.reward_weights.get(k, 1.0) * v
                    for k, v in rewards.items()
                    if math.isfinite(v)
                )
                sample = {
                    "step": step,
                    "kind": kind,
                    "prompt": batch["prompt"][i],
                    "completion": batch["completion"][i],
                    "solution": batch["solution"][i],
                    "reward": total,
                    **{f"reward_{k}": _finite(v) for k, v in rewards.items()},
                }
                fh.write(json.dumps(sample) + "\n")


class StepProgress(TrainerCallback):
    """A Trainer's optimizer steps as :class:`~mathrl_pipeline.progress.ProgressLog` progress:
    a bar with rate and ETA in a terminal, a line every ``interval_s`` otherwise (with the last
    logged loss). Use with ``disable_tqdm=True``."""

    def __init__(self, label: str, interval_s: float | None = None) -> None:
        self.label, self.interval_s = label, interval_s
        self._progress: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Start counting at the run's first (or resumed) step."""
        from mathrl_pipeline.progress import ProgressLog

        if state.is_world_process_zero:
            self._progress = ProgressLog(state.max_steps, self.label, unit="steps",
                                         interval_s=self.interval_s, logger=logger)
            self._progress.done = state.global_step

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """One optimizer step done."""
        if self._progress is not None:
            self._progress.update(state.global_step - self._progress.done)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """The final line."""
        if self._progress is not None:
            self._progress.close()
            self._progress = None
