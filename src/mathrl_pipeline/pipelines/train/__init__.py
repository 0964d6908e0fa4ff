"""The `train` pipeline: GRPO with TRL on a prepared split, then curves."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
