"""The LaTeX preamble and the batch document: one tight page per item."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MARKER = "@@item"
DIMS = "@@dims"

PREAMBLE_PACKAGES = ("amsmath", "amssymb", "amsfonts", "mathrsfs", "bm", "mathtools")

_PREAMBLE = r"""\documentclass[%(size)dpt]{article}
\usepackage[utf8]{inputenc}
\usepackage{%(packages)s}
\usepackage[active,tightpage]{preview}
\setlength\PreviewBorder{0pt}
\pagestyle{empty}
\pdfcompresslevel=0 %% uncompressed PDF: pdftoppm reads it 25%% faster
\pdfobjcompresslevel=0
\setlength\parindent{0pt}
\setlength\parskip{4pt}
\newsavebox\renderbox
\providecommand\degree{\ensuremath{^\circ}}
\providecommand\R{\mathbb{R}}
\providecommand\N{\mathbb{N}}
\providecommand\Z{\mathbb{Z}}
\providecommand\Q{\mathbb{Q}}
\providecommand\C{\mathbb{C}}
\providecommand\tg{\tan}
\providecommand\ctg{\cot}
\providecommand\arccot{\operatorname{arccot}}
\newcommand\renderdims[1]{\typeout{%(dims)s #1 \the\wd\renderbox\space
  \the\ht\renderbox\space\the\dp\renderbox}}
\begin{document}
"""

# A display formula with top-level `\\` or `&` needs an alignment to be legal.
_ALIGNMENT_RE = re.compile(r"(?<!\\)(?:\\\\)*(?:\\\\|&)")


@dataclass(frozen=True)
class Piece:
    """One sanitized item body for the batch document."""

    key: int
    body: str
    mode: str
    width_pt: float


def preamble(font_size_pt: int) -> str:
    """The document head shared by the batched and the per-item renderer."""
    return _PREAMBLE % {
        "size": font_size_pt,
        "packages": ",".join(PREAMBLE_PACKAGES),
        "dims": DIMS,
    }


def _wrap(piece: Piece) -> str:
    if piece.mode == "display":
        body = piece.body.strip()
        if _ALIGNMENT_RE.search(body):
            body = "\\begin{aligned}" + body + "\\end{aligned}"
        return f"$\\displaystyle {body}\n$"
    return f"\\begin{{minipage}}[t]{{{piece.width_pt:.2f}pt}}\n{piece.body}\n\\end{{minipage}}"


def build_document(pieces: Sequence[Piece], font_size_pt: int) -> str:
    """A document whose page i is item i, each typeset in its own box first.

    Each item is set into a box (lrbox), its dimensions are written to the log, then the
    box is shipped as one preview page. The marker line tells which item an error or an
    overfull box in the log belongs to.
    """
    parts = [preamble(font_size_pt)]
    for index, piece in enumerate(pieces):
        parts.append(
            f"\\typeout{{{MARKER} {index}}}\n"
            f"\\begin{{lrbox}}{{\\renderbox}}{_wrap(piece)}\\end{{lrbox}}\n"
            f"\\renderdims{{{index}}}\n"
            "\\begin{preview}\\usebox{\\renderbox}\\end{preview}\n"
        )
    parts.append("\\end{document}\n")
    return "".join(parts)
