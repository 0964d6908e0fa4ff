"""Kedro's ``OmegaConfigLoader`` plus one rule for parameters: a block may extend another.

A parameter block that holds ``_extends: <other top-level key>`` is that other block with the
block's own keys merged over it (nested mappings key by key, lists and scalars replaced)::

    train:                       # shared by every GRPO run
      learning_rate: 1.0e-3
      model: {dtype: auto}
    train_arith:
      _extends: train            # everything of `train` ...
      learning_rate: 1.0e-4      # ... but this

The merge runs after the environment (``--env gpu``) and ``--params`` overrides are applied, so
``--params train.learning_rate=X`` reaches every block that extends ``train`` and does not set
``learning_rate`` itself, and ``--params train_arith.learning_rate=X`` reaches that block alone.
"""

from __future__ import annotations

from typing import Any

from kedro.config import OmegaConfigLoader

EXTENDS = "_extends"


class ExtendsError(ValueError):
    """A parameter block that extends a missing block, or blocks that extend each other."""


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged onto ``base``: mappings recursively, anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_extends(params: dict[str, Any]) -> dict[str, Any]:
    """Every top-level block with ``_extends`` replaced by its merged, complete block."""
    resolved: dict[str, Any] = {}

    def resolve(key: str, chain: tuple[str, ...]) -> Any:
        if key in resolved:
            return resolved[key]
        block = params[key]
        if not isinstance(block, dict) or EXTENDS not in block:
            resolved[key] = block
            return block
        base_key = block[EXTENDS]
        if base_key == key or base_key in chain:
            raise ExtendsError(
                f"parameter block {key!r}: `_extends` makes a loop "
                f"({' -> '.join((*chain, key, base_key))})"
            )
        if base_key not in params:
            raise ExtendsError(
                f"parameter block {key!r} extends {base_key!r}, which is not a parameter block"
            )
        base = resolve(base_key, (*chain, key))
        if not isinstance(base, dict):
            raise ExtendsError(f"parameter block {key!r} extends {base_key!r}, not a mapping")
        own = {k: v for k, v in block.items() if k != EXTENDS}
        resolved[key] = deep_merge(base, own)
        return resolved[key]

    for name in params:
        resolve(name, ())
    return resolved


class ProjectConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` whose parameters resolve ``_extends`` (see the module docstring).

    The project's custom resolvers (``oc.env``, settings.py) are registered with OmegaConf's
    ``register_resolver``: Kedro's own registration calls the deprecated
    ``register_new_resolver``, a warning at every start.
    """

    @staticmethod
    def _register_new_resolvers(resolvers: dict[str, Any]) -> None:
        from omegaconf import OmegaConf

        for name, resolver in resolvers.items():
            if not OmegaConf.has_resolver(name):
                OmegaConf.register_resolver(name, resolver)

    def __getitem__(self, key: str) -> Any:
        config = super().__getitem__(key)
        if key == "parameters" and isinstance(config, dict):
            return resolve_extends(config)
        return config
