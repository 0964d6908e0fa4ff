"""Models: families (Qwen2-VL, Qwen2.5-VL, ...), loading, processors and the tiny model.

Torch-free at import time (data stages import this package): transformers and torch are imported
inside the functions. A family is one module here defining ``FAMILY`` (see ``family.py``);
``family_for(config_or_model_type)`` picks it from a config's ``model_type``.
"""

from mathrl_pipeline.models.family import ModelFamily, UnknownModelFamilyError, families, family_for

FAMILIES: tuple[ModelFamily, ...] = families()

__all__ = ["FAMILIES", "ModelFamily", "UnknownModelFamilyError", "families", "family_for"]
