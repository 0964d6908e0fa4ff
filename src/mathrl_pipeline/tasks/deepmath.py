"""DeepMath-103K questions (or the embedded generator) rendered to images (Math-OCR-Zero).

Fields after ingestion (``deepmath.source.columns``): ``question``, ``answer``, and optionally
``difficulty``, ``topic``, ``id``. The embedded generator (:mod:`.mathgen`) writes rows in
DeepMath-103K's schema (``question``, ``final_answer``, ``difficulty``, ``topic``) whose answers
sympy computes.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

import pandas as pd
from pydantic import Field, field_validator, model_validator

from mathrl_pipeline.contract import contract_frame
from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.tasks.answers import ANSWER_KINDS, answer_kind
from mathrl_pipeline.tasks.cells import optional_float, text_of
from mathrl_pipeline.tasks.ingest import (
    SOURCE_ROW,
    EmbeddedParams,
    SourceParams,
    describe_source,
    is_embedded,
)
from mathrl_pipeline.tasks.mathgen import GENERATORS, generate_problems
from mathrl_pipeline.tasks.prompts import DEFAULT_INSTRUCTION, PromptParams, PromptTemplate
from mathrl_pipeline.tasks.rejects import (
    EMPTY_QUESTION,
    MISSING_ANSWER,
    UNPARSEABLE_ANSWER,
    Reject,
    RowError,
    check_rows,
    rejects_frame,
    require_rows,
)

logger = logging.getLogger(__name__)

TASK = "deepmath"
VALID_COLUMNS = ["id", "question", "final_answer", "difficulty", "topic", "answer_kind"]
_LEFT = re.compile(r"\\left(?![a-zA-Z])")
_RIGHT = re.compile(r"\\right(?![a-zA-Z])")


class DeepMathEmbedded(EmbeddedParams):
    """``deepmath.embedded``: how many generated problems, of which kinds (``mathgen``)."""

    kinds: list[str] | None = None  # None: every generator kind

    @field_validator("kinds")
    @classmethod
    def _known(cls, kinds: list[str] | None) -> list[str] | None:
        unknown = sorted(set(kinds or []) - set(GENERATORS))
        if unknown:
            raise ValueError(f"unknown problem kinds {unknown}; valid kinds: {sorted(GENERATORS)}")
        return kinds


class FilterParams(StrictParams):
    """``deepmath.filter``: which valid rows to keep; the others are rejects of stage `filter`."""

    min_difficulty: float | None = None
    max_difficulty: float | None = None
    topics: list[str] | None = None  # topic prefixes, e.g. ["Mathematics -> Calculus"]
    answer_kinds: list[str] | None = None
    max_question_chars: int = Field(4000, ge=1)

    @field_validator("answer_kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str] | None) -> list[str] | None:
        unknown = sorted(set(kinds or []) - set(ANSWER_KINDS))
        if unknown:
            raise ValueError(f"unknown answer kinds {unknown}; valid kinds: {list(ANSWER_KINDS)}")
        return kinds

    @model_validator(mode="after")
    def _range(self) -> FilterParams:
        low, high = self.min_difficulty, self.max_difficulty
        if low is not None and high is not None and low > high:
            raise ValueError("min_difficulty is above max_difficulty")
        return self


def generate_deepmath(embedded: DeepMathEmbedded, source: SourceParams) -> pd.DataFrame:
    """Generated problems in DeepMath-103K's schema, plus broken rows when asked for; none
    unless ``deepmath.source.path`` is ``embedded``."""
    if not is_embedded(source):
        return pd.DataFrame(columns=["hf_row_index", "question", "final_answer", "difficulty",
                                     "topic", "kind"])
    rows = generate_problems(embedded.count, embedded.seed, embedded.kinds)
    broken: list[dict[str, Any]] = [{"question": "", "final_answer": "1"},
                                    {"question": "What is $1+1$?", "final_answer": None}]
    rows += [{**rows[0], "hf_row_index": len(rows) + k, **broken[k % len(broken)]}
             for k in range(embedded.malformed_rows)]
    return pd.DataFrame(rows)


def _row_id(row: dict[str, Any]) -> str:
    source_id = row.get("id")
    if source_id is None or (isinstance(source_id, float) and math.isnan(source_id)):
        source_id = row[SOURCE_ROW]
    return f"{TASK}-{source_id}"


def _answer_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and not pd.isna(value):
        return str(value)
    return text_of(value) if isinstance(value, str) else ""


def gold_problem(answer: str) -> str | None:
    """Why a gold answer cannot be parsed (unbalanced braces or ``\\left``/``\\right``), or None."""
    depth = 0
    escaped = False
    for char in answer:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "a '}' closes no '{'"
    if depth:
        return f"{depth} unclosed '{{'"
    if len(_LEFT.findall(answer)) != len(_RIGHT.findall(answer)):
        return "\\left and \\right do not pair"
    return None


def _check_deepmath_row(row: dict[str, Any]) -> dict[str, Any]:
    """One row's question and gold (with its answer kind), or a ``RowError``."""
    question = text_of(row["question"]) if isinstance(row["question"], str) else ""
    if not question:
        raise RowError(EMPTY_QUESTION, "missing or empty question")
    answer = _answer_text(row["answer"])
    if not answer:
        raise RowError(MISSING_ANSWER, "missing or empty answer")
    problem = gold_problem(answer)
    if problem:
        raise RowError(UNPARSEABLE_ANSWER, f"{problem}: {answer[:120]!r}")
    topic = row.get("topic")
    return {"question": question, "final_answer": answer,
            "difficulty": optional_float(row.get("difficulty")),
            "topic": topic if isinstance(topic, str) else None,
            "answer_kind": answer_kind(answer)}


def validate_deepmath(rows: pd.DataFrame, source: SourceParams) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """Keep rows with a question and a parseable gold (and their answer kind); reject the rest."""
    kept, rejects = check_rows(rows, _check_deepmath_row, _row_id)
    logger.info("deepmath validate: %d kept, %d rejected", len(kept), len(rejects))
    require_rows(f"{TASK} validate", describe_source(source), len(rows), len(kept), rejects)
    valid = pd.DataFrame(kept, columns=VALID_COLUMNS)
    valid["difficulty"] = valid["difficulty"].astype("float64")
    return valid, rejects_frame(rejects)


def filter_reason(row: dict[str, Any], params: FilterParams) -> str | None:
    """Why ``params`` leaves a valid row out (None: kept)."""
    difficulty = row["difficulty"]
    if params.min_difficulty is not None or params.max_difficulty is not None:
        if difficulty is None or math.isnan(difficulty):
            return "difficulty unknown but a difficulty range is set"
        if params.min_difficulty is not None and difficulty < params.min_difficulty:
            return f"difficulty {difficulty} below filter.min_difficulty {params.min_difficulty}"
        if params.max_difficulty is not None and difficulty > params.max_difficulty:
            return f"difficulty {difficulty} above filter.max_difficulty {params.max_difficulty}"
    if params.topics:
        topic = row["topic"] or ""
        if not any(topic.startswith(prefix) for prefix in params.topics):
            return f"topic {topic!r} not in filter.topics"
    if params.answer_kinds and row["answer_kind"] not in params.answer_kinds:
        return f"answer kind {row['answer_kind']!r} not in filter.answer_kinds"
    if len(row["question"]) > params.max_question_chars:
        return (f"question has {len(row['question'])} characters, over "
                f"filter.max_question_chars {params.max_question_chars}")
    return None


def filter_deepmath(valid: pd.DataFrame, params: FilterParams) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
    """Apply the difficulty, topic, answer-kind and length filters; filtered rows are recorded."""
    keep: list[bool] = []
    rejects: list[Reject] = []
    for row in valid.to_dict(orient="records"):
        reason = filter_reason(row, params)
        keep.append(reason is None)
        if reason is not None:
            rejects.append(Reject(row["id"], "filter", "filtered", reason))
    kept = valid.loc[keep].reset_index(drop=True)
    logger.info("deepmath filter: %d kept, %d filtered out", len(kept), len(rejects))
    require_rows(f"{TASK} filter", f"the {len(valid)} valid rows (deepmath.filter: "
                 f"{params.model_dump(exclude_defaults=True)})", len(valid), len(kept), rejects)
    return kept.assign(render_text=kept["question"], render_mode="text"), rejects_frame(rejects)


def build_deepmath_rows(rendered: pd.DataFrame, prompt: PromptParams) -> pd.DataFrame:
    """Contract rows: the chosen R1 template, the bare final answer as gold."""
    template = PromptTemplate.from_params(prompt)
    built = template.build(prompt.instruction or DEFAULT_INSTRUCTION)
    rows = [
        {
            "id": row["id"],
            "task": TASK,
            "prompt": built,
            "image": row["image"],
            "solution": row["final_answer"],
            "answer_type": "text" if row["answer_kind"] in ("yes_no", "text") else "math",
            "question": row["question"],
            "difficulty": row["difficulty"],
            "topic": row["topic"],
            "choices": None,
            "answer_kind": row["answer_kind"],
            "image_width": int(row["image_width"]),
            "image_height": int(row["image_height"]),
        }
        for row in rendered.to_dict(orient="records")
    ]
    return contract_frame(rows, ["answer_kind", "image_width", "image_height"])
