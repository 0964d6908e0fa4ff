"""The miniature R1-Zero run over several seeds: held-out accuracy, format, reflection,
self-correction and length before/after GRPO.

    .venv/bin/python benchmarks/miniature_r1_zero.py [--seeds 0 1 2] [--data-root DIR]
    .venv/bin/python benchmarks/miniature_r1_zero.py --seeds 0 --data-root DIR --measure-only

Runs the real `grpo_arith` pipeline (arith data -> tiny model built and pre-trained into a base
model -> evaluate -> GRPO with rule-based rewards only -> evaluate -> report) once per seed,
through a KedroSession with the project's `conf/base`, each in its own data folder. Seed ``s``
sets the tiny model's initialisation and the pre-training order (``base_model_arith.tiny.seed``,
``base_model_arith.pretrain.seed`` = s) and GRPO's sampling (``train_arith.seed`` = 42 + s); the
task data and its held-out split stay the same. Seed 0 is exactly `make run`.

Writes benchmarks/results/miniature_r1_zero.md (per seed, then mean and spread, and the aha
bars of issue #14 checked) and .json. ``--measure-only`` reads runs already in DATA-ROOT/seed<s>.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
METRICS = ("accuracy", "pass@1", "pass@4", "format_rate", "sampled_format_rate")
# Reflection and self-correction (evaluation/self_correction.py), greedy and sampled, R1 prompt.
AHA = ("reflection_rate", "mean_length", "accuracy", "correction_rate", "accuracy_reflecting",
       "accuracy_not_reflecting", "first_wrong_rate", "reflection_in_format")
MODES = {"greedy": "greedy", "sample": "sampled"}
logger = logging.getLogger("benchmarks.miniature_r1_zero")


def _latest(folder: Path) -> Path:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (_merge(merged[key], value)
                       if isinstance(value, dict) and isinstance(merged.get(key), dict) else value)
    return merged


def run_seed(seed: int, data_dir: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One `grpo_arith` run; its held-out figures (R1 prompt, overall) and wall time."""
    import mlflow
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(ROOT)
    runtime = {
        "data_dir": str(data_dir),
        "base_model_arith": {"tiny": {"seed": seed}, "pretrain": {"seed": seed}},
        "train_arith": {"seed": 42 + seed},
    }
    runtime = _merge(runtime, extra or {})
    start, cpu = time.perf_counter(), _cpu_seconds()
    with KedroSession.create(project_path=ROOT, runtime_params=runtime) as session:
        session.run(pipeline_names=["grpo_arith"])
    wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    while mlflow.active_run():
        mlflow.end_run()
    (data_dir / "wall_s.txt").write_text(f"{wall:.1f} {cpu:.1f}\n", encoding="utf-8")
    return measure_seed(seed, data_dir)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system), all threads."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_seed(seed: int, data_dir: Path) -> dict[str, Any]:
    """The held-out figures of the `grpo_arith` run in ``data_dir`` (R1 prompt, overall)."""
    from mathrl_pipeline.evaluation.self_correction import aha_metrics

    wall_file = data_dir / "wall_s.txt"
    wall, cpu = ([float(v) for v in wall_file.read_text().split()] + [float("nan")] * 2)[:2] \
        if wall_file.exists() else (float("nan"), float("nan"))
    table = pd.read_parquet(_latest(data_dir / "08_reporting" / "eval_comparison.parquet"))
    overall = table[(table["style"] == "keep") & (table["breakdown"] == "all")]
    row: dict[str, Any] = {"seed": seed, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}
    for model, namespace in (("base", "eval_base"), ("trained", "eval_trained")):
        part = overall[overall["model"] == model].iloc[0]
        row["n"] = int(part["n"])
        for metric in METRICS[:-1]:
            row[f"{model}_{metric}"] = float(part[metric])
        samples = pd.read_parquet(
            _latest(data_dir / "07_model_output" / namespace / "eval_samples.parquet")
        )
        sampled = samples[(samples["mode"] == "sample") & (samples["style"] == "keep")]
        row[f"{model}_sampled_format_rate"] = float(sampled["format_ok"].mean())
        for mode, name in MODES.items():
            figures = aha_metrics(samples[(samples["mode"] == mode) & (samples["style"] == "keep")])
            row.update({f"{model}_{name}_{key}": figures[key] for key in AHA})
    metrics = pd.read_csv(_latest(data_dir / "08_reporting" / "train_metrics.csv"))
    row["steps"] = int(metrics["step"].max())
    row["steps_with_signal"] = float((metrics["reward_std"] > 0).mean())
    for column in ("reflection_rate", "correction_rate", "completions/mean_length"):
        if column in metrics.columns:
            row[f"train_first20_{column}"] = float(metrics[column].head(20).mean())
            row[f"train_last20_{column}"] = float(metrics[column].tail(20).mean())
    train_samples = pd.read_parquet(_latest(data_dir / "08_reporting" / "train_samples.parquet"))
    found = (train_samples[train_samples["kind"] == "self_correction"]
             if "kind" in train_samples.columns else train_samples.head(0))
    row["first_rewarded_correction_step"] = int(found["step"].min()) if len(found) else None
    logger.info("seed %d: %s", seed, json.dumps(row))
    return row


def _spread(values: list[float]) -> str:
    known = [v for v in values if not math.isnan(v)]  # e.g. a CPU time not recorded
    if not known:
        return "nan"
    return f"{_mean(known):.3f} ± {_sd(known):.3f} (min {min(known):.3f})"


def write_results(rows: list[dict[str, Any]], out: Path) -> None:
    """The per-seed table, mean ± sample standard deviation, and the raw rows as JSON."""
    lines = [
        "# Miniature R1-Zero run: held-out figures over seeds",
        "",
        f"`python benchmarks/miniature_r1_zero.py --seeds {' '.join(str(r['seed']) for r in rows)}`"
        f" on {platform.machine()} with {os.cpu_count()} CPUs, one seed after another. Held-out "
        f"problems (never seen by GRPO in any render), {rows[0]['n']} rows, the R1 prompt; "
        "accuracy and format = greedy; pass@k and sampled format from 4 samples at T = 1.",
        "",
        "| seed | accuracy before → after | pass@1 before → after | pass@4 before → after "
        "| format before → after | sampled format before → after "
        "| GRPO steps with reward_std > 0 | wall (s) | CPU (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            f"{r[f'base_{m}']:.3f} → {r[f'trained_{m}']:.3f}" for m in METRICS
        ]
        lines.append(
            f"| {r['seed']} | {' | '.join(cells)} | {r['steps_with_signal']:.0%} of {r['steps']} "
            f"| {r['wall_s']:.0f} | {r.get('cpu_s', float('nan')):.0f} |"
        )
    lines += ["", "| gain (after − before) | mean ± sd over seeds (min) |", "|---|---|"]
    for metric in METRICS:
        gains = [r[f"trained_{metric}"] - r[f"base_{metric}"] for r in rows]
        lines.append(f"| {metric} | {_spread(gains)} |")
    walls = [r["wall_s"] for r in rows]
    lines.append(f"| wall time of `grpo_arith` (s) | {_spread(walls)} |")
    cpus = [r.get("cpu_s", float("nan")) for r in rows]
    lines.append(f"| CPU time of `grpo_arith` (s) | {_spread(cpus)} |")
    lines += aha_lines(rows)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    logger.info("wrote %s", out)


def _pair(row: dict[str, Any], name: str) -> str:
    return f"{row[f'base_{name}']:.3f} → {row[f'trained_{name}']:.3f}"


def bars(row: dict[str, Any]) -> dict[str, bool]:
    """Issue #14's bars for one seed (held-out, R1 prompt; reflection greedy and sampled)."""
    out = {}
    for mode in MODES.values():
        base, after = row[f"base_{mode}_reflection_rate"], row[f"trained_{mode}_reflection_rate"]
        out[f"{mode} reflection: base <= 0.10"] = base <= 0.10
        out[f"{mode} reflection: after >= 0.25 and >= 3 x base"] = after >= max(0.25, 3 * base)
    out["greedy length +50 %"] = (
        row["trained_greedy_mean_length"] >= 1.5 * row["base_greedy_mean_length"]
    )
    out["greedy accuracy +30 points"] = row["trained_accuracy"] - row["base_accuracy"] >= 0.30
    out["greedy correction rate after > 0"] = row["trained_greedy_correction_rate"] > 0
    return out


def aha_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown: reflection, length, accuracy and self-correction per seed; the bars checked."""
    lines = [
        "",
        "## Reflection and self-correction (the aha)",
        "",
        "Reflection = a marker of `rewards/reflection.py`; correction = a wrong first stated "
        "result corrected later in the response with a right answer "
        "(`evaluation/self_correction.py`); length in tokens. Base → trained.",
        "",
    ]
    for mode in MODES.values():
        lines += [
            f"| seed ({mode}) | reflection | mean length | accuracy | correction rate "
            "| accuracy reflecting | accuracy not reflecting | first result wrong "
            "| reflection in R1-format answers |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            cells = " | ".join(_pair(r, f"{mode}_{name}") for name in AHA)
            lines.append(f"| {r['seed']} | {cells} |")
        for label, fn in (("mean", _mean), ("sd", _sd)):
            cells = " | ".join(
                f"{fn([r[f'base_{mode}_{n}'] for r in rows]):.3f} → "
                f"{fn([r[f'trained_{mode}_{n}'] for r in rows]):.3f}"
                for n in AHA
            )
            lines.append(f"| {label} | {cells} |")
        lines.append("")
    lines += ["| seed | first rewarded self-correction (GRPO step) | reflection rate over training,"
              " first → last 20 steps | length over training |", "|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r.get('first_rewarded_correction_step')} | "
            f"{r.get('train_first20_reflection_rate', float('nan')):.3f} → "
            f"{r.get('train_last20_reflection_rate', float('nan')):.3f} | "
            f"{r.get('train_first20_completions/mean_length', float('nan')):.1f} → "
            f"{r.get('train_last20_completions/mean_length', float('nan')):.1f} |"
        )
    lines += ["", "| bar (issue #14) | " + " | ".join(f"seed {r['seed']}" for r in rows) + " |",
              "|---|" + "---|" * len(rows)]
    checked = [bars(r) for r in rows]
    for name in checked[0]:
        lines.append(f"| {name} | " + " | ".join("yes" if c[name] else "**no**" for c in checked)
                     + " |")
    return lines


def _mean(values: list[float]) -> float:
    """Mean over the seeds where the figure is defined (nan: defined on none)."""
    known = [v for v in values if not math.isnan(v)]
    return statistics.fmean(known) if known else math.nan


def _sd(values: list[float]) -> float:
    """Sample sd over the seeds where the figure is defined (a rate with no rows is nan)."""
    known = [v for v in values if not math.isnan(v)]
    return statistics.stdev(known) if len(known) > 1 else 0.0


def main() -> None:
    """Run the seeds one after another and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data-root", type=Path, default=None, help="default: a temp folder")
    parser.add_argument("--out", type=Path, default=RESULTS / "miniature_r1_zero.md")
    parser.add_argument("--measure-only", action="store_true",
                        help="measure the runs already in DATA-ROOT/seed<s>")
    parser.add_argument("--params", type=json.loads, default={},
                        help="JSON runtime parameters merged over the seed's (a variant to try)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
    root = args.data_root or Path(tempfile.mkdtemp(prefix="miniature-r1-zero-"))
    os.environ.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
    rows = [measure_seed(seed, root / f"seed{seed}") if args.measure_only
            else run_seed(seed, root / f"seed{seed}", args.params) for seed in args.seeds]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_results(rows, args.out)


if __name__ == "__main__":
    main()
