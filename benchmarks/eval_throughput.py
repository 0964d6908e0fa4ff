"""Evaluation throughput of the tiny Qwen2.5-VL on CPU: samples per second by batch size.

    .venv/bin/python benchmarks/eval_throughput.py [--n 200] [--batch-sizes 1 8 32]
        [--max-new-tokens 64] [--model PATH]

Builds the tiny model offline (or loads ``--model``), makes ``--n`` contract test rows (rendered
arithmetic, the R1 chat prompt), then for each batch size times greedy generation (HF
``generate``, left padding) and, for the largest, the whole evaluation (generation + scoring with
the rewards library + metrics). Writes benchmarks/results/eval_throughput.md.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw

from mathrl_pipeline.evaluation import (
    DecodeSettings,
    breakdown,
    generate_hf,
    load_model_and_processor,
    score_responses,
)
from mathrl_pipeline.evaluation.runner import generate_responses
from mathrl_pipeline.tasks.prompts import DEFAULT_INSTRUCTION, PromptTemplate

logger = logging.getLogger("benchmarks.eval_throughput")
RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def make_split(n: int) -> pd.DataFrame:
    """``n`` contract rows: a small rendered sum each, the R1 chat prompt."""
    prompt = PromptTemplate().build(DEFAULT_INSTRUCTION)
    rows = []
    for i in range(n):
        image = Image.new("RGB", (112 + 14 * (i % 4), 56), "white")
        ImageDraw.Draw(image).text((4, 20), f"{i} + {i + 1} = ?", fill="black")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        rows.append(
            {
                "id": f"bench-{i}",
                "task": "deepmath",
                "prompt": prompt,
                "image": {"bytes": buffer.getvalue(), "path": None},
                "solution": str(2 * i + 1),
                "answer_type": "number",
                "difficulty": float(i % 3),
                "topic": "arithmetic",
                "choices": None,
            }
        )
    return pd.DataFrame(rows)


def build_model(path: Path) -> Path:
    """Save the training stack's tiny Qwen2.5-VL to ``path``."""
    from mathrl_pipeline.models.tiny import build_tiny_model

    texts = [f"What is {i} + {i + 1}? The answer is {2 * i + 1}." for i in range(50)]
    build_tiny_model(texts).save_pretrained(path)
    return path


def main() -> None:
    """Time greedy generation per batch size and one full evaluation; write the results table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model or build_model(Path(tmp) / "tiny")
        model, processor = load_model_and_processor(str(model_dir))
        split = make_split(args.n)
        settings = DecodeSettings(max_new_tokens=args.max_new_tokens)
        rows = []
        for batch_size in args.batch_sizes:
            start = time.perf_counter()
            gens = generate_hf(
                model,
                processor,
                list(split["prompt"]),
                list(split["image"]),
                settings,
                batch_size=batch_size,
            )
            seconds = time.perf_counter() - start
            tokens = sum(g.length for g in gens)
            rows.append((batch_size, args.n, seconds, args.n / seconds, tokens / seconds))
            logger.info("batch %d: %.1f s, %.2f samples/s", batch_size, seconds, args.n / seconds)
        start = time.perf_counter()
        responses = generate_responses(
            model,
            processor,
            split,
            ["keep"],
            {"greedy": settings},
            batch_size=max(args.batch_sizes),
        )
        breakdown(score_responses(responses, split))
        full = time.perf_counter() - start
    lines = [
        "# Evaluation throughput (tiny Qwen2.5-VL, CPU)",
        "",
        f"Command: `.venv/bin/python benchmarks/eval_throughput.py --n {args.n} "
        f"--max-new-tokens {args.max_new_tokens}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs (shared), torch CPU, "
        "float32, greedy HF `generate`, left padding. Every response runs to max new tokens "
        "(the random tiny model never emits EOS), so these are worst-case lengths.",
        "",
        "| batch size | samples | seconds | samples / s | generated tokens / s |",
        "|---:|---:|---:|---:|---:|",
        *[f"| {b} | {n} | {s:.1f} | {r:.2f} | {t:.0f} |" for b, n, s, r, t in rows],
        "",
        f"Full evaluation of {args.n} samples (generation at batch size "
        f"{max(args.batch_sizes)} + scoring with the rewards library + metrics): **{full:.1f} s**.",
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "eval_throughput.md").write_text("\n".join(lines), encoding="utf-8")
    logger.info("\n".join(lines))


if __name__ == "__main__":
    main()
