"""Any image-question-answer dataset, mapped to the GRPO contract by column names.

Presets name the column mappings of the R1-V / open-r1-multimodal training sets; every field
can be overridden by parameters. The answer column may hold the bare answer or a wrapped one
(``<answer> 3 </answer>``, as in R1-V's sets): ``answer_pattern`` extracts it (the whole cell is
used when the pattern does not match). Image cells are read by :mod:`.images` (one image or a
list, structs, bytes, base64, paths relative to the mirror), policy ``hf_vqa.source.images``.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import model_validator

from mathrl_pipeline.contract import ANSWER_TYPES, contract_frame
from mathrl_pipeline.tasks.cells import as_str_list, is_missing, text_of
from mathrl_pipeline.tasks.choices import (
    check_choices,
    letter,
    letter_index,
    lettered_options,
    wrap_answer,
)
from mathrl_pipeline.tasks.images import image_cell, row_images, source_modes, to_png_bytes
from mathrl_pipeline.tasks.ingest import (
    EMBEDDED,
    SOURCE_ROW,
    EmbeddedParams,
    SourceParams,
    describe_source,
    image_root,
    is_embedded,
)
from mathrl_pipeline.tasks.prompts import PromptParams, PromptTemplate
from mathrl_pipeline.tasks.rejects import (
    EMPTY_QUESTION,
    MISSING_ANSWER,
    RowError,
    check_rows,
    rejects_frame,
    require_rows,
)
from mathrl_pipeline.tasks.scenes import render_scene, sample_scene

logger = logging.getLogger(__name__)

TASK = "hf_vqa"
ANSWER_NOT_NUMERIC = "answer_not_numeric"
ANSWER_PATTERN = r"<answer>\s*(.*?)\s*</answer>"
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
IMAGE_TOKEN = re.compile(r"<image>")  # geometry3k / verl keep a placeholder in the problem

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
class Preset:
    """A known dataset: where it is, which columns hold what, and how to read the answer."""

    path: str
    columns: dict[str, str | list[str | None] | None]
    answer_type: str
    split: str = "train"
    revision: str | None = "main"
    answer_pattern: str = ANSWER_PATTERN


# R1-V / open-r1-multimodal sets: image, problem, solution ("<answer> 3 </answer>").
R1V_COLUMNS: dict[str, str | list[str | None] | None] = {
    "image": "image", "question": "problem", "answer": "solution", "choices": None, "id": None}
# verl / EasyR1 geometry3k: a one-image list, problem (with "<image>"), bare answer
GEO3K_COLUMNS: dict[str, str | list[str | None] | None] = {
    "image": "images", "question": "problem", "answer": "answer", "choices": None, "id": "id"}
PRESETS: dict[str, Preset] = {
    # the embedded default: CLEVR-style counting on synthetic scenes, in R1-V's schema
    "embedded": Preset(EMBEDDED, R1V_COLUMNS, "number", revision=None),
    # open-r1-multimodal (+ original_question, original_answer)
    "multimodal_open_r1": Preset("lmms-lab/multimodal-open-r1-8k-verified", R1V_COLUMNS, "math"),
    # R1-V CLEVR counting
    "clevr_cogen": Preset("leonardPKU/clevr_cogen_a_train", R1V_COLUMNS, "number"),
    # R1-V GeoQA
    "geoqa_r1v": Preset("leonardPKU/GEOQA_R1V_Train_8K", R1V_COLUMNS, "math"),
    # verl / EasyR1 geometry (images: a list of one PNG diagram)
    "geometry3k": Preset("hiyouga/geometry3k", GEO3K_COLUMNS, "math", answer_pattern=""),
}


class HfVqaSource(SourceParams):
    """``hf_vqa.source``: a preset (its Hub id, revision, columns and answer type) or any
    dataset mapped by column names; every field set here overrides the preset's (``path``: a
    local mirror of the preset's dataset). ``answer_pattern`` extracts the answer from its cell
    (first group; "" uses the whole cell)."""

    preset: str | None = "embedded"
    path: str | None = None  # None: the preset's
    split: str | None = None  # None: the preset's (train)
    revision: str | None = None  # None: the preset's (a local path has none)
    answer_type: str | None = None
    answer_pattern: str | None = None

    @model_validator(mode="after")
    def _check(self) -> HfVqaSource:
        if self.preset is not None and self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; expected one of {sorted(PRESETS)}")
        if self.preset is None and self.path is None:
            raise ValueError("give a preset, or a path (a Hub id or a local file or folder)")
        if self.answer_type is not None and self.answer_type not in ANSWER_TYPES:
            raise ValueError(f"answer_type {self.answer_type!r} not in {ANSWER_TYPES}")
        return self

    def load(self) -> SourceParams:
        """What to load: the preset's path, split and columns with this block's overrides."""
        preset = PRESETS[self.preset] if self.preset else None
        columns = dict(preset.columns) if preset else {}
        columns.update(self.columns)
        fields = self.model_dump(include=set(SourceParams.model_fields))
        revision = self.revision
        if revision is None and self.path is None and preset is not None:
            revision = preset.revision  # a local path given here has no Hub revision
        fields.update(path=self.path or (preset.path if preset else None),
                      split=self.split or (preset.split if preset else "train"),
                      revision=revision, columns=columns)
        return SourceParams(**fields)

    def answer(self) -> tuple[str, str | None]:
        """(answer type, answer pattern) after the preset."""
        preset = PRESETS[self.preset] if self.preset else None
        kind = self.answer_type or (preset.answer_type if preset else "text")
        pattern = self.answer_pattern
        if pattern is None:
            pattern = preset.answer_pattern if preset else ANSWER_PATTERN
        return kind, pattern or None


def extract_answer(cell: Any, pattern: str | None) -> str:
    """The answer inside ``pattern``'s first group, or the whole cell stripped."""
    text = text_of(cell)
    if pattern:
        match = re.search(pattern, text, flags=re.DOTALL)
        if match:
            return match.group(1).strip()
    return text


def _row_id(row: dict[str, Any]) -> str:
    source_id = row.get("id")
    return f"{TASK}-{row[SOURCE_ROW] if is_missing(source_id) else source_id}"


def _check_vqa_row(row: dict[str, Any], source: SourceParams, answer_type: str,
                   pattern: str | None, root: Path | None) -> dict[str, Any]:
    """One row's images (RGB PNG), question, answer (and choices), or a ``RowError``."""
    pictures = row_images(row["image"], source.images, root)
    question = IMAGE_TOKEN.sub("", text_of(row["question"])).strip()
    if not question:
        raise RowError(EMPTY_QUESTION)
    answer = extract_answer(row["answer"], pattern)
    if not answer:
        raise RowError(MISSING_ANSWER, "empty answer")
    choices: list[str] | None = None
    if answer_type == "multiple_choice":
        choices = as_str_list(row.get("choices"))
        index = letter_index(answer)
        if index is not None and index < len(choices) and answer not in choices:
            answer = choices[index]
        check_choices(choices, answer)
    if answer_type == "number" and not _NUMBER.match(answer.replace(",", "")):
        raise RowError(ANSWER_NOT_NUMERIC, f"{answer[:80]!r}")
    return {"pngs": [p.png for p in pictures], "source_image_mode": source_modes(pictures),
            "question": question, "answer": answer, "choices": choices,
            "answer_raw": text_of(row["answer"])}


def validate_vqa_rows(rows: pd.DataFrame, source: HfVqaSource) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """Check images, question and answer (and choices); return (clean rows, rejects)."""
    answer_type, pattern = source.answer()
    loaded = source.load()
    root = image_root(loaded)
    keep, rejects = check_rows(
        rows, lambda row: _check_vqa_row(row, loaded, answer_type, pattern, root), _row_id)
    logger.info("hf_vqa validation kept %d of %d rows", len(keep), len(rows))
    require_rows(f"{TASK} validate", describe_source(loaded), len(rows), len(keep), rejects)
    columns = ["id", "pngs", "source_image_mode", "question", "answer", "choices", "answer_raw"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


def build_vqa_rows(valid: pd.DataFrame, prompt: PromptParams,
                   source: HfVqaSource) -> pd.DataFrame:
    """Contract rows: R1-V's question template, the bare gold (wrapped for multiple choice)."""
    answer_type, _ = source.answer()
    template = PromptTemplate.from_params(prompt)
    loaded = source.load()
    keep_all_images = loaded.images.multiple == "all"
    rows = []
    for row in valid.to_dict("records"):
        choices = row["choices"]
        question = row["question"]
        if choices is not None and len(choices):
            question = f"{question}\n{lettered_options(choices)}"
        instruction = (question if prompt.style == "direct" else QUESTION_TEMPLATE.format(
            question=question, hint=ANSWER_HINTS[answer_type]))
        is_mc = answer_type == "multiple_choice"
        pngs = list(row["pngs"])
        rows.append({
            "id": row["id"],
            "task": TASK,
            "prompt": template.build(prompt.instruction or instruction),
            "image": image_cell(pngs[0]),
            "solution": wrap_answer(row["answer"]) if is_mc else row["answer"],
            "answer_type": answer_type,
            "question": row["question"],
            "difficulty": None,
            "topic": None,
            "choices": list(choices) if is_mc else None,
            "answer": row["answer"],
            "answer_letter": letter(list(choices).index(row["answer"])) if is_mc else None,
            "answer_raw": row["answer_raw"],
            "source": loaded.path,
            "num_images": len(pngs),
            "source_image_mode": row["source_image_mode"],
            **({"images": [image_cell(png) for png in pngs]} if keep_all_images else {}),
        })
    extra = ["answer", "answer_letter", "answer_raw", "source", "num_images", "source_image_mode"]
    return contract_frame(rows, extra + (["images"] if keep_all_images else []))


def generate_hf_vqa(embedded: EmbeddedParams, source: HfVqaSource) -> pd.DataFrame:
    """The embedded default (see :func:`generate_clevr_style_frame`); none unless the source
    (preset and path) is ``embedded``."""
    if not is_embedded(source.load()):
        return pd.DataFrame(columns=["image", "problem", "solution"])
    return generate_clevr_style_frame(embedded.count, seed=embedded.seed,
                                      malformed_rows=embedded.malformed_rows)


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
