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
from dataclasses import dataclass

from PIL import Image

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class CompletionMix:
    """How the base model's pre-training completions are drawn.

    ``p_correct``: share of completions that read both operands right; the others misread one
    operand (the arithmetic on what was read is always true, so the corpus never teaches a wrong
    sum). The formats: full R1 format (``<think>..</think><answer>..</answer>``), answer tags
    only, a prose sentence, a bare number.
    """

    p_correct: float = 0.5
    p_r1_format: float = 0.3
    p_answer_tags: float = 0.15
    p_prose: float = 0.3

    def __post_init__(self) -> None:
        shares = (self.p_r1_format, self.p_answer_tags, self.p_prose)
        if not 0.0 <= self.p_correct <= 1.0 or any(s < 0 for s in shares) or sum(shares) > 1.0:
            raise ValueError(
                "arith.pretrain.mix: p_correct must be in [0, 1] and the format shares "
                f"(p_r1_format + p_answer_tags + p_prose = {sum(shares):.2f}) at most 1"
            )


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


def noisy_completion(
    problem: ArithProblem, mix: CompletionMix, rng: random.Random, max_operand: int = 9
) -> str:
    """One base-model style completion for ``problem``: format and reading drawn from ``mix``."""
    seen = problem if rng.random() < mix.p_correct else misread(problem, max_operand, rng)
    value, word = seen.answer, seen.word
    draw = rng.random()
    if draw < mix.p_r1_format:
        return f"<think>{seen.a} {word} {seen.b} is {value}.</think> <answer>{value}</answer>"
    if draw < mix.p_r1_format + mix.p_answer_tags:
        return f"<answer>{value}</answer>"
    if draw < mix.p_r1_format + mix.p_answer_tags + mix.p_prose:
        return f"{seen.a} {word} {seen.b} is {value}. The answer is {value}."
    return str(value)
