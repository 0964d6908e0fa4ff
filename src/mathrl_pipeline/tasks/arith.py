"""The miniature task of the embedded default: small arithmetic rendered to images.

Every problem ``a op b`` is rendered with the project's LaTeX renderer and placed on a small
fixed canvas, so that a tiny vision-language model sees a few image tokens. Answers are exact
integers that the reward library checks.

The same module writes the *pre-training corpus* of the tiny base model: for other renders of the
same problems, completions in a mixture of formats (R1 tags, bare answer, prose) that read the
image right only part of the time (a misread operand, with true arithmetic on what was read). A
model pre-trained on it reads the image and answers "like a base model": relevant, often in the
wrong format, often misreading the image. GRPO with rule-based rewards then has
something to improve, which is the R1-Zero story in miniature.
"""

from __future__ import annotations

import io
import itertools
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from PIL import Image
from pydantic import Field, field_validator, model_validator

from mathrl_pipeline.contract import contract_frame
from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.prompts import PromptParams, PromptTemplate, conversational_prompt
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame

logger = logging.getLogger(__name__)

TASK = "arith"
# The R1 system prompt, condensed: the same instruction in a quarter of the tokens, so that the
# miniature run spends its CPU time on the model's answers rather than on the prompt.
MINI_R1_SYSTEM_PROMPT = (
    "Think about the question inside <think> </think>, then give the final answer inside "
    "<answer> </answer>."
)
INSTRUCTION = "What is the value of the expression in the image?"

OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
LATEX_OPS = {"+": "+", "-": "-", "*": r"\times"}


@dataclass(frozen=True)
class ArithProblem:
    """One problem: ``a op b`` and its exact value."""

    a: int
    op: str
    b: int

    @property
    def key(self) -> str:
        """A stable identity of the problem (independent of how it is rendered)."""
        name = {"+": "plus", "-": "minus", "*": "times"}[self.op]
        return f"{self.a}{name}{self.b}"

    @property
    def word(self) -> str:
        """The operator in words, as the completions write it."""
        return {"+": "plus", "-": "minus", "*": "times"}[self.op]

    @property
    def answer(self) -> int:
        """The exact value."""
        return OPS[self.op](self.a, self.b)

    @property
    def latex(self) -> str:
        """The display formula that is rendered."""
        return f"{self.a} {LATEX_OPS[self.op]} {self.b}"


def all_problems(max_operand: int, ops: list[str], non_negative: bool = True) -> list[ArithProblem]:
    """Every problem with operands in ``0..max_operand`` for the given operators."""
    unknown = sorted(set(ops) - set(OPS))
    if unknown:
        raise ValueError(f"unknown operators {unknown}; valid: {sorted(OPS)}")
    problems = [
        ArithProblem(a, op, b)
        for op in ops
        for a, b in itertools.product(range(max_operand + 1), repeat=2)
    ]
    if non_negative:
        problems = [p for p in problems if p.answer >= 0]
    return problems


def place_on_canvas(
    png: bytes,
    width: int,
    height: int,
    rng: random.Random,
    *,
    jitter: int = 0,
    background: int = 255,
) -> bytes | None:
    """Centre a render on a canvas of fixed size, shifted by up to ``jitter`` pixels.

    ``background`` is the grey level the white paper is mapped to (ink stays black). A tiny
    vision tower trained from scratch barely sees glyphs on white: its patch embedding has no
    bias, so a white background becomes a large constant vector that dominates every image
    token after RMSNorm. A mid grey (about the processor's mean, 122) maps to a near-zero
    vector and leaves the glyphs as the signal. Returns None when the render does not fit.
    """
    with Image.open(io.BytesIO(png)) as source:
        render = source.convert("RGB")
    # trim the renderer's padding to the ink, so the canvas decides the margins
    grey = render.convert("L").point(lambda v: 255 if v < 250 else 0)
    box = grey.getbbox()
    if box is not None:
        render = render.crop(box)
    if render.width > width or render.height > height:
        return None
    canvas = Image.new("RGB", (width, height), "white")
    left = (width - render.width) // 2
    top = (height - render.height) // 2
    if jitter:
        left = min(max(0, left + rng.randint(-jitter, jitter)), width - render.width)
        top = min(max(0, top + rng.randint(-jitter, jitter)), height - render.height)
    canvas.paste(render, (left, top))
    if background != 255:
        canvas = canvas.point(lambda value: value * background // 255)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


# How a reflecting completion of the corpus looks at the image again (``mix.reflections``):
# "{caption}" is the image's transcription (``4 + 3``); "{wrong}" and "{right}" the misread and the
# true digit (a phrase with them only follows a misread).
REFLECTIONS: tuple[str, ...] = (
    "Wait, let me look at the image again.",
    "Wait, let me check the image again.",
)
# A first look that states only a result (``mix.first_look: guess``).
GUESS = "I think it is {v}."
# What the second look says it sees: the transcription, as the corpus's clean captions give it.
SECOND_LOOK = "It shows {caption}."
# The backward check of a result, per operator: value, b -> a.
CHECKS: dict[str, str] = {"+": "{v} minus {b} is {a}.", "-": "{v} plus {b} is {a}."}


class CompletionMix(StrictParams):
    """How the base model's pre-training completions are drawn (``arith.pretrain.mix``).

    ``p_correct``: share of completions that read both operands right; the others misread one
    operand (the arithmetic on what was read is always true, so the corpus never teaches a wrong
    sum). The formats: full R1 format (``<think>..</think><answer>..</answer>``), answer tags
    only, a prose sentence, a bare number.

    The self-checking text (docs/miniature_r1_zero.md, "the prior"): an R1-format completion
    first looks quickly (``first_look``: ``guess`` states only a result, "I think it is 9.";
    ``reading`` a reading, "5 plus 3 is 8."), right ``p_correct`` of the time; then, with
    probability ``p_reflect_after_misread`` / ``p_reflect_after_correct``, it looks at the image
    again ("Wait, ...", :data:`REFLECTIONS`), transcribes and reads it (:func:`look_and_read`)
    and answers the true value. Equal chances (the default, 0.4) make the re-check a blanket
    habit: nothing in the corpus tells the model *when* its first look failed. ``p_check``:
    share of re-checks that also check the result backwards ("Let me check: 7 minus 3 is 4.").
    With the defaults 0.2 x 0.4 = 8 % of the answers reflect.
    """

    p_correct: float = 0.4
    p_r1_format: float = 0.2
    p_answer_tags: float = 0.2
    p_prose: float = 0.35
    p_reflect_after_misread: float = 0.4
    p_reflect_after_correct: float = 0.4
    p_check: float = 0.5
    reflections: list[str] = Field(default_factory=lambda: list(REFLECTIONS))
    first_look: Literal["reading", "guess"] = "guess"

    @model_validator(mode="after")
    def _shares(self) -> CompletionMix:
        shares = (self.p_r1_format, self.p_answer_tags, self.p_prose)
        chances = (self.p_correct, self.p_reflect_after_misread, self.p_reflect_after_correct,
                   self.p_check)
        if not all(0.0 <= p <= 1.0 for p in chances) or any(s < 0 for s in shares) \
                or sum(shares) > 1.0:
            raise ValueError(
                "arith.pretrain.mix: p_correct, p_reflect_after_misread, p_reflect_after_correct "
                "and p_check must be in [0, 1] and the format shares "
                f"(p_r1_format + p_answer_tags + p_prose = {sum(shares):.2f}) at most 1"
            )
        plain = [r for r in self.reflections if "{wrong}" not in r and "{right}" not in r]
        if (self.p_reflect_after_correct > 0 and not plain) or (
            self.p_reflect_after_misread > 0 and not self.reflections
        ):
            raise ValueError(
                "arith.pretrain.mix.reflections: give a phrase for every reflection drawn (one "
                "without {wrong} / {right} when p_reflect_after_correct > 0)"
            )
        return self


def misread(problem: ArithProblem, max_operand: int, rng: random.Random) -> ArithProblem:
    """``problem`` with one operand read as another digit in ``0..max_operand`` (result >= 0)."""
    candidates = [
        candidate
        for candidate in (
            *(ArithProblem(d, problem.op, problem.b) for d in range(max_operand + 1)),
            *(ArithProblem(problem.a, problem.op, d) for d in range(max_operand + 1)),
        )
        if candidate != problem and candidate.answer >= 0
    ]
    if not candidates:
        raise ValueError(f"no misreading of {problem.latex} within 0..{max_operand}")
    return rng.choice(candidates)


def reading(problem: ArithProblem) -> str:
    """The sentence a completion reads ``problem`` with: ``4 plus 3 is 7.``"""
    return f"{problem.a} {problem.word} {problem.b} is {problem.answer}."


def look_and_read(problem: ArithProblem) -> str:
    """What a careful look gives: the transcription, then the reading (``It shows 4 + 3. 4 plus
    3 is 7.``); the corpus's clean facts and the second look of a reflection."""
    return f"{SECOND_LOOK.format(caption=problem.latex)} {reading(problem)}"


def reflection(first: ArithProblem, true: ArithProblem, check: bool, rng: random.Random,
               phrases: Sequence[str] = REFLECTIONS) -> str:
    """A second look after the reading ``first``: a marker phrase, the true reading, a check."""
    if first == true:
        phrases = [p for p in phrases if "{wrong}" not in p and "{right}" not in p]
    wrong, right = (first.a, true.a) if first.a != true.a else (first.b, true.b)
    phrase = rng.choice(phrases).format(wrong=wrong, right=right, caption=true.latex)
    text = f"{phrase} {look_and_read(true)}"
    if check and true.op in CHECKS:
        text += " Let me check: " + CHECKS[true.op].format(v=true.answer, a=true.a, b=true.b)
    return text


def noisy_completion(
    problem: ArithProblem, mix: CompletionMix, rng: random.Random, max_operand: int = 9
) -> str:
    """One base-model style completion for ``problem``: format, reading and reflection drawn
    from ``mix``."""
    misreads = rng.random() >= mix.p_correct
    seen = misread(problem, max_operand, rng) if misreads else problem
    value, word = seen.answer, seen.word
    draw = rng.random()
    if draw < mix.p_r1_format:
        first = reading(seen) if mix.first_look == "reading" else GUESS.format(v=value)
        reflect = mix.p_reflect_after_misread if misreads else mix.p_reflect_after_correct
        if reflect > 0 and rng.random() < reflect:
            second = reflection(seen, problem, rng.random() < mix.p_check, rng, mix.reflections)
            return f"<think>{first} {second}</think> <answer>{problem.answer}</answer>"
        return f"<think>{first}</think> <answer>{value}</answer>"
    if draw < mix.p_r1_format + mix.p_answer_tags:
        return f"<answer>{value}</answer>"
    if draw < mix.p_r1_format + mix.p_answer_tags + mix.p_prose:
        return f"{seen.a} {word} {seen.b} is {value}. The answer is {value}."
    return str(value)


# --------------------------------------------------------------------------------------------
# Parameters and table stages


class ArithProblems(StrictParams):
    """``arith.problems``: every ``a op b`` with operands ``0..max_operand``, rendered
    ``renders_per_problem`` times for GRPO and evaluation, font sizes cycling."""

    max_operand: int = Field(9, ge=1, le=99)
    ops: list[str] = ["+", "-"]
    renders_per_problem: int = Field(2, ge=1)
    font_sizes: list[int] = [10, 11, 12]
    seed: int = 0  # canvas jitter; the pre-training corpus draws with seed + 1


class CanvasParams(StrictParams):
    """``arith.canvas``: the fixed image size every render is placed on (multiples of 28)."""

    width: int = Field(224, ge=28)
    height: int = Field(56, ge=28)
    jitter: int = Field(4, ge=0)
    background: int = Field(122, ge=0, le=255)


class PretrainCorpusParams(StrictParams):
    """``arith.pretrain``: how many pre-training renders per problem, and their completions.

    Besides the noisy answers to the task prompt, the corpus holds, like real pre-training data,
    clean captions of each image (``transcribe_instruction`` -> ``a + b``) and clean arithmetic
    facts (``compute_instruction`` -> ``a plus b is v.``), each under its own prompt.
    """

    renders_per_problem: int = Field(6, ge=1)
    mix: CompletionMix = CompletionMix()
    transcribe_instruction: str | None = "Transcribe the expression in the image."
    compute_instruction: str | None = None
    # A second look under its own prompt: "{guess}" is a first guess (wrong 1 - p_correct of
    # the time); the completion looks at the image again: "Wait, let me look at the image again.
    # It shows 4 + 3. 4 plus 3 is 7." (docs/miniature_r1_zero.md, "the prior")
    recheck_instruction: str | None = "I think it is {guess}. Look at the image again."

    @field_validator("recheck_instruction")
    @classmethod
    def _one_placeholder(cls, value: str | None) -> str | None:
        """The instruction may name ``{guess}`` and nothing else (it is formatted per row)."""
        if value is None:
            return value
        try:
            value.format(guess=0)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"arith.pretrain.recheck_instruction {value!r}: only the placeholder {{guess}} "
                f"may appear, braces otherwise doubled ({exc!r})"
            ) from exc
        return value


def _template(prompt: PromptParams) -> PromptTemplate:
    return PromptTemplate.from_params(prompt, system_prompt=MINI_R1_SYSTEM_PROMPT)


def generate_arith(problems: ArithProblems, corpus: PretrainCorpusParams) -> pd.DataFrame:
    """One row per render to make: every problem, for GRPO/evaluation and for pre-training."""
    rows: list[dict[str, Any]] = []
    for problem in all_problems(problems.max_operand, problems.ops):
        for purpose, count in (("rl", problems.renders_per_problem),
                               ("pretrain", corpus.renders_per_problem)):
            for variant in range(count):
                rows.append({
                    "id": f"{TASK}-{problem.key}-{purpose}{variant}",
                    "problem": problem.key,
                    "a": problem.a,
                    "op": problem.op,
                    "b": problem.b,
                    "answer": problem.answer,
                    "latex": problem.latex,
                    "purpose": purpose,
                    "render_text": problem.latex,
                    "render_mode": "display",
                    "font_size_pt": problems.font_sizes[variant % len(problems.font_sizes)],
                })
    logger.info("arith: %d renders to make", len(rows))
    return pd.DataFrame(rows)


def place_renders(rendered: pd.DataFrame, canvas: CanvasParams,
                  problems: ArithProblems) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each render centred (with jitter) on the fixed canvas; one that does not fit is a reject.

    Jitter is drawn in font-size order, then row order (the order the renders were made).
    """
    rng = random.Random(problems.seed)
    order = rendered.sort_values("font_size_pt", kind="stable")
    placed: dict[str, bytes] = {}
    rejects: list[Reject] = []
    for row in order.to_dict(orient="records"):
        png = place_on_canvas(row["image"]["bytes"], canvas.width, canvas.height, rng,
                              jitter=canvas.jitter, background=canvas.background)
        if png is None:
            rejects.append(Reject(row["id"], "canvas", "render_too_large",
                                  f"render {row['image_width']}x{row['image_height']} does not "
                                  f"fit the canvas {canvas.width}x{canvas.height} (arith.canvas)"))
            continue
        placed[row["id"]] = png
    kept = rendered.loc[rendered["id"].isin(placed)].reset_index(drop=True)
    kept = kept.assign(image=[image_cell(placed[i]) for i in kept["id"]],
                       image_width=canvas.width, image_height=canvas.height)
    logger.info("arith canvas: %d placed, %d rejected", len(kept), len(rejects))
    return kept, rejects_frame(rejects)


def build_arith_rows(placed: pd.DataFrame, prompt: PromptParams) -> pd.DataFrame:
    """Contract rows of the renders meant for RL and evaluation (``problem`` kept: the split)."""
    rl = placed.loc[placed["purpose"] == "rl"]
    built = _template(prompt).build(prompt.instruction or INSTRUCTION)
    rows = [
        {
            "id": row["id"],
            "task": TASK,
            "prompt": built,
            "image": row["image"],
            "solution": str(row["answer"]),
            "answer_type": "number",
            "question": row["latex"],
            "difficulty": 1.0 if row["op"] == "+" else 2.0,
            "topic": f"arithmetic -> {row['op']}",
            "choices": None,
            "problem": row["problem"],
        }
        for row in rl.to_dict(orient="records")
    ]
    return contract_frame(rows, ["problem"])


def build_pretrain_corpus(placed: pd.DataFrame, corpus: PretrainCorpusParams,
                          prompt: PromptParams, problems: ArithProblems) -> pd.DataFrame:
    """Pre-training rows for the tiny base model: other renders; noisy answers, captions, facts."""
    rng = random.Random(problems.seed + 1)
    pre = placed.loc[placed["purpose"] == "pretrain"].reset_index(drop=True)
    seen = [ArithProblem(int(a), op, int(b))
            for a, op, b in zip(pre["a"], pre["op"], pre["b"], strict=True)]
    n = len(seen)
    parts = [("answer", [_template(prompt).build(prompt.instruction or INSTRUCTION)] * n,
              [noisy_completion(p, corpus.mix, rng, problems.max_operand) for p in seen])]
    if corpus.transcribe_instruction:
        parts.append(("caption", [conversational_prompt("", corpus.transcribe_instruction)] * n,
                      [p.latex for p in seen]))
    if corpus.compute_instruction:
        parts.append(("fact", [conversational_prompt("", corpus.compute_instruction)] * n,
                      [look_and_read(p) for p in seen]))
    if corpus.recheck_instruction:
        guesses = [p if rng.random() < corpus.mix.p_correct
                   else misread(p, problems.max_operand, rng) for p in seen]
        parts.append(("recheck",
                      [conversational_prompt("", corpus.recheck_instruction.format(guess=g.answer))
                       for g in guesses],
                      [f"{rng.choice(corpus.mix.reflections)} {look_and_read(p)}"
                       for p in seen]))
    frames = [
        pd.DataFrame({
            "id": pre["id"] + f"-{kind}",
            "task": TASK,
            "kind": kind,
            "prompt": prompts,
            "image": pre["image"],
            "completion": completions,
            "solution": pre["answer"].astype(str),
            "question": pre["latex"],
        })
        for kind, prompts, completions in parts
    ]
    return pd.concat(frames, ignore_index=True)
