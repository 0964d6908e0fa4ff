"""mathrl_pipeline: R1-Zero-style GRPO on vision-language models, as Kedro pipelines."""

__version__ = "0.1.0"
