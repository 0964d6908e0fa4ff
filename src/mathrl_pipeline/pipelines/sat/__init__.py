"""The `sat` pipeline: SAT spatial questions (or the embedded scene generator) for GRPO."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
