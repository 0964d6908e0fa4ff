"""The `deepmath` pipeline: DeepMath-103K (or the embedded generator) rendered to images for GRPO."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
