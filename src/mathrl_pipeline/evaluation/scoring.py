"""Score generated responses with the rewards library into the ``eval_samples`` table."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import pandas as pd

from mathrl_pipeline.contract import answer_type_of, plain

logger = logging.getLogger(__name__)

# Split columns carried into eval_samples for breakdowns (CV-Bench's own columns included).
CARRIED_COLUMNS: tuple[str, ...] = (
    "task",
    "answer_type",
    "difficulty",
    "topic",
    "type",
    "source",
    "cvbench_task",
    "subtask",
    "question_type",  # the cvbench_test split's sub-task (Count, Relation, Depth, Distance)
)


def format_ok(text: str, answer_type: str, style: str, think_prefilled: bool) -> bool:
    """R1 format for reasoning styles; an answer (or latex) tag alone for the direct style."""
    from mathrl_pipeline.rewards import extract_answer, latex_format_ok, r1_format_ok

    if answer_type == "latex":
        return latex_format_ok(
            text, require_think=style != "direct", think_prefilled=think_prefilled
        )
    if style == "direct":
        return extract_answer(text, "answer_tag") is not None
    return r1_format_ok(text, think_prefilled=think_prefilled)


def score_responses(
    responses: pd.DataFrame, split: pd.DataFrame, extract_mode: str = "auto"
) -> pd.DataFrame:
    """Join responses (id, style, mode, sample, prompt, response, length, truncated) to the
    split's gold and score each with the rewards library; one row per response."""
    from mathrl_pipeline.rewards import AccuracyReward, count_reflection_markers, extract_answer
    from mathrl_pipeline.rewards.format import prompt_prefills_think

    carried = [c for c in CARRIED_COLUMNS if c in split.columns]
    gold = split.set_index("id")
    rows = [gold.loc[i] for i in responses["id"]]
    solutions = [plain(r["solution"]) for r in rows]
    choices = [plain(r["choices"]) if "choices" in gold.columns else None for r in rows]
    records = [
        {**{c: plain(r[c]) for c in carried}, "choices": ch}
        for r, ch in zip(rows, choices, strict=True)
    ]
    kinds = [answer_type_of(r.get("answer_type"), r["choices"]) for r in records]
    texts = responses["response"].astype(str).tolist()
    accuracy = AccuracyReward(extract_mode=extract_mode)
    scores = accuracy(texts, solution=solutions, answer_type=kinds, choices=choices)
    out: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        resp = responses.iloc[i]
        kind = kinds[i]
        markers = {k: v for k, v in count_reflection_markers(text).items() if v}
        prefilled = prompt_prefills_think(resp["prompt"])
        extracted = extract_answer(text, accuracy.extract_mode_for(kind))
        score = scores[i]
        out.append(
            {
                "id": resp["id"],
                "style": resp["style"],
                "mode": resp["mode"],
                "sample": int(resp["sample"]),
                "prompt": resp["prompt"],
                "response": text,
                "extracted": extracted,
                "gold": str(solutions[i]),
                "correct": bool(score is not None and score >= 1.0),
                "scorable": score is not None,
                "format_ok": format_ok(text, kind, str(resp["style"]), prefilled),
                "length": int(resp["length"]),
                "truncated": bool(resp["truncated"]),
                "reflection_count": int(sum(markers.values())),
                "reflection_markers": json.dumps(markers, sort_keys=True),
                **{c: records[i][c] for c in carried},
                "solution": str(solutions[i]),
            }
        )
    frame = pd.DataFrame(out)
    if "difficulty" in frame.columns:
        frame["difficulty"] = pd.to_numeric(frame["difficulty"], errors="coerce")
    n_unscorable = int((~frame["scorable"]).sum()) if len(frame) else 0
    if n_unscorable:
        logger.warning("%d responses have an unparseable gold; counted as incorrect", n_unscorable)
    return frame


def nan_to_none(value: Any) -> Any:
    """``None`` for NaN floats (JSON-safe), the value otherwise; recursive over dicts."""
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
