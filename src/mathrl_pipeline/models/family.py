"""A model family: what the pipeline must know about one architecture, and the family registry.

Every module of ``mathrl_pipeline.models`` that defines a module-level ``FAMILY`` (a
:class:`ModelFamily`) registers it; the family of a model is chosen from its config's
``model_type`` (``config.json``), never from its name. No torch or transformers at import time:
the families' functions import them when called.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type hint only: tiny.py imports this module
    from mathrl_pipeline.models.tiny import TinyModelSpec

class UnknownModelFamilyError(ValueError):
    """A ``model_type`` no module of ``mathrl_pipeline.models`` declares."""


def raw_chat_template(image_placeholder: str) -> str:
    """A chat template that renders content blocks verbatim, images as ``image_placeholder``.

    No roles and no generation prompt: a ``base``-style string prompt wrapped into blocks (text,
    image, text) renders back to exactly the original string.
    """
    return (
        "{%- for message in messages -%}{%- for block in message['content'] -%}"
        "{%- if block['type'] == 'image' -%}" + image_placeholder + "{%- elif block['text'] -%}"
        "{{ block['text'] }}{%- endif -%}{%- endfor -%}{%- endfor -%}"
    )


@dataclass(frozen=True)
class ModelFamily:
    """One architecture family (Qwen2-VL, Qwen2.5-VL, ...), as the pipeline uses it."""

    name: str  # for people: "Qwen2.5-VL"
    model_types: tuple[str, ...]  # config.json ``model_type`` values of the family
    config_class: str  # the transformers config class (``transformers.<name>``)
    image_placeholder: str  # the text that stands for one image in a raw (base-style) prompt
    special_tokens: tuple[str, ...]  # the tokenizer's special tokens, in the family's order
    eos_token: str
    pad_token: str
    pretokenizer_pattern: str  # the regex the family's byte-level BPE splits text with
    vision_prefixes: tuple[str, ...]  # parameter-name prefixes of the vision tower (merger too)
    chat_template: Callable[[], str]  # the family's (instruct) chat template
    processor_class: Callable[[], type]  # the image-only processor class (needs no torchvision)
    tiny_processor: Callable[[Any, TinyModelSpec], Any]  # (tokenizer, spec) -> processor
    tiny_config: Callable[[TinyModelSpec, Any], Any]  # (spec, tokenizer) -> model config
    # raises, naming the parameter, on tiny sizes the family cannot build (None: no constraint)
    check_tiny: Callable[[TinyModelSpec], None] | None = None

    @property
    def raw_chat_template(self) -> str:
        """The pass-through template for ``base``-style prompts (see :func:`raw_chat_template`)."""
        return raw_chat_template(self.image_placeholder)

    def is_vision_parameter(self, name: str) -> bool:
        """Whether a parameter name belongs to the vision tower (peft's wrapping removed)."""
        return name.removeprefix("base_model.model.").startswith(self.vision_prefixes)

    def register_processor(self) -> None:
        """Make ``AutoProcessor`` save and load the image-only processor (idempotent)."""
        import transformers

        config_class = getattr(transformers, self.config_class)
        transformers.AutoProcessor.register(config_class, self.processor_class(), exist_ok=True)


def _model_type(config_or_model_type: Any) -> str:
    """The ``model_type`` of a string, a config (or its dict), or a model (its ``.config``)."""
    value = config_or_model_type
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return str(value.get("model_type", ""))
    config = getattr(value, "config", value)
    model_type = getattr(config, "model_type", None)
    if not model_type:
        raise TypeError(
            f"cannot tell the model family of a {type(value).__name__}: give a model_type, a "
            "config, its dict or a model"
        )
    return str(model_type)


@functools.cache
def families() -> tuple[ModelFamily, ...]:
    """Every registered family: the ``FAMILY`` of each module of ``mathrl_pipeline.models``."""
    package = importlib.import_module("mathrl_pipeline.models")
    found: dict[str, ModelFamily] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if not isinstance(family, ModelFamily):
            continue
        for model_type in family.model_types:
            if model_type in found:
                raise ValueError(
                    f"model_type {model_type!r} is claimed by two families: "
                    f"{found[model_type].name} and {family.name}"
                )
            found[model_type] = family
    return tuple(dict.fromkeys(found.values()))


def family_for(config_or_model_type: Any) -> ModelFamily:
    """The family of a ``model_type``, a config (object or dict) or a model; unknown: an error."""
    model_type = _model_type(config_or_model_type)
    for family in families():
        if model_type in family.model_types:
            return family
    known = ", ".join(
        f"{t} ({family.name})" for family in families() for t in family.model_types
    )
    raise UnknownModelFamilyError(
        f"unknown model family: model_type {model_type!r}; known: {known}. A family is one "
        "module of mathrl_pipeline/models/ defining FAMILY (see models/qwen2_vl.py)"
    )
