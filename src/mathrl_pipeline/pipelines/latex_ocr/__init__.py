"""The `latex_ocr` pipeline: formulas rendered as display math, gold = the normalised LaTeX."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
