"""Nodes of the `arith` pipeline: thin adapters over `tasks.arith` and the renderer."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items
from mathrl_pipeline.tasks.arith import (
    ArithProblem,
    CompletionMix,
    all_problems,
    noisy_completion,
    place_on_canvas,
)
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.prompts import PromptTemplate, conversational_prompt
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame
from mathrl_pipeline.tasks.splits import split_frame

from .params import ArithParams

logger = logging.getLogger(__name__)

TASK = "arith"


def _params(params: dict[str, Any]) -> ArithParams:
    return ArithParams.model_validate(params)


def _template(p: ArithParams) -> PromptTemplate:
    return PromptTemplate(style=p.prompt.style, system_prompt=p.prompt.system_prompt)


def generate_arith(params: dict[str, Any]) -> pd.DataFrame:
    """One row per render to make: every problem, for GRPO/evaluation and for pre-training."""
    p = _params(params)
    rows: list[dict[str, Any]] = []
    for problem in all_problems(p.max_operand, p.ops):
        for purpose, count in (("rl", p.renders_per_problem),
                               ("pretrain", p.pretrain.renders_per_problem)):
            for variant in range(count):
                rows.append(
                    {
                        "id": f"{TASK}-{problem.key}-{purpose}{variant}",
                        "problem": problem.key,
                        "a": problem.a,
                        "op": problem.op,
                        "b": problem.b,
                        "answer": problem.answer,
                        "latex": problem.latex,
                        "purpose": purpose,
                        "font_size_pt": p.render.font_sizes[variant % len(p.render.font_sizes)],
                    }
                )
    logger.info("arith: %d renders to make", len(rows))
    return pd.DataFrame(rows)


def render_arith(
    raw: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Render each formula (one pdflatex batch per font size) and place it on the canvas."""
    p = _params(params)
    workdir = Path(p.render.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(p.seed)
    images: dict[str, bytes] = {}
    rejects: list[Reject] = []
    for font_size, group in raw.groupby("font_size_pt", sort=True):
        config = RenderConfig(
            dpi=p.render.dpi, font_size_pt=int(font_size), padding=2, max_width=750,
            min_pixels=0, timeout_s=p.render.timeout_s, workers=p.render.workers,
            batch_size=256,
        )
        items = [RenderItem(id=i, text=t, mode="display")
                 for i, t in zip(group["id"], group["latex"], strict=True)]
        for result in render_items(items, config, workdir):
            if not result.ok or result.png is None:
                rejects.append(Reject(result.id, "render", result.reason or "render failed"))
                continue
            placed = place_on_canvas(result.png, p.canvas.width, p.canvas.height, rng,
                                     jitter=p.canvas.jitter, background=p.canvas.background)
            if placed is None:
                rejects.append(Reject(result.id, "canvas", f"render {result.width}x"
                                      f"{result.height} does not fit the canvas "
                                      f"{p.canvas.width}x{p.canvas.height} (arith.canvas)"))
                continue
            images[result.id] = placed
    kept = raw.loc[raw["id"].isin(images)].reset_index(drop=True)
    kept = kept.assign(image=[image_cell(images[i]) for i in kept["id"]])
    logger.info("arith render: %d rendered, %d rejected", len(kept), len(rejects))
    return kept, rejects_frame(rejects)


def build_arith_prompts(rendered: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """GRPO-ready rows (dataset contract) for the renders meant for RL and evaluation."""
    p = _params(params)
    rl = rendered.loc[rendered["purpose"] == "rl"].reset_index(drop=True)
    prompt = _template(p).build(p.prompt.instruction)
    return pd.DataFrame(
        {
            "id": rl["id"],
            "task": TASK,
            "prompt": [prompt] * len(rl),
            "image": rl["image"],
            "solution": rl["answer"].astype(str),
            "answer_type": "number",
            "question": rl["latex"],
            "difficulty": [1.0 if op == "+" else 2.0 for op in rl["op"]],
            "topic": [f"arithmetic -> {op}" for op in rl["op"]],
            "choices": [None] * len(rl),
            "problem": rl["problem"],
        }
    )


def split_arith(
    model_input: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out whole problems: no render of a test problem is in the GRPO train split."""
    s = _params(params).split
    problems = pd.DataFrame({"problem": sorted(model_input["problem"].unique())})
    train_keys, test_keys = split_frame(problems, test_fraction=s.test_fraction, seed=s.seed)
    train = model_input.loc[model_input["problem"].isin(train_keys["problem"])]
    test = model_input.loc[model_input["problem"].isin(test_keys["problem"])]
    logger.info("arith split: %d train rows (%d problems), %d test rows (%d problems)",
                len(train), len(train_keys), len(test), len(test_keys))
    return train.reset_index(drop=True), test.reset_index(drop=True)


def build_arith_pretrain_corpus(rendered: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Pre-training rows for the tiny base model: other renders; noisy answers, captions, facts."""
    p = _params(params)
    mix = CompletionMix(**p.pretrain.mix.model_dump())
    rng = random.Random(p.seed + 1)
    pre = rendered.loc[rendered["purpose"] == "pretrain"].reset_index(drop=True)
    problems = [
        ArithProblem(int(a), op, int(b))
        for a, op, b in zip(pre["a"], pre["op"], pre["b"], strict=True)
    ]
    parts = [
        ("answer", _template(p).build(p.prompt.instruction),
         [noisy_completion(problem, mix, rng, p.max_operand) for problem in problems]),
    ]
    if p.pretrain.transcribe_instruction:
        parts.append(("caption", conversational_prompt("", p.pretrain.transcribe_instruction),
                      [problem.latex for problem in problems]))
    if p.pretrain.compute_instruction:
        parts.append(("fact", conversational_prompt("", p.pretrain.compute_instruction),
                      [f"{problem.a} {problem.word} {problem.b} is {problem.answer}."
                       for problem in problems]))
    frames = [
        pd.DataFrame(
            {
                "id": pre["id"] + f"-{kind}",
                "task": TASK,
                "kind": kind,
                "prompt": [prompt] * len(pre),
                "image": pre["image"],
                "completion": completions,
                "solution": pre["answer"].astype(str),
                "question": pre["latex"],
            }
        )
        for kind, prompt, completions in parts
    ]
    return pd.concat(frames, ignore_index=True)
