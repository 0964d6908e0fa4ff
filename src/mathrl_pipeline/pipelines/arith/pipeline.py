"""The `arith` pipeline: generate -> render -> canvas -> prompts -> held-out split, + corpus."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.arith import (
    build_arith_rows,
    build_pretrain_corpus,
    generate_arith,
    place_renders,
)

from ..data.pipeline import rejects_node, render_node, report_node, split_node, task_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    """Rendered arithmetic for the embedded default, and the base model's pre-training corpus."""
    return task_pipeline("arith", [
        Node(generate_arith, ["params:arith.problems", "params:arith.pretrain"], "arith_raw",
             name="generate_arith"),
        render_node("arith", "arith_raw"),
        Node(place_renders, ["arith_rendered", "params:arith.canvas", "params:arith.problems"],
             ["arith_placed", "arith_rejects_canvas"], name="place_arith_renders"),
        Node(build_arith_rows, ["arith_placed", "params:arith.prompt"], "arith_model_input",
             name="build_arith_prompts"),
        split_node("arith"),
        Node(build_pretrain_corpus, ["arith_placed", "params:arith.pretrain",
                                     "params:arith.prompt", "params:arith.problems"],
             "arith_pretrain_corpus", name="build_arith_pretrain_corpus"),
        rejects_node("arith", ["render", "canvas"]),
        report_node("arith", "arith_raw", ["train", "test"], by="topic"),
    ])
