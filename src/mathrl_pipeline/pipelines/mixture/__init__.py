"""The `mixture` pipeline: prepared task splits combined by weight into one training set."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
