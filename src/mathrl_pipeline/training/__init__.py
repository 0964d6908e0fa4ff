"""GRPO training on vision-language models with TRL (plain library; no Kedro imports).

Importing this package is cheap: torch, transformers and TRL load inside the functions of
``runner`` and ``pretrain``; ``config`` and ``plots`` need neither. Model loading, processors and
the tiny model are in ``mathrl_pipeline.models``.
"""
