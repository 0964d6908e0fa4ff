"""GRPO training on vision-language models with TRL (plain library; no Kedro imports).

Importing this package is cheap: torch, transformers and TRL load inside the functions of
``runner``, ``model_source`` and ``tiny_model``; ``config`` and ``plots`` need neither.
"""
