"""The `base_model` pipeline: the policy GRPO starts from (an embedded tiny model by default)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
