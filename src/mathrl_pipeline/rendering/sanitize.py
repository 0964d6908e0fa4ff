"""Refusal rules for untrusted text, applied after repair and before any TeX run.

The scanner tokenises like TeX with document catcodes: a control word is a backslash
followed by letters, a control symbol is a backslash followed by one other character.
So `\\\\input` is a line break followed by the letters "input", and is allowed.
"""

from __future__ import annotations

import re
import unicodedata

# File and shell I/O, definitions, catcode games, expansion tricks, job control, and
# anything that could end, restart or escape the per-item box.
DENIED_COMMANDS = frozenset(
    """
    input include includeonly InputIfFileExists IfFileExists endinput openin closein read
    readline openout closeout write immediate newwrite newread special usepackage
    RequirePackage documentclass LoadClass includegraphics verbatiminput lstinputlisting
    def edef gdef xdef let futurelet global outer long protected newcommand renewcommand
    providecommand DeclareRobustCommand newenvironment renewenvironment newtheorem
    DeclareMathOperator DeclareMathSymbol DeclareTextCommand chardef mathchardef countdef
    dimendef skipdef toksdef muskipdef font catcode lccode uccode sfcode mathcode delcode
    endlinechar newlinechar escapechar makeatletter makeatother csname endcsname
    expandafter noexpand afterassignment scantokens detokenize unexpanded romannumeral
    everypar everymath everydisplay everyhbox everyvbox everyjob everycr everyeof output
    shipout batchmode nonstopmode scrollmode errorstopmode dump end enddocument stop bye
    jobname loop repeat typeout wlog message errmessage errhelp show showbox showlists
    showthe showtokens showgroups showifs pagebreak newpage clearpage cleardoublepage
    verb lstinline url href hyperref setbox vsize hsize pagegoal pagetotal vsplit
    openin_any directlua luaexec ExplSyntaxOn ExplSyntaxOff ProcessOptions
    pdfprimitive primitive ignorespacesafterend uppercase lowercase begingroup endgroup
    aftergroup newif fi else or unless
    if ifx ifcat ifnum ifdim ifodd ifcase ifvmode ifhmode ifmmode ifinner ifvoid ifhbox
    ifvbox ifeof iftrue iffalse ifdefined ifcsname iffontchar ifincsname ifthenelse
    """.split()
)
# Whole families: pdfTeX file and raster primitives (\pdffiledump reads files), tracing.
# Conditionals are listed above by name (an \iffalse can swallow the rest of a batch);
# a prefix rule would also refuse \iff and \iint.
DENIED_PREFIXES = ("pdf", "tracing", "Preview", "XeTeX", "luatex")
# Environments an item may open; anything else (document, preview, filecontents,
# verbatim, lrbox, comment, ...) is refused.
ALLOWED_ENVIRONMENTS = frozenset(
    """
    align align* aligned alignat alignat* alignedat gather gather* gathered multline
    multline* split equation equation* eqnarray eqnarray* flalign flalign* cases dcases
    rcases array subarray matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix
    tabular center flushleft flushright itemize enumerate description quote quotation
    """.split()
)
MAX_NESTING = 100
# Non-ASCII letters that the utf8 inputenc + OT1 setup renders (Latin-1 and Latin
# Extended-A letters). Symbols are mapped by the repair pass before this check.
_ALLOWED_NON_ASCII_RANGES = ((0x00C0, 0x00FF), (0x0100, 0x017F))
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN_RE = re.compile(r"\\(?:([A-Za-z]+)|(.)|$)", re.DOTALL)
_ENV_ARG_RE = re.compile(r"\s*\{([^{}]*)\}")


def check_raw(text: str, max_chars: int) -> str | None:
    """Reason to refuse the raw input before any repair: size, control characters, and
    TeX's `^^` notation (which can spell any character, a backslash included)."""
    if len(text) > max_chars:
        return f"input too long: {len(text)} chars > max_chars={max_chars}"
    if not text.strip():
        return "empty input"
    match = _CONTROL_RE.search(text)
    if match:
        return f"refused: control character U+{ord(match.group(0)):04X}"
    if "^^" in text:
        return "refused: ^^ character notation"
    return None


def _check_characters(text: str) -> str | None:
    match = _CONTROL_RE.search(text)
    if match:
        return f"refused: control character U+{ord(match.group(0)):04X}"
    if "^^" in text:
        return "refused: ^^ character notation"
    for ch in text:
        code = ord(ch)
        if code < 128:
            continue
        if not any(lo <= code <= hi for lo, hi in _ALLOWED_NON_ASCII_RANGES):
            name = unicodedata.name(ch, "unnamed")
            return f"refused: unsupported character U+{code:04X} ({name})"
    return None


def _check_commands(text: str) -> str | None:
    for match in _TOKEN_RE.finditer(text):
        word = match.group(1)
        if word is None:
            if match.group(2) is None:
                return "refused: trailing backslash"
            continue
        if word in ("begin", "end"):
            arg = _ENV_ARG_RE.match(text, match.end())
            if arg is None:
                return f"refused: \\{word} without an environment name"
            if arg.group(1).strip() not in ALLOWED_ENVIRONMENTS:
                return f"refused: environment {{{arg.group(1)}}}"
            continue
        if word in DENIED_COMMANDS or word.startswith(DENIED_PREFIXES):
            return f"refused: \\{word}"
    return None


def _check_braces(text: str) -> str | None:
    depth = deepest = 0
    for match in re.finditer(r"\\.|[{}]", text, re.DOTALL):
        token = match.group(0)
        if token == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif token == "}":
            depth -= 1
            if depth < 0:
                return "refused: unbalanced braces (extra '}')"
    if depth:
        return "refused: unbalanced braces (missing '}')"
    if deepest > MAX_NESTING:
        return f"refused: brace nesting deeper than {MAX_NESTING}"
    return None


def refusal_reason(text: str) -> str | None:
    """Why this (already repaired) text must not reach TeX, or None if it may."""
    for check in (_check_characters, _check_commands, _check_braces):
        reason = check(text)
        if reason:
            return reason
    return None
