"""The `cvbench` pipeline: CV-Bench (or embedded synthetic scenes) prepared for evaluation."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
