"""Repair pass for common benign breakage; every change is recorded by name."""

from __future__ import annotations

import re

# Unicode symbols seen in prose mapped to LaTeX that works both in text and in math.
UNICODE_TO_LATEX: dict[str, str] = {
    "≤": r"\ensuremath{\leq}",
    "≥": r"\ensuremath{\geq}",
    "≠": r"\ensuremath{\neq}",
    "−": r"\ensuremath{-}",
    "×": r"\ensuremath{\times}",
    "÷": r"\ensuremath{\div}",
    "±": r"\ensuremath{\pm}",
    "∓": r"\ensuremath{\mp}",
    "·": r"\ensuremath{\cdot}",
    "⋅": r"\ensuremath{\cdot}",
    "∘": r"\ensuremath{\circ}",
    "°": r"\ensuremath{^{\circ}}",
    "→": r"\ensuremath{\to}",
    "←": r"\ensuremath{\leftarrow}",
    "↔": r"\ensuremath{\leftrightarrow}",
    "⇒": r"\ensuremath{\Rightarrow}",
    "⇐": r"\ensuremath{\Leftarrow}",
    "⇔": r"\ensuremath{\Leftrightarrow}",
    "↦": r"\ensuremath{\mapsto}",
    "∞": r"\ensuremath{\infty}",
    "∈": r"\ensuremath{\in}",
    "∉": r"\ensuremath{\notin}",
    "∋": r"\ensuremath{\ni}",
    "⊂": r"\ensuremath{\subset}",
    "⊆": r"\ensuremath{\subseteq}",
    "⊃": r"\ensuremath{\supset}",
    "⊇": r"\ensuremath{\supseteq}",
    "∪": r"\ensuremath{\cup}",
    "∩": r"\ensuremath{\cap}",
    "∧": r"\ensuremath{\wedge}",
    "∨": r"\ensuremath{\vee}",
    "¬": r"\ensuremath{\neg}",
    "∀": r"\ensuremath{\forall}",
    "∃": r"\ensuremath{\exists}",
    "∅": r"\ensuremath{\emptyset}",
    "∑": r"\ensuremath{\sum}",
    "∏": r"\ensuremath{\prod}",
    "∫": r"\ensuremath{\int}",
    "√": r"\ensuremath{\surd}",
    "∂": r"\ensuremath{\partial}",
    "∇": r"\ensuremath{\nabla}",
    "≈": r"\ensuremath{\approx}",
    "≡": r"\ensuremath{\equiv}",
    "∼": r"\ensuremath{\sim}",
    "≅": r"\ensuremath{\cong}",
    "∝": r"\ensuremath{\propto}",
    "⊕": r"\ensuremath{\oplus}",
    "⊗": r"\ensuremath{\otimes}",
    "⌊": r"\ensuremath{\lfloor}",
    "⌋": r"\ensuremath{\rfloor}",
    "⌈": r"\ensuremath{\lceil}",
    "⌉": r"\ensuremath{\rceil}",
    "⟨": r"\ensuremath{\langle}",
    "⟩": r"\ensuremath{\rangle}",
    "′": r"\ensuremath{^{\prime}}",
    "…": r"\ensuremath{\ldots}",
    "⋯": r"\ensuremath{\cdots}",
    "¹": r"\ensuremath{^{1}}",
    "²": r"\ensuremath{^{2}}",
    "³": r"\ensuremath{^{3}}",
    "½": r"\ensuremath{\tfrac{1}{2}}",
    "ℝ": r"\ensuremath{\mathbb{R}}",
    "ℕ": r"\ensuremath{\mathbb{N}}",
    "ℤ": r"\ensuremath{\mathbb{Z}}",
    "ℚ": r"\ensuremath{\mathbb{Q}}",
    "ℂ": r"\ensuremath{\mathbb{C}}",
    "α": r"\ensuremath{\alpha}",
    "β": r"\ensuremath{\beta}",
    "γ": r"\ensuremath{\gamma}",
    "δ": r"\ensuremath{\delta}",
    "ε": r"\ensuremath{\varepsilon}",
    "ζ": r"\ensuremath{\zeta}",
    "η": r"\ensuremath{\eta}",
    "θ": r"\ensuremath{\theta}",
    "ι": r"\ensuremath{\iota}",
    "κ": r"\ensuremath{\kappa}",
    "λ": r"\ensuremath{\lambda}",
    "μ": r"\ensuremath{\mu}",
    "ν": r"\ensuremath{\nu}",
    "ξ": r"\ensuremath{\xi}",
    "π": r"\ensuremath{\pi}",
    "ρ": r"\ensuremath{\rho}",
    "σ": r"\ensuremath{\sigma}",
    "τ": r"\ensuremath{\tau}",
    "υ": r"\ensuremath{\upsilon}",
    "φ": r"\ensuremath{\varphi}",
    "χ": r"\ensuremath{\chi}",
    "ψ": r"\ensuremath{\psi}",
    "ω": r"\ensuremath{\omega}",
    "Γ": r"\ensuremath{\Gamma}",
    "Δ": r"\ensuremath{\Delta}",
    "Θ": r"\ensuremath{\Theta}",
    "Λ": r"\ensuremath{\Lambda}",
    "Ξ": r"\ensuremath{\Xi}",
    "Π": r"\ensuremath{\Pi}",
    "Σ": r"\ensuremath{\Sigma}",
    "Φ": r"\ensuremath{\Phi}",
    "Ψ": r"\ensuremath{\Psi}",
    "Ω": r"\ensuremath{\Omega}",
    "\u00a0": "~",
    "\u2009": r"\,",
    "\u202f": r"\,",
    "\u200b": "",
    "•": r"\ensuremath{\bullet}",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "–": "--",
    "—": "---",
}
_UNICODE_RE = re.compile("|".join(re.escape(ch) for ch in UNICODE_TO_LATEX))

# Macros that a JSON double escape turns into a line break plus letters (`\\mathbb`).
_DOUBLE_ESCAPED = (
    "mathbb|mathcal|mathrm|mathbf|mathscr|mathfrak|ldots|cdots|dots|frac|dfrac|sqrt|infty|"
    "sum|int|lim|leq|geq|neq|in|cdot|times|alpha|beta|gamma|delta|epsilon|varepsilon|theta|"
    "lambda|mu|sigma|omega|pi|phi|left|right|to|subset|subseteq|cup|cap|partial|Gamma|Delta|"
    "Omega|text|operatorname"
)
_DOUBLE_ESCAPE_RE = re.compile(r"(?<!\\)\\\\(?=(?:(?:" + _DOUBLE_ESCAPED + r")(?![A-Za-z])|\)))")
# `x^\sqrt{2}` is invalid TeX (a script argument must be one token or a group).
_SCRIPT_ARG_RE = re.compile(
    r"(?P<script>[_^])\s*(?P<arg>\\(?:sqrt|frac|dfrac|tfrac|mathbb|mathrm|bar|hat|tilde)"
    r"(?:\s*\{[^{}]*\}){1,2})"
)
# Math-mode scanner tokens, for escaping `_` and `^` that appear in prose.
_MODE_TOKEN_RE = re.compile(
    r"\\begin\{[^{}]*\}|\\end\{[^{}]*\}|\\[A-Za-z]+|\\.|\$\$|[$_^]"
    # a single newline before a list item ("- x", "(A) x", "1. x"): TeX would run it on
    r"|(?<!\n)\n(?=[ \t]*(?:[-*]|\(?(?:[A-Ea-e1-9]|i{1,3}|iv|v)[.)])[ \t])"
)
_MATH_ENVS = frozenset(
    "align align* gather gather* multline multline* flalign flalign* alignat alignat* "
    "eqnarray eqnarray* equation equation* math displaymath".split()
)
# Authors mix inline delimiters (`$x\\)`), and TeX accepts it: either closer ends either.
_INLINE = frozenset({"$", "\\(", "\\)"})
_DISPLAY = frozenset({"$$", "\\[", "\\]"})

_MULTILINE_ENVS = r"align|gather|multline|flalign|alignat|eqnarray|equation"
# `\[ \begin{align*} .. \end{align*} \]` (or `$$ .. $$`): the environment is already display.
_NESTED_DISPLAY_RE = re.compile(
    r"(?P<open>\\\[|\$\$)\s*(?P<body>\\begin\{(?P<env>" + _MULTILINE_ENVS + r")(?P<star>\*?)\}"
    r".*?\\end\{(?P=env)(?P=star)\})\s*(?P<close>\\\]|\$\$)",
    re.DOTALL,
)
_UNESCAPED = r"(?<!\\)((?:\\\\)*)"
_PERCENT_RE = re.compile(_UNESCAPED + "%")
_HASH_RE = re.compile(_UNESCAPED + "#")
_AMP_RE = re.compile(_UNESCAPED + "&")
_ENV_TOKEN_RE = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")
_LABEL_RE = re.compile(r"\\label\s*\{[^{}]*\}")
_DISPLAY_ENV_RE = re.compile(r"\\(begin|end)\{(?:" + _MULTILINE_ENVS + r")\*?\}")


def _escape_amp_outside_envs(text: str) -> tuple[str, int]:
    """Escape `&` that is outside every `\\begin..\\end` span (a prose ampersand)."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for match in _ENV_TOKEN_RE.finditer(text):
        if match.group(1) == "begin":
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, match.end()))
    if depth > 0:
        spans.append((start, len(text)))
    pieces: list[str] = []
    count, pos = 0, 0
    for begin, end in [*spans, (len(text), len(text))]:
        outside, n = _AMP_RE.subn(r"\1\\&", text[pos:begin])
        pieces.append(outside)
        pieces.append(text[begin:end])
        count += n
        pos = end
    return "".join(pieces), count


_PROSE_REPLACEMENT = {"_": "\\_", "^": "\\textasciicircum{}", "\n": "\\par\n"}


def _fix_prose(text: str) -> tuple[str, int, int]:
    """Outside math: escape `_` and `^` (`1/2^n` typed as prose; TeX would stop there),
    and break lines before list items. Returns (text, escapes, line breaks)."""
    pieces: list[str] = []
    closer: str | frozenset[str] | None = None
    counts = {"_": 0, "^": 0, "\n": 0}
    pos = 0
    for match in _MODE_TOKEN_RE.finditer(text):
        token = match.group(0)
        if closer is not None:
            if token == closer or (isinstance(closer, frozenset) and token in closer):
                closer = None
            continue
        if token in ("$", "\\("):
            closer = _INLINE
        elif token in ("$$", "\\["):
            closer = _DISPLAY
        elif token.startswith("\\begin{") and token[7:-1] in _MATH_ENVS:
            closer = "\\end{" + token[7:-1] + "}"
        elif token in ("_", "^", "\n"):
            pieces.append(text[pos : match.start()])
            pieces.append(_PROSE_REPLACEMENT[token])
            pos = match.end()
            counts[token] += 1
    pieces.append(text[pos:])
    return "".join(pieces), counts["_"] + counts["^"], counts["\n"]


def repair(text: str, mode: str) -> tuple[str, tuple[str, ...]]:
    """Fix benign breakage and return (text, names of the repairs applied)."""
    repairs: list[str] = []
    text, n = _DOUBLE_ESCAPE_RE.subn(r"\\", text)
    if n:
        repairs.append("double_escaped_macro")
    text, n = _SCRIPT_ARG_RE.subn(r"\g<script>{\g<arg>}", text)
    if n:
        repairs.append("brace_script_argument")
    if mode == "text":
        text, n, breaks = _fix_prose(text)
        if n:
            repairs.append("escape_prose_script")
        if breaks:
            repairs.append("list_line_breaks")
    chars = sorted({m.group(0) for m in _UNICODE_RE.finditer(text)})
    if chars:
        text = _UNICODE_RE.sub(lambda m: UNICODE_TO_LATEX[m.group(0)], text)
        repairs.append("unicode:" + "".join(chars))
    text, n = _PERCENT_RE.subn(r"\1\\%", text)
    if n:
        repairs.append("escape_percent")
    text, n = _HASH_RE.subn(r"\1\\#", text)
    if n:
        repairs.append("escape_hash")
    if mode == "text":
        text, n = _NESTED_DISPLAY_RE.subn(lambda m: m.group("body"), text)
        if n:
            repairs.append("display_env_in_display_math")
        text, n = _escape_amp_outside_envs(text)
        if n:
            repairs.append("escape_ampersand")
    else:
        text, n = _LABEL_RE.subn("", text)
        if n:
            repairs.append("strip_label")
        text, n = _DISPLAY_ENV_RE.subn(lambda m: "\\" + m.group(1) + "{aligned}", text)
        if n:
            repairs.append("display_env_to_aligned")
    return text, tuple(repairs)
