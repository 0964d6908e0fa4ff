"""Nodes of the `deepmath` pipeline: thin adapters over `mathrl_pipeline.tasks` and `.rendering`."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items
from mathrl_pipeline.tasks.answers import ANSWER_KINDS, answer_kind
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.ingest import load_source
from mathrl_pipeline.tasks.mathgen import generate_problems
from mathrl_pipeline.tasks.prompts import R1_SYSTEM_PROMPT, PromptTemplate
from mathrl_pipeline.tasks.rejects import Reject, concat_rejects, rejects_frame
from mathrl_pipeline.tasks.splits import split_frame

from .params import DeepMathParams

logger = logging.getLogger(__name__)

TASK = "deepmath"
CLEAN_COLUMNS = ["id", "question", "final_answer", "difficulty", "topic", "answer_kind"]


def _params(params: dict[str, Any]) -> DeepMathParams:
    return DeepMathParams.model_validate(params)


def _cell_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, str):
        return None
    return value


def _optional_float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def ingest_deepmath(params: dict[str, Any]) -> pd.DataFrame:
    """Load raw DeepMath rows from the Hub, a local file, or the embedded generator."""
    p = _params(params)
    if p.source == "embedded":
        rows = generate_problems(p.embedded.count, p.embedded.seed, p.embedded.kinds)
        frame = pd.DataFrame(rows)
        return frame.head(p.limit) if p.limit is not None else frame
    return load_source(
        p.source,
        split=p.hf_split,
        revision=p.revision,
        limit=p.limit,
        name=p.config_name,
        param_name="deepmath.source",
    )


def validate_deepmath(
    raw: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep rows with a non-empty question and answer; the rest become rejects."""
    p = _params(params)
    columns = p.columns
    for needed in (columns.question, columns.answer):
        if needed not in raw.columns:
            raise KeyError(
                f"deepmath.columns: column {needed!r} is not in the source data; "
                f"available columns: {list(raw.columns)}"
            )
    kept: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for position, row in enumerate(raw.to_dict(orient="records")):
        source_id = row.get(columns.id) if columns.id else row.get("hf_row_index", position)
        row_id = f"{TASK}-{source_id}"
        question = _cell_text(row.get(columns.question))
        answer = row.get(columns.answer)
        answer = str(answer) if isinstance(answer, int | float) and not pd.isna(answer) else answer
        answer = _cell_text(answer)
        if question is None or not question.strip():
            rejects.append(Reject(row_id, "validate", "missing or empty question"))
            continue
        if answer is None or not answer.strip():
            rejects.append(Reject(row_id, "validate", "missing or empty answer"))
            continue
        kept.append(
            {
                "id": row_id,
                "question": question.strip(),
                "final_answer": answer.strip(),
                "difficulty": _optional_float(row.get(columns.difficulty))
                if columns.difficulty
                else None,
                "topic": _cell_text(row.get(columns.topic)) if columns.topic else None,
                "answer_kind": answer_kind(answer),
            }
        )
    logger.info("deepmath validate: %d kept, %d rejected", len(kept), len(rejects))
    valid = pd.DataFrame(kept, columns=CLEAN_COLUMNS)
    valid["difficulty"] = valid["difficulty"].astype("float64")
    return valid, rejects_frame(rejects)


def _filter_reason(row: dict[str, Any], p: DeepMathParams) -> str | None:
    f = p.filter
    difficulty = row["difficulty"]
    if f.min_difficulty is not None or f.max_difficulty is not None:
        if difficulty is None or math.isnan(difficulty):
            return "difficulty unknown but a difficulty range is set"
        if f.min_difficulty is not None and difficulty < f.min_difficulty:
            return f"difficulty {difficulty} below deepmath.filter.min_difficulty " + str(
                f.min_difficulty
            )
        if f.max_difficulty is not None and difficulty > f.max_difficulty:
            return f"difficulty {difficulty} above deepmath.filter.max_difficulty " + str(
                f.max_difficulty
            )
    if f.topics:
        topic = row["topic"] or ""
        if not any(topic.startswith(prefix) for prefix in f.topics):
            return f"topic {topic!r} not in deepmath.filter.topics"
    if f.answer_kinds and row["answer_kind"] not in f.answer_kinds:
        return f"answer kind {row['answer_kind']!r} not in deepmath.filter.answer_kinds"
    if len(row["question"]) > f.max_question_chars:
        return (
            f"question has {len(row['question'])} characters, over "
            f"deepmath.filter.max_question_chars {f.max_question_chars}"
        )
    return None


def filter_deepmath(
    valid: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the difficulty, topic, answer-kind and length filters; filtered rows are recorded."""
    p = _params(params)
    if p.filter.answer_kinds:
        unknown = sorted(set(p.filter.answer_kinds) - set(ANSWER_KINDS))
        if unknown:
            raise ValueError(
                f"deepmath.filter.answer_kinds has unknown kinds {unknown}; "
                f"valid kinds: {list(ANSWER_KINDS)}"
            )
    keep: list[bool] = []
    rejects: list[Reject] = []
    for row in valid.to_dict(orient="records"):
        reason = _filter_reason(row, p)
        keep.append(reason is None)
        if reason is not None:
            rejects.append(Reject(row["id"], "filter", reason))
    kept = valid.loc[keep].reset_index(drop=True)
    logger.info("deepmath filter: %d kept, %d filtered out", len(kept), len(rejects))
    return kept, rejects_frame(rejects)


def render_deepmath(
    filtered: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Render each question to a PNG; failures become rejects with pdflatex's reason."""
    p = _params(params)
    r = p.render
    config = RenderConfig(
        dpi=r.dpi,
        max_width=r.max_width,
        padding=r.padding,
        font_size_pt=r.font_size_pt,
        background=r.background,
        min_pixels=r.min_pixels,
        max_pixels=r.max_pixels,
        batch_size=r.batch_size,
        workers=r.workers,
        timeout_s=r.timeout_s,
        max_chars=r.max_chars,
    )
    workdir = Path(r.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    items = [RenderItem(id=row_id, text=text, mode="text") for row_id, text in
             zip(filtered["id"], filtered["question"], strict=True)]
    start = time.perf_counter()
    results = render_items(items, config, workdir)
    seconds = time.perf_counter() - start
    images: list[dict[str, Any] | None] = []
    widths: list[int] = []
    heights: list[int] = []
    repairs: list[list[str]] = []
    rejects: list[Reject] = []
    reasons: dict[str, int] = {}
    for result in results:
        if result.ok and result.png is not None:
            images.append(image_cell(result.png))
        else:
            images.append(None)
            reason = result.reason or "render failed"
            rejects.append(Reject(result.id, f"render:{result.stage or 'latex'}", reason))
            key = f"{result.stage or 'latex'}: {reason.splitlines()[0][:120]}"
            reasons[key] = reasons.get(key, 0) + 1
        widths.append(int(result.width or 0))
        heights.append(int(result.height or 0))
        repairs.append(list(result.repairs))
    rendered = filtered.assign(
        image=images, image_width=widths, image_height=heights, render_repairs=repairs
    )
    ok_mask = rendered["image"].notna()
    rendered = rendered.loc[ok_mask].reset_index(drop=True)
    total = len(items)
    report = {
        "items": total,
        "rendered": int(ok_mask.sum()),
        "rejected": total - int(ok_mask.sum()),
        "render_rate": (int(ok_mask.sum()) / total) if total else None,
        "repaired": sum(1 for rep in repairs if rep),
        "seconds": round(seconds, 3),
        "images_per_second": round(total / seconds, 2) if seconds > 0 else None,
        "workers": r.workers,
        "batch_size": r.batch_size,
        "dpi": r.dpi,
        "max_width": r.max_width,
        "reject_reasons": reasons,
    }
    logger.info(
        "deepmath render: %d/%d rendered in %.1fs (%.1f img/s)",
        report["rendered"], total, seconds, report["images_per_second"] or 0.0,
    )
    return rendered, rejects_frame(rejects), report


def build_deepmath_prompts(rendered: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Add the GRPOTrainer columns: prompt (chosen template), solution, task, answer_type."""
    p = _params(params)
    template = PromptTemplate(
        style=p.prompt.style,
        system_prompt=p.prompt.system_prompt or R1_SYSTEM_PROMPT,
        image_placeholder=p.prompt.image_placeholder,
    )
    prompt = template.build(p.prompt.instruction)
    answer_type = [
        "text" if kind in ("yes_no", "text") else "math" for kind in rendered["answer_kind"]
    ]
    return pd.DataFrame(
        {
            "id": rendered["id"],
            "task": TASK,
            "prompt": [prompt] * len(rendered),
            "image": rendered["image"],
            "solution": rendered["final_answer"],
            "answer_type": answer_type,
            "question": rendered["question"],
            "difficulty": rendered["difficulty"],
            "topic": rendered["topic"],
            "choices": [None] * len(rendered),
            "answer_kind": rendered["answer_kind"],
            "image_width": rendered["image_width"],
            "image_height": rendered["image_height"],
        }
    )


def split_deepmath(
    model_input: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into train and test with the configured seed."""
    s = _params(params).split
    train, test = split_frame(
        model_input,
        test_fraction=s.test_fraction,
        seed=s.seed,
        stratify_by=s.stratify_by,
        max_test=s.max_test,
    )
    logger.info("deepmath split: %d train, %d test", len(train), len(test))
    return train, test


def collect_deepmath_rejects(
    validate: pd.DataFrame, filtered: pd.DataFrame, render: pd.DataFrame
) -> pd.DataFrame:
    """All rejects of the pipeline in one table (row id, stage, reason)."""
    return concat_rejects(validate, filtered, render)
