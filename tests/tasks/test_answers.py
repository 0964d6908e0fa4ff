import pytest

from mathrl_pipeline.tasks.answers import ANSWER_KINDS, answer_kind


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("42", "integer"),  # plain integer
        ("-7", "integer"),  # negative integer
        ("3.25", "decimal"),  # decimal number
        ("\\frac{3}{4}", "fraction"),  # LaTeX fraction
        ("-\\dfrac{1}{2}", "fraction"),  # negative display fraction
        ("5/8", "fraction"),  # slash fraction
        ("Yes", "yes_no"),  # yes/no question
        ("false", "yes_no"),  # true/false question
        ("\\begin{pmatrix}1 & 0\\\\0 & 1\\end{pmatrix}", "matrix"),  # matrix answer
        ("(3, -1)", "tuple"),  # ordered pair
        ("(-\\infty, 2]", "interval"),  # interval with infinity
        ("[0, 1)", "interval"),  # half-open interval
        ("\\{1, 2, 3\\}", "set"),  # set literal
        ("\\frac{\\pi}{2}", "expression"),  # symbolic expression
        ("x^2 + 1", "expression"),  # polynomial
        ("$12$", "integer"),  # dollar-wrapped integer
        ("circle", "text"),  # a word
    ],
)
def test_answer_kind(answer: str, kind: str) -> None:
    assert answer_kind(answer) == kind
    assert kind in ANSWER_KINDS


def test_answer_kind_is_bounded_on_huge_input() -> None:
    # a 1 MB answer is classified from its first characters only, without error
    assert answer_kind("1" * 1_000_000) == "integer"
