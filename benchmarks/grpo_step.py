"""Benchmark one GRPO step (TRL GRPOTrainer via mathrl_pipeline.training.run_grpo).

Reports seconds per step, generated tokens per second, peak memory and (on GPU) MFU for a model
of the Qwen2.5-VL architecture with random weights, at a given size, batch, num_generations and
completion length. CPU here; on a GPU node, the 3B shape:

    python benchmarks/grpo_step.py --shape qwen2_5_vl_3b --batch 8 --num-generations 8 \\
        --completion-length 512 --steps 5 --dtype bfloat16 --attn flash_attention_2

Completions are generated to full length (no EOS: ``min_new_tokens``), so tokens/s is exact.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.training.digits

logger = logging.getLogger("grpo_step")

SHAPES: dict[str, dict[str, Any]] = {
    "tiny": {},  # TinyModelSpec defaults (the embedded model)
    "small": {"hidden_size": 256, "intermediate_size": 704, "num_hidden_layers": 4,
              "num_attention_heads": 4, "num_key_value_heads": 2, "mrope_section": (8, 12, 12),
              "vision_depth": 2, "vision_hidden_size": 128, "vision_intermediate_size": 256,
              "vision_num_heads": 2},
    # Qwen2.5-VL-3B-Instruct's config.json dimensions
    "qwen2_5_vl_3b": {"hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
                      "num_attention_heads": 16, "num_key_value_heads": 2,
                      "mrope_section": (16, 24, 24), "vision_depth": 32,
                      "vision_hidden_size": 1280, "vision_intermediate_size": 3420,
                      "vision_num_heads": 16, "pad_vocab_to": 151936,
                      "max_position_embeddings": 128000, "tie_word_embeddings": True},
}  # fmt: skip


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--batch", type=int, default=8, help="completions per device per step")
    parser.add_argument("--num-generations", type=int, default=4)
    parser.add_argument("--completion-length", type=int, default=32)
    parser.add_argument("--steps", type=int, default=4, help="measured steps (after 1 warm-up)")
    parser.add_argument("--beta", type=float, default=0.0)
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--attn", default="sdpa")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="GPU dense bf16 peak")
    parser.add_argument("--output", type=Path, help="append the markdown row to this file")
    return parser.parse_args(argv)


def _peak_memory_gib() -> tuple[float, str]:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**30, "GPU"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, "CPU RSS"


def main(argv: list[str] | None = None) -> None:
    """Build the model, run warm-up + measured steps, print a markdown row."""
    import torch

    from mathrl_pipeline.models.tiny import TinyModelSpec, build_tiny_model
    from mathrl_pipeline.training.config import TrainParams
    from mathrl_pipeline.training.runner import run_grpo
    from tests.training.digits import digit_frame

    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = Path(tempfile.mkdtemp(prefix="grpo_bench_"))
    texts = [f"Row {i}: which digit is shown? {i}" for i in range(10)]
    bundle = build_tiny_model(texts, TinyModelSpec(**SHAPES[args.shape]))
    n_params = sum(p.numel() for p in bundle.model.parameters())
    bundle.save_pretrained(work / "model")
    del bundle
    prompts = max(1, args.batch // args.num_generations) * (args.steps + 1)
    params = TrainParams.model_validate(
        {
            "run_name": "grpo_step",
            "output_dir": str(work / "run"),
            "rewards": [
                {"name": "length_penalty", "kwargs": {"limit": 0, "slope": 0.005, "unit": "chars"}}
            ],
            "num_generations": args.num_generations,
            "per_device_train_batch_size": args.batch,
            "max_steps": args.steps + 1,
            "max_completion_length": args.completion_length,
            "save_steps": 10_000,
            "beta": args.beta,
            "learning_rate": 1e-6,
            "gradient_checkpointing": args.gradient_checkpointing,
            "model": {"dtype": args.dtype, "attn_implementation": args.attn},
            "extra_grpo_args": {
                "generation_kwargs": {"min_new_tokens": args.completion_length},
                "save_strategy": "no",
            },
        }
    )
    wall = time.perf_counter()
    result = run_grpo(params, digit_frame(prompts), work / "model")
    wall = time.perf_counter() - wall
    metrics: pd.DataFrame = result.metrics.iloc[1:]  # drop the warm-up step
    step_s = float(metrics["wall_step_time"].median())
    generated = float((metrics["completions/mean_length"] * args.batch).mean())
    tokens_per_s = generated / step_s
    peak, where = _peak_memory_gib()
    mfu = ""
    if torch.cuda.is_available():
        prompt_tokens = float(metrics["num_tokens"].diff().mean()) - generated
        trained = generated + prompt_tokens
        ref = 2 if args.beta > 0 else 0
        flops = (6 + ref) * n_params * trained + 2 * n_params * generated
        mfu = f"{100 * flops / step_s / (args.peak_tflops * 1e12):.1f}%"
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU x{os.cpu_count()}"
    row = (
        f"| {args.shape} | {n_params / 1e6:.1f}M | {args.batch} | {args.num_generations} | "
        f"{args.completion_length} | {step_s:.2f} | {tokens_per_s:.0f} | {peak:.2f} GiB {where} | "
        f"{mfu or 'n/a'} | {device} | {wall:.0f} s |"
    )
    header = (
        "| shape | params | batch | gens | completion | s/step | gen tokens/s | peak memory | MFU "
        "| device | wall (incl. load) |\n|---|---|---|---|---|---|---|---|---|---|---|"
    )
    logger.info("\n%s\n%s", header, row)
    if args.output:
        new = not args.output.exists()
        with args.output.open("a", encoding="utf-8") as fh:
            fh.write((header + "\n" if new else "") + row + "\n")


if __name__ == "__main__":
    main()
