"""Any image-question-answer dataset, mapped to the GRPO contract by column names.

Presets name the column mappings of the R1-V / open-r1-multimodal training sets; every field
can be overridden by parameters. The answer column may hold the bare answer or a wrapped one
(``<answer> 3 </answer>``, as in R1-V's sets): ``answer_pattern`` extracts it (the whole cell is
used when the pattern does not match). Images may be ``{"bytes", "path"}`` cells (what
``datasets.Image`` gives), raw bytes, or file paths (relative to ``image_root``).
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.tasks import vqa
from mathrl_pipeline.tasks.choices import letter, letter_index, lettered_options, wrap_answer
from mathrl_pipeline.tasks.images import image_cell, to_png_bytes
from mathrl_pipeline.tasks.prompts import PromptStyle, PromptTemplate
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame
from mathrl_pipeline.tasks.scenes import render_scene, sample_scene

logger = logging.getLogger(__name__)

TASK = "hf_vqa"
ANSWER_NOT_NUMERIC = "answer_not_numeric"
ANSWER_PATTERN = r"<answer>\s*(.*?)\s*</answer>"
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")

# R1-V's question template, with the answer kind in brackets.
ANSWER_HINTS = {
    "number": "number",
    "math": "math expression",
    "multiple_choice": "option",
    "text": "short answer",
    "latex": "LaTeX",
}
QUESTION_TEMPLATE = (
    "{question}  Output the thinking process in <think> </think> and final answer ({hint}) in "
    "<answer> </answer> tags."
)


@dataclass(frozen=True)
class Mapping:
    """Where the fields live in a source, and how to read the answer."""

    image: str = "image"
    question: str = "problem"
    answer: str = "solution"
    choices: str | None = None
    answer_type: str = "text"
    answer_pattern: str | None = ANSWER_PATTERN
    id: str | None = None


@dataclass(frozen=True)
class Preset:
    """A known dataset: its Hub id, split and mapping."""

    source: str
    split: str
    mapping: Mapping


PRESETS: dict[str, Preset] = {
    # open-r1-multimodal: image, problem, solution (+ original_question, original_answer)
    "multimodal_open_r1": Preset("lmms-lab/multimodal-open-r1-8k-verified", "train",
                                 Mapping(answer_type="math")),
    # R1-V CLEVR counting: image, problem, solution "<answer> 3 </answer>"
    "clevr_cogen": Preset("leonardPKU/clevr_cogen_a_train", "train",
                          Mapping(answer_type="number")),
    # R1-V GeoQA: image, problem, solution "<answer> ... </answer>"
    "geoqa_r1v": Preset("leonardPKU/GEOQA_R1V_Train_8K", "train", Mapping(answer_type="math")),
}


def resolve_mapping(preset: str | None, overrides: dict[str, Any]) -> Mapping:
    """A preset's mapping (or the default one) with the non-null overrides applied."""
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown hf_vqa preset {preset!r}; expected one of {sorted(PRESETS)}")
    base = PRESETS[preset].mapping if preset else Mapping()
    changes = {k: v for k, v in overrides.items() if v is not None}
    mapping = replace(base, **changes)
    if mapping.answer_type not in vqa.ANSWER_TYPES:
        raise ValueError(f"answer_type {mapping.answer_type!r} not in {vqa.ANSWER_TYPES}")
    return mapping


def extract_answer(cell: Any, pattern: str | None) -> str:
    """The answer inside ``pattern``'s first group, or the whole cell stripped."""
    text = vqa.text_of(cell)
    if pattern:
        match = re.search(pattern, text, flags=re.DOTALL)
        if match:
            return match.group(1).strip()
    return text


def load_image_cell(value: Any, image_root: str | None) -> Any:
    """A path cell read from disk (relative to ``image_root``); other cells unchanged."""
    path_value = value.get("path") if isinstance(value, dict) and not value.get("bytes") else value
    if isinstance(path_value, str) and path_value:
        path = Path(image_root) / path_value if image_root else Path(path_value)
        if not path.is_file():
            raise vqa.RowError(vqa.MISSING_IMAGE, f"image file {str(path)[:200]} not found")
        return path.read_bytes()
    return value


def validate_vqa_frame(frame: pd.DataFrame, mapping: Mapping, *,
                       image_root: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check image, question and answer (and choices); return (clean rows, rejects)."""
    needed = [mapping.image, mapping.question, mapping.answer]
    if mapping.choices:
        needed.append(mapping.choices)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"hf_vqa.columns: {missing} not in the source; has {list(frame.columns)}")
    keep: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for row in frame.to_dict("records"):
        source_id = row[mapping.id] if mapping.id else row["source_row"]
        row_id = f"{TASK}-{source_id}"
        try:
            png = vqa.checked_png(load_image_cell(row[mapping.image], image_root))
            question = vqa.text_of(row[mapping.question])
            if not question:
                raise vqa.RowError(vqa.EMPTY_QUESTION)
            answer = extract_answer(row[mapping.answer], mapping.answer_pattern)
            if not answer:
                raise vqa.RowError(vqa.MISSING_ANSWER, "empty answer")
            choices: list[str] | None = None
            if mapping.answer_type == "multiple_choice":
                choices = vqa.as_str_list(row[mapping.choices]) if mapping.choices else []
                index = letter_index(answer)
                if index is not None and index < len(choices) and answer not in choices:
                    answer = choices[index]
                vqa.check_choices(choices, answer)
            if mapping.answer_type == "number" and not _NUMBER.match(answer.replace(",", "")):
                raise vqa.RowError(ANSWER_NOT_NUMERIC, f"{answer[:80]!r}")
        except vqa.RowError as err:
            rejects.append(Reject(row_id, "validate", err.reason, err.detail))
            continue
        keep.append({"id": row_id, "png": png, "question": question, "answer": answer,
                     "choices": choices, "answer_raw": vqa.text_of(row[mapping.answer])})
    logger.info("hf_vqa validation kept %d of %d rows", len(keep), len(frame))
    columns = ["id", "png", "question", "answer", "choices", "answer_raw"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


def build_vqa_rows(frame: pd.DataFrame, mapping: Mapping, *, style: PromptStyle,
                   source: str) -> pd.DataFrame:
    """Contract rows: R1-V's question template, the bare gold (wrapped for multiple choice)."""
    template = PromptTemplate(style=style)
    rows = []
    for row in frame.to_dict("records"):
        choices = row["choices"]
        question = row["question"]
        if choices:
            question = f"{question}\n{lettered_options(choices)}"
        instruction = (question if style == "direct" else QUESTION_TEMPLATE.format(
            question=question, hint=ANSWER_HINTS[mapping.answer_type]))
        is_mc = mapping.answer_type == "multiple_choice"
        rows.append({
            "id": row["id"],
            "task": TASK,
            "prompt": template.build(instruction),
            "image": image_cell(row["png"]),
            "solution": wrap_answer(row["answer"]) if is_mc else row["answer"],
            "answer_type": mapping.answer_type,
            "question": row["question"],
            "difficulty": None,
            "topic": None,
            "choices": list(choices) if choices else None,
            "answer": row["answer"],
            "answer_letter": letter(list(choices).index(row["answer"])) if is_mc else None,
            "answer_raw": row["answer_raw"],
            "source": source,
        })
    return vqa.contract_frame(rows, ["answer", "answer_letter", "answer_raw", "source"])


def generate_clevr_style_frame(n: int, *, seed: int, malformed_rows: int = 0) -> pd.DataFrame:
    """The embedded default: counting questions on synthetic scenes in R1-V's CLEVR schema."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for _ in range(n):
        scene = sample_scene(rng, min_objects=2, max_objects=6)
        rows.append({
            "image": {"bytes": to_png_bytes(render_scene(scene)), "path": None},
            "problem": "How many items are there in the image?",
            "solution": f"<answer> {len(scene.objects)} </answer>",
        })
    broken = [
        {"image": None},
        {"image": {"bytes": b"GIF89a-not-really", "path": None}},
        {"solution": "<answer> three </answer>"},
        {"problem": ""},
    ]
    for k in range(malformed_rows):
        rows.append({**rows[k % len(rows)], **broken[k % len(broken)]})
    return pd.DataFrame(rows, columns=["image", "problem", "solution"])
