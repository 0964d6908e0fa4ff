"""Throughput of every reward on realistic completions, against naive per-sample Math-Verify.

Completions are built from ``../shared/data/math500_sample.jsonl`` (reasoning = the reference
solution, answer = the gold, a wrong gold of another row, or a ``\\boxed`` variant), grouped
as GRPO does (``--group`` completions per prompt, same gold), plus OCR completions from
``im2latex_formulas_train.jsonl``.

Usage::

    .venv/bin/python benchmarks/rewards.py [--prompts 64] [--group 8] [--ocr 256]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import random
import time
from pathlib import Path

from mathrl_pipeline.rewards import get_reward
from mathrl_pipeline.rewards.math_accuracy import clear_cache
from mathrl_pipeline.rewards.sandbox import get_executor

logger = logging.getLogger("benchmarks.rewards")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
NAMES = [
    "format",
    "format_partial",
    "math_accuracy",
    "accuracy",
    "length_penalty",
    "soft_overlong",
    "repetition_penalty",
]
OCR_NAMES = ["latex_format", "ocr_exact", "ocr_normalized", "ocr_sympy"]


def _rows(name: str) -> list[dict]:
    path = DATA / name
    if not path.exists():
        raise SystemExit(f"{path} not found: the benchmark needs ../shared/data")
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def math_batch(n_prompts: int, group: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    rows = _rows("math500_sample.jsonl")[:n_prompts]
    completions, golds = [], []
    for row in rows:
        gold = row["final_answer"]
        for _ in range(group):
            kind = rng.random()
            if kind < 0.4:
                answer = gold
            elif kind < 0.6:
                answer = f"\\boxed{{{gold}}}"
            else:
                answer = rng.choice(rows)["final_answer"]
            thinking = row["solution"][: rng.randint(200, 1500)]
            completions.append(f"<think>\n{thinking}\n</think>\n<answer>{answer}</answer>")
            golds.append(gold)
    return completions, golds


def ocr_batch(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    rows = _rows("im2latex_formulas_train.jsonl")[:n]
    completions, golds = [], []
    for row in rows:
        f = row["formula"]
        pred = f if rng.random() < 0.5 else f.replace("{", "{ ").replace("\\label", "\\tag")
        completions.append(f"<latex>{pred}</latex>")
        golds.append(f)
    return completions, golds


def naive_math_verify(completions: list[str], golds: list[str]) -> list[float]:
    """What the anchors do: parse gold and prediction per sample, signal-based timeouts."""
    from math_verify import parse, verify

    from mathrl_pipeline.rewards import extract_answer

    out = []
    for completion, gold in zip(completions, golds, strict=True):
        answer = extract_answer(completion, "answer_tag") or ""
        out.append(float(verify(parse(f"${gold}$"), parse(f"${answer}$"))))
    return out


def _time(func, *args, repeat: int = 1, **kwargs) -> tuple[float, object]:  # noqa: ANN001
    best = float("inf")
    result = None
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--ocr", type=int, default=256)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/rewards.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("math_verify").setLevel(logging.ERROR)

    completions, golds = math_batch(args.prompts, args.group)
    ocr_completions, ocr_golds = ocr_batch(args.ocr)
    start = time.perf_counter()
    get_executor().warm_up()
    warm = time.perf_counter() - start

    results = []
    for name in NAMES:
        reward = get_reward(name)
        secs, _ = _time(reward, completions, solution=golds, repeat=3)
        results.append((name, len(completions), secs))
        logger.info("%-20s %8.0f samples/s", name, len(completions) / secs)
    for name in OCR_NAMES:
        reward = get_reward(name)
        secs, _ = _time(reward, ocr_completions, solution=ocr_golds, repeat=3)
        results.append((name, len(ocr_completions), secs))
        logger.info("%-20s %8.0f samples/s", name, len(ocr_completions) / secs)
    # second pass of math_accuracy with the verdict cache warm (GRPO repeats answers)
    reward = get_reward("math_accuracy")
    reward(completions, solution=golds)
    start = time.perf_counter()
    ours = reward(completions, solution=golds)
    cached = time.perf_counter() - start
    secs, naive = _time(naive_math_verify, completions, golds, repeat=3)
    agree = sum((a == b) for a, b in zip(ours, naive, strict=True)) / len(naive)
    logger.info("naive math_verify    %8.0f samples/s", len(completions) / secs)

    lines = [
        "# Reward throughput",
        "",
        f"Command: `.venv/bin/python benchmarks/rewards.py --prompts {args.prompts} "
        f"--group {args.group} --ocr {args.ocr}`  ",
        f"Machine: {platform.platform()}, Python {platform.python_version()} "
        "(2 shared cores: figures are indicative)  ",
        f"Math batch: {len(completions)} completions ({args.prompts} MATH-500 prompts x "
        f"{args.group}); OCR batch: {len(ocr_completions)} im2latex formulas. "
        f"Worker pool warm-up (not counted): {warm:.2f} s. "
        "Best of 3 runs, verdict cache cleared before each timed run.",
        "",
        "| reward | samples | seconds | samples/s |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {k} | {s:.3f} | {k / s:,.0f} |" for n, k, s in results]
    lines += [
        f"| math_accuracy (verdict cache warm) | {len(completions)} | {cached:.3f} | "
        f"{len(completions) / cached:,.0f} |",
        f"| naive `verify(parse(gold), parse(pred))` per sample, main thread | "
        f"{len(completions)} | {secs:.3f} | {len(completions) / secs:,.0f} |",
        "",
        f"math_accuracy and the naive baseline agree on {agree:.1%} of these samples.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    logger.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
