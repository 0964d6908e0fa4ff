"""The report's "aha" section: reflection and self-correction before / after GRPO, with real
completions (the base model's and the trained model's on the same held-out problems, and the
earliest rewarded self-correction during training)."""

from __future__ import annotations

import html
import math

import pandas as pd

from mathrl_pipeline.evaluation.self_correction import AHA_INPUT_COLUMNS, aha_table, self_corrected

# Columns of the section's table, in order.
AHA_COLUMNS: tuple[str, ...] = (
    "model", "mode", "n_responses", "reflection_rate", "accuracy", "accuracy_reflecting",
    "accuracy_not_reflecting", "first_wrong_rate", "correction_rate", "mean_length",
)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3f}"
    return html.escape(str(value))


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def _pre(title: str, text: object) -> str:
    return f"<p>{title}</p><pre>{html.escape(str(text))}</pre>"


def _own_prompt(samples: pd.DataFrame) -> pd.DataFrame:
    """Rows answering the split's own prompt (``keep``), else every row."""
    if "style" in samples.columns and (samples["style"] == "keep").any():
        return samples[samples["style"] == "keep"]
    return samples


def before_after_pairs(base: pd.DataFrame, trained: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Greedy responses of both models to the held-out rows where the trained model corrected
    itself (else reflected), at most ``n``: columns id, gold, before, after."""
    before = _own_prompt(base[base["mode"] == "greedy"]).set_index("id")
    after = _own_prompt(trained[trained["mode"] == "greedy"])
    corrected = [
        self_corrected(r, g, bool(c))
        for r, g, c in zip(after["response"], after["gold"], after["correct"], strict=True)
    ]
    reflecting = (after["reflection_count"] > 0).tolist()
    order = sorted(range(len(after)), key=lambda i: (not corrected[i], not reflecting[i]))
    picked = [i for i in order if corrected[i] or reflecting[i]][:n]
    rows = []
    for i in picked:
        row = after.iloc[i]
        previous = before["response"].get(row["id"]) if row["id"] in before.index else None
        rows.append({"id": row["id"], "gold": row["gold"], "before": previous,
                     "after": row["response"], "corrected": corrected[i]})
    return pd.DataFrame(rows, columns=["id", "gold", "before", "after", "corrected"])


def earliest_self_correction(train_samples: pd.DataFrame | None) -> pd.Series | None:
    """The training sample written at the earliest step for a rewarded self-correction."""
    if train_samples is None or train_samples.empty or "kind" not in train_samples.columns:
        return None
    found = train_samples[train_samples["kind"] == "self_correction"]
    return None if found.empty else found.sort_values("step").iloc[0]


def aha_section_html(
    base: pd.DataFrame, trained: pd.DataFrame, train_samples: pd.DataFrame | None,
    labels: tuple[str, str] = ("base", "trained"),
) -> str:
    """The section: metrics table (own prompt, greedy and sampled), completions before / after."""
    if not set(AHA_INPUT_COLUMNS) <= set(base.columns) & set(trained.columns):
        return ""
    both = pd.concat([_own_prompt(base).assign(model=labels[0]),
                      _own_prompt(trained).assign(model=labels[1])], ignore_index=True)
    table = aha_table(both, ("model", "mode"))
    parts = [
        "<h2>Reflection and self-correction (held-out rows, the split's own prompt)</h2>",
        "<p>reflection: a marker of <code>rewards/reflection.py</code> (wait, check, verify, "
        "...); first_wrong: the first stated result is wrong; correction: a wrong first result, "
        "the gold value stated later and a right answer (<code>evaluation/self_correction.py"
        "</code>). Curves over training: the aha_moment plot.</p>",
        _table(table[[c for c in AHA_COLUMNS if c in table.columns]]),
    ]
    first = earliest_self_correction(train_samples)
    parts.append("<h3>Earliest rewarded self-correction during GRPO</h3>")
    if first is None:
        parts.append("<p><em>none recorded</em></p>")
    else:
        parts.append(_pre(f"step {int(first['step'])}, gold {html.escape(str(first['solution']))},"
                          f" reward {float(first['reward']):.2f}", first["completion"]))
    parts.append("<h3>The same held-out problems before and after GRPO (greedy)</h3>")
    pairs = before_after_pairs(base, trained)
    if pairs.empty:
        parts.append("<p><em>no reflecting response after GRPO</em></p>")
    for row in pairs.itertuples(index=False):
        parts.append(f"<p><b>{html.escape(str(row.id))}</b> gold {html.escape(str(row.gold))}"
                     f"{' (self-corrected)' if row.corrected else ''}</p>")
        parts.append(_pre(labels[0], row.before) + _pre(labels[1], row.after))
    prior = _own_prompt(base)
    prior = prior[(prior["mode"] == "sample") & (prior["reflection_count"] > 0)].head(2)
    parts.append(f"<h3>The prior: {labels[0]} responses that reflect (sampled, T = 1)</h3>")
    if prior.empty:
        parts.append("<p><em>none</em></p>")
    for row in prior.itertuples(index=False):
        parts.append(_pre(f"{html.escape(str(row.id))}, gold {html.escape(str(row.gold))}, "
                          f"correct={bool(row.correct)}", row.response))
    return "\n".join(parts)
