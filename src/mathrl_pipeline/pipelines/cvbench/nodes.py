"""Nodes of the `cvbench` pipeline: thin adapters over `mathrl_pipeline.tasks.cvbench`."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from mathrl_pipeline.tasks import cvbench, vqa

from .params import CvBenchParams

logger = logging.getLogger(__name__)


def _params(params: dict[str, Any]) -> CvBenchParams:
    return CvBenchParams.model_validate(params)


def generate_cvbench_raw(params: dict[str, Any]) -> pd.DataFrame:
    """Synthetic rows in CV-Bench's schema (an empty frame when the source is not embedded)."""
    p = _params(params)
    if p.source != vqa.EMBEDDED:
        return pd.DataFrame(columns=[*cvbench.CVBENCH_COLUMNS, "scene_description"])
    return cvbench.generate_cvbench_frame(p.embedded.count, seed=p.embedded.seed,
                                          malformed_rows=p.embedded.malformed_rows)


def ingest_cvbench(raw: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Load the source: the embedded rows, `nyu-visionx/CV-Bench` or a local file."""
    p = _params(params)
    return vqa.resolve_source(raw, p.source, split=p.hf_split, revision=p.revision,
                              limit=p.limit, name=p.config_name, param_name="cvbench.source")


def validate_cvbench(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check image, question, choices and answer letter; bad rows go to the rejects."""
    return cvbench.validate_cvbench_frame(frame)


def build_cvbench_prompts(valid: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The evaluation rows: prompt in the chosen style, `<answer>(X)</answer>` gold."""
    return cvbench.build_cvbench_rows(valid, style=_params(params).prompt_style)


def report_cvbench(ingested: pd.DataFrame, test: pd.DataFrame,
                   rejects: pd.DataFrame) -> dict[str, Any]:
    """Counts of the run: rows loaded, kept per CV-Bench task, rejects by reason."""
    return vqa.split_report("cvbench", loaded=len(ingested), splits={"test": test},
                            rejects=rejects, by="question_type")
