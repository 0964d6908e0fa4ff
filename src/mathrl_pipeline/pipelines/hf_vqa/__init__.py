"""The `hf_vqa` pipeline: any image-question-answer dataset mapped by column names."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
