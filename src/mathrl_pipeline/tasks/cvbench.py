"""CV-Bench (``nyu-visionx/CV-Bench``, test split) prepared for evaluation.

CV-Bench's schema: ``idx``, ``type`` (``2D``/``3D``), ``task`` (``Count``, ``Relation``,
``Depth``, ``Distance``), ``image``, ``question``, ``choices``, ``answer`` (a letter such as
``(C)``), ``prompt`` (the question, ``Select from the following choices.`` and the lettered
options), ``filename``, ``source`` (``ADE20K``, ``COCO``, ``Omni3D``), ``source_dataset``,
``source_filename``, ``target_class``, ``target_size``, ``bbox``.

The embedded default draws the same four tasks from :mod:`mathrl_pipeline.tasks.scenes`
(Count and Relation 2D, Depth and Distance 3D) and fills the same fields; ``source`` takes
CV-Bench's values so metrics can be split the same way, and ``source_dataset`` says the rows are
synthetic. Prompts follow VisualThinker-R1-Zero's CV-Bench evaluation: CV-Bench's own ``prompt``
inside the base conversation (``evaluate_Qwen2_VL_CVBench-base.py``) or VisualThinker's
``QUESTION_TEMPLATE`` for instruct models. The gold is ``<answer>(C)</answer>``; ``choices``,
``answer_letter`` and ``answer_text`` let a reward accept the letter or the text.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.contract import contract_frame
from mathrl_pipeline.tasks.cells import as_str_list, is_missing, text_of
from mathrl_pipeline.tasks.choices import letter, letter_index, lettered_options, wrap_answer
from mathrl_pipeline.tasks.images import image_cell, row_images, to_png_bytes
from mathrl_pipeline.tasks.ingest import (
    SOURCE_ROW,
    EmbeddedParams,
    SourceParams,
    describe_source,
    image_root,
    is_embedded,
)
from mathrl_pipeline.tasks.prompts import PromptParams, PromptStyle, PromptTemplate
from mathrl_pipeline.tasks.rejects import (
    ANSWER_NOT_IN_CHOICES,
    EMPTY_CHOICES,
    EMPTY_QUESTION,
    RowError,
    check_rows,
    rejects_frame,
    require_rows,
)
from mathrl_pipeline.tasks.sat import VISUALTHINKER_QUESTION_TEMPLATE
from mathrl_pipeline.tasks.scenes import generate_qas, render_qa

logger = logging.getLogger(__name__)

TASK = "cvbench"
CVBENCH_COLUMNS: tuple[str, ...] = (
    "idx", "type", "task", "image", "question", "choices", "answer", "prompt", "filename",
    "source", "source_dataset", "source_filename", "target_class", "target_size", "bbox",
)
# scene question type -> (CV-Bench task, type)
SCENE_TASKS: dict[str, tuple[str, str]] = {
    "count": ("Count", "2D"),
    "left_right": ("Relation", "2D"),
    "depth": ("Depth", "3D"),
    "distance": ("Distance", "3D"),
}
SYNTHETIC_SOURCE = "mathrl_pipeline synthetic scenes"

# VisualThinker-R1-Zero's CV-Bench base prompt (one space after "User:").
VISUALTHINKER_CVBENCH_BASE_TEMPLATE = (
    "{image}A conversation between User and Assistant. The user asks a question about the "
    "image, and the Assistant solves it. The assistant first thinks about the reasoning process "
    "in the mind and then provides the user with the answer.\nUser: {instruction} \n"
    "Assistant: Let me solve this step by step.\n<think>"
)


def cvbench_question_prompt(question: str, choices: list[str]) -> str:
    """CV-Bench's ``prompt`` field: the question, then the lettered options."""
    return f"{question} Select from the following choices.\n{lettered_options(choices)}"


def cvbench_prompt(text: str, style: PromptStyle) -> list[dict[str, Any]] | str:
    """The evaluation prompt around CV-Bench's ``prompt`` text."""
    if style == "base":
        return PromptTemplate(style="base",
                              base_template=VISUALTHINKER_CVBENCH_BASE_TEMPLATE).build(text)
    if style == "instruct":
        return PromptTemplate(style="instruct", system_prompt="").build(
            VISUALTHINKER_QUESTION_TEMPLATE.format(question=text))
    return PromptTemplate(style="direct").build(text)


def generate_cvbench_frame(n: int, *, seed: int, malformed_rows: int = 0) -> pd.DataFrame:
    """Synthetic rows in CV-Bench's test schema (the four tasks in turn)."""
    qas = generate_qas(n, seed=seed, question_types=list(SCENE_TASKS))
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for idx, qa in enumerate(qas):
        cv_task, cv_type = SCENE_TASKS[qa.question_type]
        choices = list(qa.choices)
        rng.shuffle(choices)
        answer = f"({letter(choices.index(qa.answer))})"
        source = "Omni3D" if cv_type == "3D" else ("ADE20K" if idx % 2 else "COCO")
        png = to_png_bytes(render_qa(qa)[0])
        rows.append({
            "idx": idx,
            "type": cv_type,
            "task": cv_task,
            "image": {"bytes": png, "path": None},
            "question": qa.question,
            "choices": choices,
            "answer": answer,
            "prompt": cvbench_question_prompt(qa.question, choices),
            "filename": f"img/{cv_type}/{cv_task.lower()}/synthetic_{idx}.png",
            "source": source,
            "source_dataset": f"{SYNTHETIC_SOURCE} ({source}-style stand-in)",
            "source_filename": f"scene_{seed}_{idx}.png",
            "target_class": qa.scene.objects[qa.args[0]].name if cv_task != "Count" else None,
            "target_size": None,
            "bbox": None,
            "scene_description": qa.description(),
        })
    for k in range(malformed_rows):
        good = dict(rows[k % len(rows)]) if rows else {}
        broken = [
            {"image": {"bytes": None, "path": None}},
            {"image": {"bytes": b"\xff\xd8 truncated jpeg", "path": None}},
            {"answer": "(F)"},
            {"choices": []},
        ][k % 4]
        rows.append({**good, "idx": len(rows), **broken})
    return pd.DataFrame(rows, columns=[*CVBENCH_COLUMNS, "scene_description"])


def generate_cvbench(embedded: EmbeddedParams, source: SourceParams) -> pd.DataFrame:
    """Synthetic rows in CV-Bench's test schema (see :func:`generate_cvbench_frame`); none
    unless ``cvbench.source.path`` is ``embedded``."""
    if not is_embedded(source):
        return pd.DataFrame(columns=[*CVBENCH_COLUMNS, "scene_description"])
    return generate_cvbench_frame(embedded.count, seed=embedded.seed,
                                  malformed_rows=embedded.malformed_rows)


def _check_cvbench_row(row: dict[str, Any], source: SourceParams,
                       root: Path | None) -> dict[str, Any]:
    """One CV-Bench row's image, question, choices and letter answer, or a ``RowError``."""
    picture = row_images(row["image"], source.images, root)[0]
    question = text_of(row["question"])
    if not question:
        raise RowError(EMPTY_QUESTION)
    choices = as_str_list(row["choices"])
    answer = text_of(row["answer"])
    index = letter_index(answer)
    if index is None and answer in choices:
        index = choices.index(answer)
    if not choices:
        raise RowError(EMPTY_CHOICES, "no answer choices")
    if index is None or index >= len(choices):
        raise RowError(ANSWER_NOT_IN_CHOICES, f"answer {answer!r} with {len(choices)} choices")
    return {
        "idx": row["id"], "png": picture.png, "source_image_mode": picture.source_mode,
        "question": question, "choices": choices, "answer_index": index,
        "type": text_of(row["type"]) or None, "subtask": text_of(row["subtask"]),
        "source": text_of(row["source"]) or None,
        "prompt": text_of(row["prompt"]) or cvbench_question_prompt(question, choices),
    }


def validate_cvbench_rows(rows: pd.DataFrame, source: SourceParams) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Check image, question, choices and the letter answer; return (valid rows, rejects).

    Fields: ``id`` (CV-Bench's ``idx``), ``type``, ``subtask`` (CV-Bench's ``task``), ``image``,
    ``question``, ``choices``, ``answer``, ``prompt`` and ``source``.
    """
    root = image_root(source)
    keep, rejects = check_rows(rows, lambda row: _check_cvbench_row(row, source, root),
                               lambda row: f"{TASK}-{_source_id(row)}")
    logger.info("CV-Bench validation kept %d of %d rows", len(keep), len(rows))
    require_rows(f"{TASK} validate", describe_source(source), len(rows), len(keep), rejects)
    columns = ["id", "idx", "png", "source_image_mode", "question", "choices", "answer_index",
               "type", "subtask", "source", "prompt"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


def _source_id(row: dict[str, Any]) -> Any:
    """CV-Bench's ``idx``, else the row's position in the split."""
    return row[SOURCE_ROW] if is_missing(row.get("id")) else row["id"]


def build_cvbench_rows(valid: pd.DataFrame, prompt: PromptParams) -> pd.DataFrame:
    """Contract rows for evaluation, with CV-Bench's metadata (``question_type`` = its task)."""
    rows = []
    for row in valid.to_dict("records"):
        choices = list(row["choices"])
        index = int(row["answer_index"])
        letter_answer = f"({letter(index)})"
        rows.append({
            "id": row["id"],
            "task": TASK,
            "prompt": cvbench_prompt(row["prompt"], prompt.style),
            "image": image_cell(row["png"]),
            "solution": wrap_answer(letter_answer),
            "answer_type": "multiple_choice",
            "question": row["question"],
            "difficulty": None,
            "topic": row["subtask"],
            "choices": choices,
            "idx": int(row["idx"]) if not is_missing(row["idx"]) else None,
            "type": row["type"],
            "question_type": row["subtask"],
            "source": row["source"],
            "answer": letter_answer,
            "answer_letter": letter(index),
            "answer_text": choices[index],
            "cvbench_prompt": row["prompt"],
            "source_image_mode": row["source_image_mode"],
        })
    extra = ["idx", "type", "question_type", "source", "answer", "answer_letter", "answer_text",
             "cvbench_prompt", "source_image_mode"]
    return contract_frame(rows, extra)
