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
from typing import Any

import pandas as pd

from mathrl_pipeline.tasks import vqa
from mathrl_pipeline.tasks.choices import letter, letter_index, lettered_options, wrap_answer
from mathrl_pipeline.tasks.images import image_cell, to_png_bytes
from mathrl_pipeline.tasks.prompts import PromptStyle, PromptTemplate
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame
from mathrl_pipeline.tasks.sat import VISUALTHINKER_QUESTION_TEMPLATE
from mathrl_pipeline.tasks.scenes import generate_qas, render_qa

logger = logging.getLogger(__name__)

TASK = "cvbench"
CVBENCH_COLUMNS: tuple[str, ...] = (
    "idx", "type", "task", "image", "question", "choices", "answer", "prompt", "filename",
    "source", "source_dataset", "source_filename", "target_class", "target_size", "bbox",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("idx", "type", "task", "image", "question", "choices",
                                     "answer")
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


def validate_cvbench_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check image, question, choices and the letter answer; return (valid rows, rejects)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"CV-Bench source lacks columns {missing}; has {list(frame.columns)}")
    keep: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for row in frame.to_dict("records"):
        row_id = f"{TASK}-{row['idx']}"
        try:
            png = vqa.checked_png(row["image"])
            question = vqa.text_of(row["question"])
            if not question:
                raise vqa.RowError(vqa.EMPTY_QUESTION)
            choices = vqa.as_str_list(row["choices"])
            answer = vqa.text_of(row["answer"])
            index = letter_index(answer)
            if index is None and answer in choices:
                index = choices.index(answer)
            if not choices:
                raise vqa.RowError(vqa.EMPTY_CHOICES, "no answer choices")
            if index is None or index >= len(choices):
                raise vqa.RowError(vqa.ANSWER_NOT_IN_CHOICES,
                                   f"answer {answer!r} with {len(choices)} choices")
        except vqa.RowError as err:
            rejects.append(Reject(row_id, "validate", err.reason, err.detail))
            continue
        prompt_text = vqa.text_of(row.get("prompt")) or cvbench_question_prompt(question, choices)
        keep.append({**row, "png": png, "question": question, "choices": choices,
                     "answer_index": index, "prompt": prompt_text})
    logger.info("CV-Bench validation kept %d of %d rows", len(keep), len(frame))
    return pd.DataFrame(keep, columns=[*frame.columns, "png", "answer_index"]), \
        rejects_frame(rejects)


def build_cvbench_rows(frame: pd.DataFrame, *, style: PromptStyle) -> pd.DataFrame:
    """Contract rows for evaluation, with CV-Bench's metadata (``question_type`` = its task)."""
    rows = []
    for row in frame.to_dict("records"):
        choices = list(row["choices"])
        index = int(row["answer_index"])
        letter_answer = f"({letter(index)})"
        rows.append({
            "id": f"{TASK}-{row['idx']}",
            "task": TASK,
            "prompt": cvbench_prompt(row["prompt"], style),
            "image": image_cell(row["png"]),
            "solution": wrap_answer(letter_answer),
            "answer_type": "multiple_choice",
            "question": row["question"],
            "difficulty": None,
            "topic": row["task"],
            "choices": choices,
            "idx": int(row["idx"]),
            "type": vqa.text_of(row["type"]) or None,
            "question_type": row["task"],
            "source": vqa.text_of(row.get("source")) or None,
            "answer": letter_answer,
            "answer_letter": letter(index),
            "answer_text": choices[index],
            "cvbench_prompt": row["prompt"],
        })
    extra = ["idx", "type", "question_type", "source", "answer", "answer_letter", "answer_text",
             "cvbench_prompt"]
    return vqa.contract_frame(rows, extra)
