"""The `arith` pipeline: the miniature task of the embedded default (rendered arithmetic)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
