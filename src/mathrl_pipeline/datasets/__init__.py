"""Custom Kedro datasets."""

from mathrl_pipeline.datasets.model_directory import ModelDirectoryDataset

__all__ = ["ModelDirectoryDataset"]
