"""Nodes of the `hf_vqa` pipeline: thin adapters over `mathrl_pipeline.tasks.hf_vqa`."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from mathrl_pipeline.tasks import hf_vqa, vqa
from mathrl_pipeline.tasks.splits import split_frame

from .params import HfVqaParams

logger = logging.getLogger(__name__)


def _params(params: dict[str, Any]) -> HfVqaParams:
    return HfVqaParams.model_validate(params)


def _mapping(p: HfVqaParams) -> hf_vqa.Mapping:
    overrides: dict[str, Any] = {
        **p.columns.model_dump(),
        "answer_type": p.answer_type,
        # "" switches the preset's pattern off; null keeps it
        "answer_pattern": p.answer_pattern,
    }
    return hf_vqa.resolve_mapping(p.preset, overrides)


def _source(p: HfVqaParams) -> tuple[str, str]:
    preset = hf_vqa.PRESETS.get(p.preset) if p.preset else None
    source = p.source or (preset.source if preset else "")
    split = p.hf_split or (preset.split if preset else "train")
    return source, split


def generate_hf_vqa_raw(params: dict[str, Any]) -> pd.DataFrame:
    """CLEVR-style counting rows (an empty frame when the source is not embedded)."""
    p = _params(params)
    if _source(p)[0] != vqa.EMBEDDED:
        return pd.DataFrame(columns=["image", "problem", "solution"])
    return hf_vqa.generate_clevr_style_frame(p.embedded.count, seed=p.embedded.seed,
                                             malformed_rows=p.embedded.malformed_rows)


def ingest_hf_vqa(raw: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Load the source: the embedded rows, a preset's Hub id, any Hub id or a local file."""
    p = _params(params)
    source, split = _source(p)
    return vqa.resolve_source(raw, source, split=split, revision=p.revision, limit=p.limit,
                              name=p.config_name, param_name="hf_vqa.source")


def validate_hf_vqa(frame: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """Map the columns and check image, question, answer (and choices); bad rows -> rejects."""
    p = _params(params)
    return hf_vqa.validate_vqa_frame(frame, _mapping(p), image_root=p.image_root)


def build_hf_vqa_prompts(valid: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Build R1-V's prompt and the gold column."""
    p = _params(params)
    return hf_vqa.build_vqa_rows(valid, _mapping(p), style=p.prompt_style, source=_source(p)[0])


def split_hf_vqa(model_input: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Split into train and test with the configured seed."""
    s = _params(params).split
    train, test = split_frame(model_input, test_fraction=s.test_fraction, seed=s.seed,
                              max_test=s.max_test)
    logger.info("hf_vqa split: %d train, %d test", len(train), len(test))
    return train, test


def report_hf_vqa(ingested: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame,
                  rejects: pd.DataFrame) -> dict[str, Any]:
    """Counts of the run: rows loaded, kept per split, rejects by reason."""
    return vqa.split_report("hf_vqa", loaded=len(ingested), splits={"train": train,
                                                                    "test": test},
                            rejects=rejects, by="answer_type")
