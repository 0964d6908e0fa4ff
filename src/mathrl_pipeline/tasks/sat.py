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
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field, field_validator

from mathrl_pipeline.contract import contract_frame
from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.tasks.cells import as_str_list, text_of
from mathrl_pipeline.tasks.choices import (
    check_choices,
    letter,
    or_join,
    shuffle_choices,
    wrap_answer,
)
from mathrl_pipeline.tasks.images import (
    ImagePolicy,
    image_cell,
    row_images,
    source_modes,
    to_png_bytes,
)
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
    EMPTY_QUESTION,
    RowError,
    check_rows,
    rejects_frame,
    require_rows,
)
from mathrl_pipeline.tasks.scenes import (
    QUESTION_TYPES,
    SINGLE_IMAGE_TYPES,
    generate_qas,
    render_qa,
)

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


class SatEmbedded(EmbeddedParams):
    """``sat.embedded``: synthetic scenes written in the SAT parquet schema."""

    question_types: list[str] = list(SINGLE_IMAGE_TYPES)
    multi_image_fraction: float = Field(0.1, ge=0.0, le=1.0)  # two-image obj_movement rows
    min_objects: int = Field(2, ge=2)
    max_objects: int = Field(5, ge=2, le=8)

    @field_validator("question_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(QUESTION_TYPES))
        if unknown or not value:
            raise ValueError(f"unknown question_types {unknown}; expected {list(QUESTION_TYPES)}")
        return value


def generate_sat(embedded: SatEmbedded, source: SourceParams) -> pd.DataFrame:
    """Synthetic rows in the SAT parquet schema (+ ``scene_description``); none unless
    ``sat.source.path`` is ``embedded``."""
    if not is_embedded(source):
        return pd.DataFrame(columns=[*SAT_COLUMNS, "scene_description"])
    return generate_sat_frame(
        embedded.count, seed=embedded.seed, question_types=embedded.question_types,
        multi_image_fraction=embedded.multi_image_fraction,
        malformed_rows=embedded.malformed_rows, min_objects=embedded.min_objects,
        max_objects=embedded.max_objects,
    )


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
# Validation and rows


def _check_sat_row(row: dict[str, Any], images: ImagePolicy, root: Path | None) -> dict[str, Any]:
    """One SAT row's images (RGB PNG), question, choices and answer, or a ``RowError``."""
    pictures = row_images(row["images"], images, root)
    question = text_of(row["question"])
    if not question:
        raise RowError(EMPTY_QUESTION)
    choices = as_str_list(row["choices"])
    answer = text_of(row["answer"])
    check_choices(choices, answer)
    return {"images": [p.png for p in pictures], "source_image_mode": source_modes(pictures),
            "question": question, "choices": choices, "answer": answer,
            "question_type": text_of(row["question_type"]) or None}


def validate_sat_rows(rows: pd.DataFrame, source: SourceParams) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """Check images, question and choices; return (valid rows with PNG ``images``, rejects).

    Fields: ``images`` (one image or a list), ``question``, ``choices``, ``answer``,
    ``question_type``. Rows with several images follow ``source.images`` (VisualThinker skips
    them: ``multi_image_skipped``).
    """
    root = image_root(source)
    keep, rejects = check_rows(rows, lambda row: _check_sat_row(row, source.images, root),
                               lambda row: f"{TASK}-{row[SOURCE_ROW]}")
    logger.info("SAT validation kept %d of %d rows", len(keep), len(rows))
    require_rows(f"{TASK} validate", describe_source(source), len(rows), len(keep), rejects)
    columns = ["id", "images", "source_image_mode", "question", "choices", "answer",
               "question_type"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


class ChoiceParams(StrictParams):
    """``sat.choices``: shuffle each row's options, seeded by the row (VisualThinker: unseeded)."""

    shuffle: bool = True
    seed: int = 0


def build_sat_rows(valid: pd.DataFrame, prompt: PromptParams, choices: ChoiceParams,
                   source: SourceParams) -> pd.DataFrame:
    """Contract rows: shuffled choices, VisualThinker's prompt, ``<answer>text</answer>`` gold."""
    keep_all_images = source.images.multiple == "all"
    rows = []
    for row in valid.to_dict("records"):
        options = list(row["choices"])
        if choices.shuffle:
            options = shuffle_choices(options, seed=choices.seed, key=row["id"])
        answer = row["answer"]
        pngs = list(row["images"])
        out = {
            "id": row["id"],
            "task": TASK,
            "prompt": sat_prompt(row["question"], options, prompt.style),
            "image": image_cell(pngs[0]),
            "solution": wrap_answer(answer),
            "answer_type": "multiple_choice",
            "question": row["question"],
            "difficulty": None,
            "topic": row["question_type"],
            "choices": options,
            "question_type": row["question_type"],
            "answer": answer,
            "answer_letter": letter(options.index(answer)),
            "num_images": len(pngs),
            "source_image_mode": row["source_image_mode"],
        }
        if keep_all_images:
            out["images"] = [image_cell(im) for im in pngs]
        rows.append(out)
    extra = ["question_type", "answer", "answer_letter", "num_images", "source_image_mode"]
    if keep_all_images:
        extra.append("images")
    return contract_frame(rows, extra)
