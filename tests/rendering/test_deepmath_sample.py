"""The 550 real DeepMath questions: at least 99% render, the rest carry a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items, render_stats


@pytest.mark.shared_data
def test_deepmath_sample_renders(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "deepmath_sample.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    items = [RenderItem(str(r["hf_row_index"]), r["question"]) for r in rows]
    results = render_items(items, RenderConfig(workers=2), tmp_path)
    stats = render_stats(results)
    assert stats["total"] == 550
    assert stats["rate"] >= 0.99, stats["by_reason"]
    for result in results:
        if result.ok:
            assert result.png and result.width == 750 and result.height > 20
        else:
            assert result.reason and result.stage
