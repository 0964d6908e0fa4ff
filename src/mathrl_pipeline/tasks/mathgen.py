"""Embedded DeepMath-style problems: LaTeX-heavy questions whose exact answers sympy computes.

Rows follow DeepMath-103K's schema (``question``, ``final_answer``, ``difficulty``, ``topic``) so
the ``deepmath`` pipeline runs the same code on generated and on real data. Every answer is
computed by sympy from the same objects the question is printed from, never typed by hand.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

logger = logging.getLogger(__name__)

x, n, k = sp.symbols("x n k")


@dataclass(frozen=True)
class Problem:
    """One generated problem in DeepMath's schema."""

    question: str
    final_answer: str
    difficulty: float
    topic: str


def _tex(expr: sp.Basic) -> str:
    if isinstance(expr, sp.MatrixBase):
        return sp.latex(expr, mat_str="pmatrix", mat_delim="")
    return sp.latex(expr)


def _times(coefficient: int, variable: str) -> str:
    return variable if coefficient == 1 else f"{coefficient}{variable}"


def _nonzero(rng: random.Random, low: int, high: int) -> int:
    value = 0
    while value == 0:
        value = rng.randint(low, high)
    return value


def _limit_rational(rng: random.Random) -> Problem:
    a = rng.randint(-5, 5)
    b = rng.randint(1, 6)
    expr = (x**2 - a**2) * b / (x - a) if a != 0 else (b * x**2 + a * x) / x
    value = sp.limit(expr, x, a)
    numerator, denominator = sp.fraction(sp.together(expr))
    question = (
        f"Evaluate the limit \\[ \\lim_{{x \\to {a}}} "
        f"\\frac{{{_tex(sp.expand(numerator))}}}{{{_tex(denominator)}}}. \\]"
    )
    return Problem(question, _tex(value), 3.0, "Mathematics -> Calculus -> Limits")


def _limit_trig(rng: random.Random) -> Problem:
    p = rng.randint(1, 9)
    q = rng.randint(1, 9)
    expr = sp.sin(p * x) / sp.tan(q * x)
    value = sp.limit(expr, x, 0)
    question = (
        f"Compute $\\displaystyle \\lim_{{x\\to 0}} "
        f"\\frac{{\\sin({_times(p, 'x')})}}{{\\tan({_times(q, 'x')})}}$."
    )
    return Problem(question, _tex(value), 3.5, "Mathematics -> Calculus -> Limits")


def _limit_infinity(rng: random.Random) -> Problem:
    p, q = _nonzero(rng, 1, 9), _nonzero(rng, 1, 9)
    r, s = rng.randint(-9, 9), rng.randint(-9, 9)
    num = p * x**2 + r * x + 1
    den = q * x**2 + s
    value = sp.limit(num / den, x, sp.oo)
    question = (
        f"Find the value of \\( \\lim_{{x \\to \\infty}} \\dfrac{{{_tex(num)}}}{{{_tex(den)}}} \\)."
    )
    return Problem(question, _tex(value), 2.5, "Mathematics -> Calculus -> Limits")


def _derivative_at_point(rng: random.Random) -> Problem:
    a = rng.randint(1, 4)
    b = rng.randint(-3, 3)
    c = rng.randint(0, 2)
    f = a * x**3 + b * x * sp.exp(c * x) if c else a * x**3 + b * sp.sin(x)
    point = rng.randint(0, 2)
    value = sp.simplify(sp.diff(f, x).subs(x, point))
    question = f"Let \\( f(x) = {_tex(f)} \\). Compute \\( f'({point}) \\)."
    return Problem(question, _tex(value), 3.0, "Mathematics -> Calculus -> Differential Calculus")


def _derivative_symbolic(rng: random.Random) -> Problem:
    a = rng.randint(2, 5)
    b = rng.randint(1, 4)
    f = sp.log(a * x**2 + b)
    value = sp.simplify(sp.diff(f, x))
    question = f"Differentiate $g(x) = {_tex(f)}$ with respect to $x$."
    return Problem(question, _tex(value), 3.5, "Mathematics -> Calculus -> Differential Calculus")


def _definite_integral(rng: random.Random) -> Problem:
    coeffs = [rng.randint(-4, 4) for _ in range(3)]
    f = coeffs[0] * x**2 + coeffs[1] * x + coeffs[2]
    lo = rng.randint(-2, 1)
    hi = lo + rng.randint(1, 3)
    value = sp.integrate(f, (x, lo, hi))
    question = (
        f"Evaluate the definite integral \\[ \\int_{{{lo}}}^{{{hi}}} "
        f"\\left({_tex(f)}\\right)\\,dx. \\]"
    )
    return Problem(question, _tex(value), 3.0, "Mathematics -> Calculus -> Integral Calculus")


def _trig_integral(rng: random.Random) -> Problem:
    m = rng.randint(1, 4)
    value = sp.integrate(sp.sin(m * x) ** 2, (x, 0, sp.pi))
    question = f"Compute $$\\int_0^{{\\pi}} \\sin^2({_times(m, 'x')})\\,\\mathrm{{d}}x.$$"
    return Problem(question, _tex(value), 4.0, "Mathematics -> Calculus -> Integral Calculus")


def _finite_sum(rng: random.Random) -> Problem:
    top = rng.randint(5, 20)
    power = rng.randint(1, 3)
    value = sp.summation(k**power, (k, 1, top))
    question = f"Compute the sum \\( \\sum_{{k=1}}^{{{top}}} k^{{{power}}} \\)."
    return Problem(question, _tex(value), 2.5, "Mathematics -> Algebra -> Sequences and Series")


def _geometric_series(rng: random.Random) -> Problem:
    p = rng.randint(1, 4)
    q = p + rng.randint(1, 5)
    a = rng.randint(1, 6)
    ratio = sp.Rational(p, q)
    value = sp.summation(a * ratio**n, (n, 0, sp.oo))
    question = (
        f"Find the value of the series \\[ \\sum_{{n=0}}^{{\\infty}} {a}"
        f"\\left(\\frac{{{p}}}{{{q}}}\\right)^{{n}}. \\]"
    )
    return Problem(question, _tex(value), 3.5, "Mathematics -> Calculus -> Series")


def _fraction_arithmetic(rng: random.Random) -> Problem:
    terms = [sp.Rational(_nonzero(rng, -9, 9), rng.randint(2, 12)) for _ in range(3)]
    value = terms[0] + terms[1] * terms[2]
    question = (
        f"Simplify \\( \\frac{{{terms[0].p}}}{{{terms[0].q}}} + "
        f"\\frac{{{terms[1].p}}}{{{terms[1].q}}} \\cdot \\frac{{{terms[2].p}}}{{{terms[2].q}}} \\) "
        "and give the answer as a reduced fraction."
    )
    return Problem(question, _tex(value), 1.5, "Mathematics -> Algebra -> Prealgebra -> Fractions")


def _determinant(rng: random.Random) -> Problem:
    size = rng.choice([2, 3])
    matrix = sp.Matrix(size, size, [rng.randint(-5, 5) for _ in range(size * size)])
    value = matrix.det()
    question = f"Compute the determinant of the matrix \\[ A = {_tex(matrix)}. \\]"
    difficulty = 2.5 if size == 2 else 3.5
    return Problem(
        question,
        _tex(value),
        difficulty,
        "Mathematics -> Algebra -> Linear Algebra -> Determinants",
    )


def _matrix_inverse(rng: random.Random) -> Problem:
    while True:
        matrix = sp.Matrix(2, 2, [rng.randint(-4, 4) for _ in range(4)])
        if matrix.det() != 0:
            break
    value = matrix.inv()
    question = f"Find the inverse of the matrix $$M = {_tex(matrix)}.$$"
    return Problem(
        question, _tex(value), 4.0, "Mathematics -> Algebra -> Linear Algebra -> Matrices"
    )


def _linear_system(rng: random.Random) -> Problem:
    xs, ys = sp.symbols("x y")
    sol_x, sol_y = rng.randint(-6, 6), rng.randint(-6, 6)
    while True:
        a, b, c, d = (rng.randint(-5, 5) for _ in range(4))
        if a * d - b * c != 0:
            break
    e1 = sp.Eq(a * xs + b * ys, a * sol_x + b * sol_y)
    e2 = sp.Eq(c * xs + d * ys, c * sol_x + d * sol_y)
    solved = sp.solve([e1, e2], [xs, ys], dict=True)[0]
    answer = f"({_tex(solved[xs])}, {_tex(solved[ys])})"
    question = (
        "Solve the system of equations \\[ \\begin{cases} "
        f"{_tex(e1.lhs)} = {_tex(e1.rhs)} \\\\ {_tex(e2.lhs)} = {_tex(e2.rhs)} "
        "\\end{cases} \\] and give the solution as an ordered pair $(x, y)$."
    )
    return Problem(
        question, answer, 2.5, "Mathematics -> Algebra -> Linear Algebra -> Linear Systems"
    )


def _piecewise(rng: random.Random) -> Problem:
    cut = rng.randint(-2, 2)
    a, b = rng.randint(1, 4), rng.randint(-5, 5)
    f = sp.Piecewise((a * x**2 + b, x < cut), (2 * x - b, True))
    p1, p2 = cut - rng.randint(1, 3), cut + rng.randint(0, 3)
    value = f.subs(x, p1) + f.subs(x, p2)
    question = (
        "Let \\[ f(x) = \\begin{cases} "
        f"{_tex(a * x**2 + b)} & \\text{{if }} x < {cut}, \\\\ "
        f"{_tex(2 * x - b)} & \\text{{if }} x \\geq {cut}. \\end{{cases}} \\] "
        f"Compute $f({p1}) + f({p2})$."
    )
    return Problem(question, _tex(sp.nsimplify(value)), 2.0, "Mathematics -> Algebra -> Functions")


def _yes_no_invertible(rng: random.Random) -> Problem:
    a, b = rng.randint(-4, 4), rng.randint(-4, 4)
    scale = rng.choice([1, 2, rng.randint(-3, 3)])
    c, d = (
        (a * scale, b * scale) if rng.random() < 0.5 else (rng.randint(-4, 4), rng.randint(-4, 4))
    )
    matrix = sp.Matrix([[a, b], [c, d]])
    answer = "Yes" if matrix.det() != 0 else "No"
    question = (
        f"Is the matrix $\\begin{{pmatrix}} {a} & {b} \\\\ {c} & {d} \\end{{pmatrix}}$ "
        "invertible? Answer Yes or No."
    )
    return Problem(question, answer, 2.0, "Mathematics -> Algebra -> Linear Algebra -> Matrices")


def _yes_no_series(rng: random.Random) -> Problem:
    p = sp.Rational(rng.randint(1, 12), 4)
    converges = p > 1
    question = (
        f"Does the series $\\sum_{{n=1}}^{{\\infty}} \\frac{{1}}{{n^{{{_tex(p)}}}}}$ converge? "
        "Answer Yes or No."
    )
    return Problem(question, "Yes" if converges else "No", 3.0, "Mathematics -> Calculus -> Series")


def _set_real_field(rng: random.Random) -> Problem:
    a = rng.randint(1, 9)
    question = (
        f"Let $S = \\{{ x \\in \\mathbb{{R}} : x^2 \\leq {a * a} \\}}$. What is the length of "
        "the interval $S$?"
    )
    return Problem(question, str(2 * a), 2.0, "Mathematics -> Algebra -> Inequalities")


GENERATORS: dict[str, Callable[[random.Random], Problem]] = {
    "limit_rational": _limit_rational,
    "limit_trig": _limit_trig,
    "limit_infinity": _limit_infinity,
    "derivative_at_point": _derivative_at_point,
    "derivative_symbolic": _derivative_symbolic,
    "definite_integral": _definite_integral,
    "trig_integral": _trig_integral,
    "finite_sum": _finite_sum,
    "geometric_series": _geometric_series,
    "fraction_arithmetic": _fraction_arithmetic,
    "determinant": _determinant,
    "matrix_inverse": _matrix_inverse,
    "linear_system": _linear_system,
    "piecewise": _piecewise,
    "yes_no_invertible": _yes_no_invertible,
    "yes_no_series": _yes_no_series,
    "set_real_field": _set_real_field,
}


def generate_problems(
    count: int, seed: int, kinds: list[str] | None = None
) -> list[dict[str, object]]:
    """Generate ``count`` problems, cycling through ``kinds`` (all by default), reproducibly."""
    names = list(GENERATORS) if not kinds else kinds
    unknown = sorted(set(names) - set(GENERATORS))
    if unknown:
        raise ValueError(f"unknown problem kinds {unknown}; valid kinds: {sorted(GENERATORS)}")
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for index in range(count):
        kind = names[index % len(names)]
        problem = GENERATORS[kind](rng)
        rows.append(
            {
                "hf_row_index": index,
                "question": problem.question,
                "final_answer": problem.final_answer,
                "difficulty": problem.difficulty,
                "topic": problem.topic,
                "kind": kind,
            }
        )
    logger.info("Generated %d embedded problems of %d kinds", count, len(names))
    return rows
