"""Nodes of the `hf_vqa` pipeline that the shared stages do not cover."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mathrl_pipeline.tasks.hf_vqa import HfVqaSource
from mathrl_pipeline.tasks.ingest import load_rows


def ingest_hf_vqa(raw: pd.DataFrame, source: HfVqaSource) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows of the preset's dataset (or any mapped one), with the task's field names, and
    where they came from (the preset, its Hub id and revision, or the mirror)."""
    rows, origin = load_rows(raw, source.load(), "hf_vqa")
    return rows, {"preset": source.preset, **origin}
