import re

import pytest
import sympy as sp
from math_verify import parse

from mathrl_pipeline.tasks.mathgen import GENERATORS, generate_problems


def test_generation_is_reproducible_and_covers_every_kind() -> None:
    rows = generate_problems(2 * len(GENERATORS), seed=7)
    assert rows == generate_problems(2 * len(GENERATORS), seed=7)
    assert {r["kind"] for r in rows} == set(GENERATORS)
    for row in rows:
        assert set(row) >= {"question", "final_answer", "difficulty", "topic"}
        assert row["question"] and row["final_answer"]
        assert row["topic"].startswith("Mathematics -> ")


def test_unknown_kind_is_named() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        generate_problems(3, seed=0, kinds=["nonsense"])


def test_answers_are_parseable_by_math_verify() -> None:
    # every non yes/no gold answer must parse, or the accuracy reward would skip the row
    for row in generate_problems(3 * len(GENERATORS), seed=1):
        if row["final_answer"] in ("Yes", "No"):
            continue
        parsed = parse(f"${row['final_answer']}$")
        assert parsed, row


@pytest.mark.parametrize("seed", [0, 1, 2])  # three independent draws
def test_finite_sum_answers_recomputed_from_the_question(seed: int) -> None:
    # recompute the answer from the printed question, independently of the generator
    for row in generate_problems(20, seed=seed, kinds=["finite_sum"]):
        top, power = map(int, re.search(r"\^\{(\d+)\} k\^\{(\d+)\}", row["question"]).groups())
        assert int(row["final_answer"]) == sum(i**power for i in range(1, top + 1))


@pytest.mark.parametrize("seed", [0, 1, 2])  # three independent draws
def test_determinants_recomputed_from_the_question(seed: int) -> None:
    for row in generate_problems(10, seed=seed, kinds=["determinant"]):
        body = re.search(r"\\begin\{pmatrix\}(.*)\\end\{pmatrix\}", row["question"]).group(1)
        matrix = sp.Matrix([[int(v) for v in line.split("&")] for line in body.split("\\\\")])
        assert int(row["final_answer"]) == matrix.det()


def test_linear_system_solution_satisfies_the_equations() -> None:
    for row in generate_problems(10, seed=5, kinds=["linear_system"]):
        xv, yv = map(int, row["final_answer"].strip("()").split(","))
        equations = re.search(r"\\begin\{cases\}(.*)\\end\{cases\}", row["question"]).group(1)
        for eq in equations.split("\\\\"):
            lhs, rhs = eq.split("=")
            x, y = sp.symbols("x y")
            lhs_expr = sp.sympify(re.sub(r"(\d)\s*([xy])", r"\1*\2", lhs))
            assert lhs_expr.subs({x: xv, y: yv}) == int(rhs)
