"""Accuracy routed on the ``answer_type`` column (math/number, multiple_choice, text, latex)."""

from __future__ import annotations

import logging
from typing import Any

from mathrl_pipeline.contract import answer_type_of, completion_text
from mathrl_pipeline.rewards.choice import choice_matches
from mathrl_pipeline.rewards.columns import column
from mathrl_pipeline.rewards.extract import extract_answer
from mathrl_pipeline.rewards.math_accuracy import MathAccuracyReward
from mathrl_pipeline.rewards.normalize import gold_answer, text_answers_match
from mathrl_pipeline.rewards.ocr import exact_match

logger = logging.getLogger(__name__)


class AccuracyReward:
    """Routes each row on ``answer_type``: math/number -> Math-Verify, multiple_choice ->
    choice matching (``choices`` column), text -> normalised string, latex -> OCR exact.

    Rows without ``answer_type`` are multiple choice when they have ``choices``, else math
    (:func:`mathrl_pipeline.contract.answer_type_of`). LaTeX answers are read with
    ``latex_extract_mode`` (the ``<latex>`` tag), every other type with ``extract_mode``
    (:meth:`extract_mode_for`; evaluation extracts with the same rule).
    """

    uses_sandbox = True  # math and number rows go to Math-Verify (the sandbox)

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

    def extract_mode_for(self, answer_type: str) -> str:
        """The extraction mode of an answer type: ``latex_extract_mode`` for latex."""
        return self.latex_extract_mode if answer_type == "latex" else self.extract_mode

    def _score(self, kind: str, text: str, gold: Any, choices: Any) -> float | None:
        """Score of one non-math row (``None``: its gold is unusable)."""
        pred = extract_answer(text, self.extract_mode_for(kind))
        if kind == "multiple_choice":
            verdict = choice_matches(gold, pred, choices)
            return None if verdict is None else float(verdict)
        g = gold_answer(gold)
        if not g.strip():
            return None
        if kind == "latex":
            return float(exact_match(g, pred))
        return float(text_answers_match(g, pred or ""))

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
            kind = answer_type_of(row_kind, opts)
            if kind in ("math", "number"):
                math_rows.append(i)
            else:
                out[i] = self._score(kind, completion_text(completions[i]), gold, opts)
        if math_rows:
            scores = self._math(
                [completions[i] for i in math_rows],
                **{self.gold_column: [golds[i] for i in math_rows]},
            )
            for i, score in zip(math_rows, scores, strict=True):
                out[i] = score
        return out
