"""The `evaluate` pipeline: before/after accuracy of the base and trained model on a test split."""

from .pipeline import create_model_pipeline, create_pipeline

__all__ = ["create_model_pipeline", "create_pipeline"]
