"""Accuracy routed on the ``answer_type`` column (math/number, multiple_choice, text, latex)."""

from __future__ import annotations

import logging
from typing import Any

from mathrl_pipeline.rewards.choice import choice_matches
from mathrl_pipeline.rewards.completion import column, completion_text
from mathrl_pipeline.rewards.extract import extract_answer
from mathrl_pipeline.rewards.math_accuracy import MathAccuracyReward
from mathrl_pipeline.rewards.normalize import gold_answer, text_answers_match
from mathrl_pipeline.rewards.ocr import exact_match

logger = logging.getLogger(__name__)

ANSWER_TYPES = ("math", "number", "multiple_choice", "text", "latex")


class AccuracyReward:
    """Routes each row on ``answer_type``: math/number -> Math-Verify, multiple_choice ->
    choice matching (``choices`` column), text -> normalised string, latex -> OCR exact.

    Rows without ``answer_type`` are multiple choice when they have ``choices``, else math.
    """

    def __init__(
        self,
        extract_mode: str = "auto",
        latex_extract_mode: str = "latex_tag",
        gold_column: str = "solution",
    ):
        self.extract_mode = extract_mode
        self.latex_extract_mode = latex_extract_mode
        self.gold_column = gold_column
        self._math = MathAccuracyReward(extract_mode, gold_column)
        self.__name__ = "accuracy"

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        types = column(kwargs, "answer_type", n)
        golds = column(kwargs, self.gold_column, n)
        choices = kwargs.get("choices")
        choices = list(choices) if choices is not None else [None] * n
        if len(choices) != n:
            choices = [choices] * n
        out: list[float | None] = [None] * n
        math_rows: list[int] = []
        for i, (row_kind, gold, opts) in enumerate(zip(types, golds, choices, strict=True)):
            kind = (row_kind or ("multiple_choice" if opts else "math")).lower()
            if kind in ("math", "number"):
                math_rows.append(i)
                continue
            if kind not in ANSWER_TYPES:
                raise ValueError(f"unknown answer_type {kind!r}; valid: {', '.join(ANSWER_TYPES)}")
            text = completion_text(completions[i])
            if kind == "latex":
                g = gold_answer(gold)
                pred = extract_answer(text, self.latex_extract_mode)
                out[i] = float(exact_match(g, pred)) if g.strip() else None
                continue
            pred = extract_answer(text, self.extract_mode)
            if kind == "multiple_choice":
                verdict = choice_matches(gold, pred, opts)
                out[i] = None if verdict is None else float(verdict)
            else:
                g = gold_answer(gold)
                out[i] = float(text_answers_match(g, pred or "")) if g.strip() else None
        if math_rows:
            scores = self._math(
                [completions[i] for i in math_rows],
                **{self.gold_column: [golds[i] for i in math_rows]},
            )
            for i, score in zip(math_rows, scores, strict=True):
                out[i] = score
        return out
