"""The run report: one self-contained HTML page (plots inlined) from tables, images, metadata."""

from __future__ import annotations

import base64
import html
import io
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

_STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
    "th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee;margin:4px 0}"
    "pre{background:#f7f7f7;padding:8px;white-space:pre-wrap;font-size:12px}"
)


def image_png(image: Any) -> bytes:
    """PNG bytes of a ``PIL.Image`` (a rendered plot, see ``plots.figure_image``)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _img(image: Any, alt: str) -> str:
    data = base64.b64encode(image_png(image)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/>'


def _table(frame: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    if frame is None or frame.empty:
        return "<p><em>none</em></p>"
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else floatfmt.format(v))
    return shown.to_html(index=False, escape=True, border=0)


def _samples_html(samples: pd.DataFrame, max_chars: int = 600) -> str:
    if samples is None or samples.empty:
        return "<p><em>none</em></p>"
    parts = []
    for _, row in samples.iterrows():
        response = str(row["response"])
        if len(response) > max_chars:
            response = response[:max_chars] + " ..."
        parts.append(
            f"<p><b>{html.escape(str(row['id']))}</b> ({html.escape(str(row.get('model', '')))},"
            f" {html.escape(str(row['style']))}) correct={bool(row['correct'])},"
            f" gold=<code>{html.escape(str(row['gold']))}</code>,"
            f" extracted=<code>{html.escape(str(row['extracted']))}</code>,"
            f" length={int(row['length'])}</p><pre>{html.escape(response)}</pre>"
        )
    return "\n".join(parts)


def best_and_worst(samples: pd.DataFrame, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best (correct, well formatted, shortest) and worst (wrong, then longest) greedy samples."""
    greedy = samples[samples["mode"] == "greedy"]
    if greedy.empty:
        return greedy, greedy
    ranked = greedy.assign(
        _score=greedy["correct"].astype(int) * 2 + greedy["format_ok"].astype(int)
    )
    best = ranked.sort_values(["_score", "length"], ascending=[False, True]).head(n)
    worst = ranked.sort_values(["_score", "length"], ascending=[True, False]).head(n)
    return best.drop(columns="_score"), worst.drop(columns="_score")


def build_html_report(
    title: str,
    comparison: pd.DataFrame,
    benchmarks: Mapping[str, Any],
    plots: Mapping[str, Any],
    *,
    samples: pd.DataFrame,
    metadata: Mapping[str, Any],
    parameters: Mapping[str, Any],
    n_examples: int = 3,
    extra_html: str = "",
) -> str:
    """The report page: run metadata, comparison table, benchmark scores, plots (``PIL`` images
    by name), samples, parameters."""
    overall = comparison[comparison["breakdown"] == "all"] if len(comparison) else comparison
    best, worst = best_and_worst(samples, n_examples)
    meta_rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in metadata.items()
    )
    images = "\n".join(
        f"<h3>{html.escape(name)}</h3>{_img(image, name)}" for name, image in plots.items()
    )
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"/><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Generated {generated}.</p>
<h2>Run</h2><table>{meta_rows}</table>
<h2>Before / after (overall, greedy; pass@k from samples)</h2>
{_table(overall)}
<h2>Benchmark scores (each benchmark's own definition)</h2>
<pre>{html.escape(json.dumps(benchmarks, indent=2, sort_keys=True, default=str))}</pre>
<h2>Plots</h2>
{images}
{extra_html}
<h2>Breakdowns</h2>
{_table(comparison)}
<h2>Best samples</h2>
{_samples_html(best)}
<h2>Worst samples</h2>
{_samples_html(worst)}
<h2>Parameters</h2>
<pre>{html.escape(json.dumps(parameters, indent=2, sort_keys=True, default=str))}</pre>
</body></html>
"""
