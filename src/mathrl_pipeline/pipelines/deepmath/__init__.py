"""The `deepmath` pipeline: DeepMath-103K (or the embedded generator) to GRPO image splits."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
