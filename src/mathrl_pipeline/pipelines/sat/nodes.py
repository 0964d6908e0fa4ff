"""Nodes of the `sat` pipeline: thin adapters over `mathrl_pipeline.tasks.sat`."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from mathrl_pipeline.tasks import sat, vqa
from mathrl_pipeline.tasks.splits import split_frame

from .params import SatParams

logger = logging.getLogger(__name__)


def _params(params: dict[str, Any]) -> SatParams:
    return SatParams.model_validate(params)


def generate_sat_raw(params: dict[str, Any]) -> pd.DataFrame:
    """Synthetic scenes in the SAT schema (an empty frame when the source is not embedded)."""
    p = _params(params)
    if p.source != vqa.EMBEDDED:
        return pd.DataFrame(columns=[*sat.SAT_COLUMNS, "scene_description"])
    g = p.embedded
    return sat.generate_sat_frame(
        g.count,
        seed=g.seed,
        question_types=g.question_types,
        multi_image_fraction=g.multi_image_fraction,
        malformed_rows=g.malformed_rows,
        min_objects=g.min_objects,
        max_objects=g.max_objects,
    )


def ingest_sat(raw: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Load the source (embedded rows, a Hub id or a local file), then keep the chosen sample."""
    p = _params(params)
    frame = vqa.resolve_source(raw, p.source, split=p.hf_split, revision=p.revision,
                               limit=p.limit, name=p.config_name, param_name="sat.source")
    sampled = sat.sample_rows(frame, mode=p.sample.mode, n=p.sample.n, seed=p.sample.seed,
                              by=p.sample.by)
    logger.info("sat ingest: %d rows loaded, %d sampled", len(frame), len(sampled))
    return sampled


def validate_sat(frame: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
    """Check images, question and choices; bad or multi-image rows go to the rejects."""
    return sat.validate_sat_frame(frame, max_images=_params(params).max_images)


def build_sat_prompts(valid: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Shuffle the choices (seeded) and build VisualThinker's prompt and gold columns."""
    p = _params(params)
    return sat.build_sat_rows(
        valid,
        style=p.prompt_style,
        seed=p.choice_seed,
        shuffle=p.shuffle_choices,
        keep_all_images=p.max_images > 1,
        source=p.source,
    )


def split_sat(model_input: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """Split into train and test with the configured seed (stratified by question type)."""
    s = _params(params).split
    stratify = s.stratify_by if s.stratify_by in model_input.columns else None
    train, test = split_frame(model_input, test_fraction=s.test_fraction, seed=s.seed,
                              stratify_by=stratify, max_test=s.max_test)
    logger.info("sat split: %d train, %d test", len(train), len(test))
    return train, test


def report_sat(
    ingested: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, rejects: pd.DataFrame
) -> dict[str, Any]:
    """Counts of the run: rows loaded, kept per split and question type, rejects by reason."""
    return vqa.split_report("sat", loaded=len(ingested), splits={"train": train, "test": test},
                            rejects=rejects, by="question_type")
