"""Hostile or broken inputs for the renderer, written for this project.

Each case: (name, text, mode, expected stage). The expected stage is the stage that must
reject it ("sanitize", "latex", "pixel_budget"), or None when rendering it harmlessly is
also acceptable (the test then only checks containment).
"""

from __future__ import annotations

HostileCase = tuple[str, str, str, str | None]

MEGABYTE = "x" * 1_000_000

HOSTILE_CASES: list[HostileCase] = [
    # shell escape
    ("write18_touch", r"\immediate\write18{touch /tmp/render_pwned}", "text", "sanitize"),
    ("write18_plain", r"$x$ \write18{rm -rf ~}", "text", "sanitize"),
    ("shellesc_package", r"\usepackage{shellesc}\ShellEscape{id}", "text", "sanitize"),
    # reading files
    ("input_passwd", r"\input{/etc/passwd}", "text", "sanitize"),
    ("input_passwd_nobrace", r"Look: \input /etc/passwd", "text", "sanitize"),
    ("include_passwd", r"\include{/etc/passwd}", "text", "sanitize"),
    ("openin_read", r"\openin5=/etc/passwd \read5 to\x \x", "text", "sanitize"),
    ("pdffiledump", r"\pdffiledump length 64 {/etc/passwd}", "text", "sanitize"),
    ("pdfximage", r"\pdfximage{/etc/passwd}", "text", "sanitize"),
    ("csname_input", r"\csname input\endcsname{/etc/passwd}", "text", "sanitize"),
    ("caret_notation", r"^^5cinput{/etc/passwd}", "text", "sanitize"),
    ("scantokens", r"\scantokens{\input /etc/passwd}", "text", "sanitize"),
    ("everypar_input", r"\everypar{\input{/etc/passwd}} text", "text", "sanitize"),
    ("filecontents", "\\begin{filecontents}{x.tex}\nboom\n\\end{filecontents}", "text", "sanitize"),
    ("double_escaped_input", r"\\input{/etc/passwd} is only text", "text", None),
    ("string_input", r"Type \string\input\ to include", "text", None),
    # writing files
    ("openout", r"\newwrite\f\immediate\openout\f=../pwned.tex\write\f{x}", "text", "sanitize"),
    # runaway computation
    ("def_recursion", r"\def\x{\x}\x", "text", "sanitize"),
    ("def_doubling", r"\def\a{\a\a}\a", "text", "sanitize"),
    ("newcommand_recursion", r"\newcommand\x{\x}\x", "text", "sanitize"),
    ("loop_forever", r"\loop x\iftrue\repeat", "text", "sanitize"),
    ("romannumeral", r"\romannumeral 999999999 0", "text", "sanitize"),
    ("tracingall", r"\tracingall $x^2$", "text", "sanitize"),
    # size and structure
    ("one_megabyte", MEGABYTE, "text", "sanitize"),
    ("unbalanced_open", r"Let $\frac{1}{2$ be {{{", "text", "sanitize"),
    ("unbalanced_close", r"Let $\frac{1}{2}}$ be", "text", "sanitize"),
    ("deep_nesting", "{" * 500 + "x" + "}" * 500, "text", "sanitize"),
    ("end_document", r"Done. \end{document} \input{/etc/passwd}", "text", "sanitize"),
    ("end_preview", r"a \end{preview}\begin{preview} b", "text", "sanitize"),
    ("bare_end", r"Stop here \end", "text", "sanitize"),
    ("iffalse_swallow", r"\iffalse", "text", "sanitize"),
    ("catcode", r"\catcode`\{=12 {", "text", "sanitize"),
    ("makeatletter", r"\makeatletter\@@input /etc/passwd", "text", "sanitize"),
    ("marker_spoof", r"\typeout{@@item 0}", "text", "sanitize"),
    ("documentclass", r"\documentclass{article}", "text", "sanitize"),
    ("verb", r"\verb|\input|", "text", "sanitize"),
    ("trailing_backslash", "ends with \\", "text", "sanitize"),
    ("control_char", "nul \x00 byte", "text", "sanitize"),
    ("cjk", "求极限 $x$", "text", "sanitize"),
    ("empty", "   ", "text", "sanitize"),
    # broken LaTeX: pdflatex's first error is the reason
    ("undefined_macro", r"Compute $\notamacro{x}$.", "text", "latex"),
    ("unclosed_math", r"Let $x = 1 be given.", "text", "latex"),
    ("left_without_right", r"$\left( x$", "text", "latex"),
    ("align_unclosed", r"\begin{align*} a &= b", "text", "latex"),
    ("double_superscript", r"$x^2^3$", "text", "latex"),
    ("display_bad", r"\frac{1}{", "display", "sanitize"),
    ("display_undefined", r"\foo + 1", "display", "latex"),
    # giant boxes: must not be rasterised
    ("giant_rule", r"\rule{15000pt}{15000pt}", "text", "pixel_budget"),
    ("tall_rule", r"$\rule{1pt}{16000pt}$", "display", "pixel_budget"),
]
