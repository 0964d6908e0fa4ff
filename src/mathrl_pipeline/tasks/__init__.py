"""Task-level helpers shared by the data pipelines: prompt templates, the GRPO dataset schema,
seeded splits and the embedded problem generators. Plain Python: no Kedro, no torch."""
