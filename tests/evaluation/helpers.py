"""Shared test material of the evaluation tests: a tiny model and a small contract test split."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import MemoryDataset
from PIL import Image, ImageDraw
from pydantic import BaseModel

from mathrl_pipeline.tasks.prompts import DEFAULT_INSTRUCTION, PromptTemplate

TOPICS = ("arithmetic", "algebra")


def png_cell(text: str, size: tuple[int, int] = (112, 56)) -> dict[str, object]:
    """A contract image cell: a small white PNG with ``text`` drawn on it."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((4, 20), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"bytes": buffer.getvalue(), "path": None}


def make_split(n: int = 6, style: str = "instruct") -> pd.DataFrame:
    """A contract test split of ``n`` arithmetic questions (difficulty 1-3, two topics)."""
    template = PromptTemplate(style=style)  # type: ignore[arg-type]
    rows = []
    for i in range(n):
        a, b = i + 1, 2 * i + 3
        rows.append(
            {
                "id": f"deepmath-{i}",
                "task": "deepmath",
                "prompt": template.build(DEFAULT_INSTRUCTION),
                "image": png_cell(f"{a} + {b} = ?", (112 + 14 * (i % 3), 56)),
                "solution": str(a + b),
                "answer_type": "number",
                "question": f"What is {a} + {b}?",
                "difficulty": float(1 + i % 3),
                "topic": TOPICS[i % 2],
                "choices": None,
            }
        )
    return pd.DataFrame(rows)


def build_tiny_model_dir(path: Path) -> Path:
    """Build and save the training stack's tiny Qwen2.5-VL (tokenizer from a few questions)."""
    from mathrl_pipeline.models.tiny import TinyModelSpec, build_tiny_model

    texts = [f"What is {i} + {i + 1}? The answer is {2 * i + 1}." for i in range(20)]
    build_tiny_model(texts, TinyModelSpec(max_pixels=112 * 112)).save_pretrained(path)
    return path


def train_samples_table() -> pd.DataFrame:
    """A small ``train_samples`` table shaped like the train pipeline's: sampled completions and
    the first rewarded self-correction (for report tests)."""
    prompt = "<image>\nWhat is the value of the expression in the image?"
    corrected = ("<think>I think it is 9. Wait, let me check the image again. It shows 4 + 3. "
                 "4 plus 3 is 7.</think> <answer>7</answer>")
    rows = [
        (1, "sample", "4 plus 3 is 7. The answer is 7.", 0.0, 0.0, 0.0),
        (3, "sample", "<answer>8</answer>", 0.5, 0.0, 1.0),
        (5, "self_correction", corrected, 1.5, 1.0, 1.0),
    ]
    return pd.DataFrame(
        [
            {"step": step, "kind": kind, "prompt": prompt, "completion": completion,
             "solution": "7", "reward": reward, "reward_accuracy": accuracy,
             "reward_format": form}
            for step, kind, completion, reward, accuracy, form in rows
        ]
    )


def train_metrics_table(steps: int = 12) -> pd.DataFrame:
    """A small ``train_metrics`` table shaped like the train pipeline's (for report tests)."""
    return pd.DataFrame(
        {
            "step": list(range(1, steps + 1)),
            "reward": [0.1 + 0.05 * s for s in range(steps)],
            "reward_std": [0.2] * steps,
            "rewards/accuracy/mean": [0.05 * s for s in range(steps)],
            "rewards/format/mean": [0.1 + 0.02 * s for s in range(steps)],
            "completions/mean_length": [40.0 + 3 * s for s in range(steps)],
            "kl": [0.001 * s for s in range(steps)],
            "reflection_rate": [0.01 * s for s in range(steps)],
        }
    )


def param_datasets(**blocks: Any) -> dict[str, MemoryDataset]:
    """``params:`` datasets as a Kedro session makes them from validated parameter blocks:
    ``params:<block>`` and ``params:<block>.<field>`` for every (nested) field."""
    datasets: dict[str, MemoryDataset] = {}

    def add(name: str, value: Any) -> None:
        datasets[f"params:{name}"] = MemoryDataset(value, copy_mode="assign")
        fields = dict(value) if isinstance(value, dict) else None
        if isinstance(value, BaseModel):
            fields = {f: getattr(value, f) for f in type(value).model_fields}
        for field, inner in (fields or {}).items():
            add(f"{name}.{field}", inner)

    for name, value in blocks.items():
        add(name, value)
    return datasets


# Small, fast settings for end-to-end runs in tests (runtime params, dotted keys).
FAST_EVAL_PARAMS: dict[str, object] = {
    "evaluate.limit": 4,
    "evaluate.batch_size": 4,
    "evaluate.greedy.max_new_tokens": 8,
    "evaluate.sampled.num_samples": 2,
    "evaluate.sampled.max_new_tokens": 8,
    "evaluate.pass_k": [1, 2],
}


def seed_catalog(data_dir: Path, model_dir: Path, n_rows: int = 4) -> None:
    """Save the inputs of `evaluate` and `report` under ``data_dir`` as versioned datasets:
    the tiny model as base and trained model, a small `deepmath_test`, a `train_metrics` and a
    `train_samples` (what a training run leaves for the report)."""
    from kedro.io import Version
    from kedro_datasets.pandas import CSVDataset, ParquetDataset

    from mathrl_pipeline.datasets import ModelDirectoryDataset, TableParquetDataset

    version = Version(None, None)
    for folder in ("base_model", "grpo_model"):
        ModelDirectoryDataset(str(data_dir / "06_models" / folder), version=version).save(
            str(model_dir)
        )
    test_path = data_dir / "05_model_input" / "deepmath_test.parquet"
    ParquetDataset(filepath=str(test_path), version=version).save(make_split(n_rows))
    metrics_path = data_dir / "08_reporting" / "train_metrics.csv"
    CSVDataset(filepath=str(metrics_path), version=version, save_args={"index": False}).save(
        train_metrics_table()
    )
    samples_path = data_dir / "08_reporting" / "train_samples.parquet"
    TableParquetDataset(filepath=str(samples_path), version=version).save(train_samples_table())


def run_eval_and_report(project_root: Path, data_dir: Path, model_dir: Path) -> None:
    """Seed the catalog, then run `evaluate` and `report` through a KedroSession."""
    import os

    from tests.kedro_helpers import run_pipelines

    saved = {k: os.environ.get(k) for k in ("MLFLOW_ALLOW_FILE_STORE", "MLFLOW_TRACKING_URI")}
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    os.environ["MLFLOW_TRACKING_URI"] = (data_dir / "mlruns").as_uri()  # not the project's
    try:
        seed_catalog(data_dir, model_dir)
        run_pipelines(project_root, data_dir, ["evaluate", "report"], FAST_EVAL_PARAMS)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
