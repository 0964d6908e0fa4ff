"""Nodes of the `hf_vqa` pipeline that the shared stages do not cover."""

from __future__ import annotations

import pandas as pd

from mathrl_pipeline.tasks.hf_vqa import HfVqaSource
from mathrl_pipeline.tasks.ingest import load_rows


def ingest_hf_vqa(raw: pd.DataFrame, source: HfVqaSource) -> pd.DataFrame:
    """The rows of the preset's dataset (or any mapped one), with the task's field names."""
    return load_rows(raw, source.load(), "hf_vqa")
