"""SAT (spatial aptitude training, ``array/SAT``) rows for VisualThinker-R1-Zero-style GRPO.

The SAT parquet schema: ``image_bytes`` (a list of encoded images, several for the dynamic
questions), ``question``, ``answers`` (the choices), ``correct_answer``, ``question_type``. The
embedded default writes the same schema from :mod:`mathrl_pipeline.tasks.scenes` (plus a
``scene_description`` column with the scene and the question's arguments), so generated and real
rows run through the same validation and prompt code.

Prompts follow VisualThinker-R1-Zero (``src/open-r1-multimodal/src/open_r1/grpo.py`` and
``src/data/SAT/process_dataset.py``): the question becomes
``"Answer in natural language. {question} Choose between the following options: a, b or c"``;
the base model gets VisualThinker's plain-text conversation ending in ``<think>``, the instruct
model a user turn with VisualThinker's ``QUESTION_TEMPLATE`` and no system prompt. The gold is
``<answer>{correct_answer}</answer>`` with the answer *text* (VisualThinker's convention); the
shuffled ``choices`` and the ``answer_letter`` are kept so a reward can accept either.
"""

from __future__ import annotations

import logging
import random
from typing import Any, Literal

import pandas as pd

from mathrl_pipeline.tasks import vqa
from mathrl_pipeline.tasks.choices import letter, or_join, shuffle_choices, wrap_answer
from mathrl_pipeline.tasks.images import image_cell, to_png_bytes
from mathrl_pipeline.tasks.prompts import PromptStyle, PromptTemplate
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame
from mathrl_pipeline.tasks.scenes import SINGLE_IMAGE_TYPES, generate_qas, render_qa

logger = logging.getLogger(__name__)

TASK = "sat"
SAT_COLUMNS: tuple[str, ...] = ("image_bytes", "question", "answers", "correct_answer",
                                "question_type")

# VisualThinker-R1-Zero's base-model prompt (Qwen2-VL-2B): the image first, then the
# conversation. VisualThinker strips "<image>" from " <image> Answer in natural language..." and
# so leaves two spaces after "User:"; kept for fidelity.
VISUALTHINKER_BASE_TEMPLATE = (
    "{image}A conversation between User and Assistant. The user asks a question about the "
    "image, and the Assistant solves it. The assistant first thinks about the reasoning process "
    "in the mind and then provides the user with the answer.\nUser:  {instruction} \n"
    "Assistant: Let me solve this step by step.\n<think>"
)
# VisualThinker-R1-Zero's QUESTION_TEMPLATE for instruct models (two spaces, as in the source).
VISUALTHINKER_QUESTION_TEMPLATE = (
    "{question}  Output the thinking process in <think> </think> and final answer (option) in "
    "<answer> </answer> tags."
)


def sat_instruction(question: str, choices: list[str]) -> str:
    """VisualThinker's SAT question text: the question and the options in natural language."""
    options = or_join(choices)
    return f"Answer in natural language. {question} Choose between the following options: {options}"


def sat_template(style: PromptStyle) -> PromptTemplate:
    """VisualThinker's prompt template for a style (``base``, ``instruct``, or ``direct``)."""
    if style == "base":
        return PromptTemplate(style="base", base_template=VISUALTHINKER_BASE_TEMPLATE)
    return PromptTemplate(style=style, system_prompt="")


def sat_prompt(question: str, choices: list[str], style: PromptStyle) -> list[dict[str, Any]] | str:
    """The GRPOTrainer prompt of one SAT row."""
    instruction = sat_instruction(question, choices)
    if style == "instruct":
        instruction = VISUALTHINKER_QUESTION_TEMPLATE.format(question=instruction)
    return sat_template(style).build(instruction)


# --------------------------------------------------------------------------------------------
# Embedded default


def _malformed_rows(count: int, good_png: bytes) -> list[dict[str, Any]]:
    """Broken rows (one per failure kind, cycling) so the rejects path runs on the default."""
    kinds = [
        {"image_bytes": [], "question": "Is the red cube to the left of the blue cone?",
         "answers": ["left", "right"], "correct_answer": "left"},
        {"image_bytes": [b"\x89PNG not really an image"], "question": "How many cubes?",
         "answers": ["1", "2"], "correct_answer": "1"},
        {"image_bytes": [good_png], "question": "Which object is closer to the camera?",
         "answers": ["the red cube", "the blue cone"], "correct_answer": "the green sphere"},
        {"image_bytes": [good_png], "question": "  ", "answers": ["left", "right"],
         "correct_answer": "left"},
    ]
    rows = []
    for i in range(count):
        row = dict(kinds[i % len(kinds)])
        rows.append({**row, "question_type": "malformed", "scene_description": None})
    return rows


def generate_sat_frame(
    n: int,
    *,
    seed: int,
    question_types: list[str] | tuple[str, ...] = SINGLE_IMAGE_TYPES,
    multi_image_fraction: float = 0.0,
    malformed_rows: int = 0,
    min_objects: int = 2,
    max_objects: int = 5,
) -> pd.DataFrame:
    """Synthetic rows in the SAT parquet schema (+ ``scene_description``)."""
    n_multi = round(n * multi_image_fraction)
    qas = generate_qas(n - n_multi, seed=seed, question_types=question_types,
                       min_objects=min_objects, max_objects=max_objects)
    if n_multi:
        qas += generate_qas(n_multi, seed=seed + 1, question_types=["obj_movement"],
                            min_objects=min_objects, max_objects=max_objects)
    random.Random(seed).shuffle(qas)
    rows = [
        {
            "image_bytes": [to_png_bytes(im) for im in render_qa(qa)],
            "question": qa.question,
            "answers": list(qa.choices),
            "correct_answer": qa.answer,
            "question_type": qa.question_type,
            "scene_description": qa.description(),
        }
        for qa in qas
    ]
    if malformed_rows and rows:
        rows += _malformed_rows(malformed_rows, rows[0]["image_bytes"][0])
    return pd.DataFrame(rows, columns=[*SAT_COLUMNS, "scene_description"])


# --------------------------------------------------------------------------------------------
# Sampling, validation, rows


def sample_rows(
    frame: pd.DataFrame,
    *,
    mode: Literal["all", "first", "stratified"],
    n: int | None,
    seed: int,
    by: str = "question_type",
) -> pd.DataFrame:
    """Keep all rows, the first ``n``, or a balanced sample of up to ``n`` over ``by`` (seeded).

    The stratified sample deals rows round-robin from each value's seeded shuffle, so small
    groups are kept whole and large ones share the rest equally.
    """
    if mode == "all" or n is None or n >= len(frame):
        return frame.reset_index(drop=True)
    if mode == "first":
        return frame.head(n).reset_index(drop=True)
    if by not in frame.columns:
        raise ValueError(f"cannot stratify by {by!r}: no such column")
    rng = random.Random(seed)
    pools = {
        key: rng.sample(list(idx), len(idx))
        for key, idx in sorted(frame.groupby(by, dropna=False).groups.items(), key=lambda kv:
                               str(kv[0]))
    }
    picked: list[int] = []
    while len(picked) < n and any(pools.values()):
        for key in list(pools):
            if pools[key] and len(picked) < n:
                picked.append(pools[key].pop())
    return frame.loc[sorted(picked)].reset_index(drop=True)


def validate_sat_frame(frame: pd.DataFrame, *, max_images: int) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """Check images, question and choices; return (valid rows with PNG ``images``, rejects)."""
    missing = [c for c in SAT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"SAT source lacks columns {missing}; has {list(frame.columns)}")
    keep: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for row in frame.to_dict("records"):
        row_id = f"{TASK}-{row['source_row']}"
        try:
            raw_images = vqa.as_list(row["image_bytes"])
            if not raw_images:
                raise vqa.RowError(vqa.MISSING_IMAGE, "image_bytes is empty")
            if len(raw_images) > max_images:
                raise vqa.RowError(vqa.MULTI_IMAGE,
                                   f"{len(raw_images)} images > max_images={max_images}")
            images = [vqa.checked_png(im) for im in raw_images]
            question = vqa.text_of(row["question"])
            if not question:
                raise vqa.RowError(vqa.EMPTY_QUESTION)
            choices = vqa.as_str_list(row["answers"])
            answer = vqa.text_of(row["correct_answer"])
            vqa.check_choices(choices, answer)
        except vqa.RowError as err:
            rejects.append(Reject(row_id, "validate", err.reason, err.detail))
            continue
        keep.append({**row, "images": images, "question": question, "answers": choices,
                     "correct_answer": answer})
    logger.info("SAT validation kept %d of %d rows", len(keep), len(frame))
    columns = [*frame.columns, "images"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


def build_sat_rows(
    frame: pd.DataFrame,
    *,
    style: PromptStyle,
    seed: int,
    shuffle: bool,
    keep_all_images: bool,
    source: str,
) -> pd.DataFrame:
    """Contract rows: shuffled choices, VisualThinker's prompt, ``<answer>text</answer>`` gold."""
    rows = []
    for row in frame.to_dict("records"):
        row_id = f"{TASK}-{row['source_row']}"
        choices = list(row["answers"])
        if shuffle:
            choices = shuffle_choices(choices, seed=seed, key=row_id)
        answer = row["correct_answer"]
        images = list(row["images"])
        out = {
            "id": row_id,
            "task": TASK,
            "prompt": sat_prompt(row["question"], choices, style),
            "image": image_cell(images[0]),
            "solution": wrap_answer(answer),
            "answer_type": "multiple_choice",
            "question": row["question"],
            "difficulty": None,
            "topic": row["question_type"],
            "choices": choices,
            "question_type": row["question_type"],
            "answer": answer,
            "answer_letter": letter(choices.index(answer)),
            "num_images": len(images),
            "source": source,
        }
        if keep_all_images:
            out["images"] = [image_cell(im) for im in images]
        rows.append(out)
    extra = ["question_type", "answer", "answer_letter", "num_images", "source"]
    if keep_all_images:
        extra.append("images")
    return vqa.contract_frame(rows, extra)
