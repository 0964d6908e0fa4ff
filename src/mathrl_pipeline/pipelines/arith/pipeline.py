"""The `arith` pipeline: generate -> render -> prompts -> held-out split, + pre-training corpus."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_arith_pretrain_corpus,
    build_arith_prompts,
    generate_arith,
    render_arith,
    split_arith,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Rendered arithmetic for the embedded default, and the base model's pre-training corpus."""
    return Pipeline(
        [
            Node(generate_arith, "params:arith", "arith_raw", name="generate_arith"),
            Node(render_arith, ["arith_raw", "params:arith"],
                 ["arith_rendered", "arith_rejects"], name="render_arith"),
            Node(build_arith_prompts, ["arith_rendered", "params:arith"],
                 "arith_model_input", name="build_arith_prompts"),
            Node(split_arith, ["arith_model_input", "params:arith"],
                 ["arith_train", "arith_test"], name="split_arith"),
            Node(build_arith_pretrain_corpus, ["arith_rendered", "params:arith"],
                 "arith_pretrain_corpus", name="build_arith_pretrain_corpus"),
        ],
        tags=["data", "arith"],
    )
