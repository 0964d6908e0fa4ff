"""``mathrl-train``: one GRPO run from a parameters file, a train split and a model.

The Kedro node runs the same ``run_grpo`` in-process (one device). For many GPUs or nodes start
this entry point under accelerate, e.g.::

    accelerate launch --config_file conf/accelerate/zero2.yaml -m mathrl_pipeline.training.cli \\
        --config conf/gpu/parameters_train.yml --preset math_ocr_zero \\
        --train-split data/05_model_input/deepmath_train.parquet/<version>/deepmath_train.parquet
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from mathrl_pipeline.training.config import TrainParams

logger = logging.getLogger(__name__)

# Kedro's ${runtime_params:key, default} (resolved here without Kedro's global resolver).
RUNTIME_PARAM = re.compile(r"\$\{runtime_params:\s*([\w.]+)\s*(?:,\s*([^}]*))?\}")


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def load_params(
    config: str | Path,
    preset: str | None = None,
    overrides: list[str] | None = None,
    runtime: dict[str, str] | None = None,
) -> TrainParams:
    """``TrainParams`` from a YAML file (key ``train``), a preset and ``key=value`` overrides.

    ``${runtime_params:key, default}`` interpolations (Kedro's) resolve from ``runtime`` or their
    default; presets live under ``train_presets.<name>`` and are merged over ``train``.
    """
    from omegaconf import OmegaConf

    runtime = runtime or {}
    text = RUNTIME_PARAM.sub(
        lambda m: str(runtime.get(m.group(1), m.group(2) or "")).strip(),
        Path(config).read_text(encoding="utf-8"),
    )
    raw = yaml.safe_load(text) or {}
    tree = OmegaConf.create(raw)
    train = tree.get("train", tree)
    if preset is not None:
        presets = tree.get("train_presets", {})
        if preset not in presets:
            raise ValueError(f"--preset {preset!r}: not in train_presets ({sorted(presets)})")
        train = OmegaConf.merge(train, presets[preset])
    resolved: dict[str, Any] = OmegaConf.to_container(train, resolve=True)  # type: ignore[assignment]
    for item in overrides or []:
        key, _, value = item.partition("=")
        _set(resolved, key.removeprefix("train."), yaml.safe_load(value))
    return TrainParams.model_validate(resolved)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, read the split (parquet) and run GRPO."""
    import pandas as pd

    from mathrl_pipeline.training.runner import run_grpo

    parser = argparse.ArgumentParser(prog="mathrl-train", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="YAML with a `train:` section")
    parser.add_argument("--preset", help="a key of `train_presets` in the config")
    parser.add_argument(
        "--train-split", required=True, help="train split parquet (dataset contract)"
    )
    parser.add_argument("--model", help="Hub id or local model folder (else train.model.source)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--data-dir", default="data", help="value of ${runtime_params:data_dir}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    params = load_params(args.config, args.preset, args.set, {"data_dir": args.data_dir})
    frame = pd.read_parquet(args.train_split)
    result = run_grpo(params, frame, args.model)
    logger.info("Done: %s (%d logged steps)", result.model_dir, len(result.metrics))


if __name__ == "__main__":
    main()
