"""Custom Kedro datasets (previews for kedro-viz in previews.py)."""

from mathrl_pipeline.datasets.model_directory import ModelDirectoryDataset
from mathrl_pipeline.datasets.previews import (
    HTMLTextDataset,
    ImageParquetDataset,
    PreviewImageDataset,
    TableParquetDataset,
)
from mathrl_pipeline.datasets.sliced_parquet import SlicedParquetDataset

__all__ = [
    "HTMLTextDataset",
    "ImageParquetDataset",
    "ModelDirectoryDataset",
    "PreviewImageDataset",
    "SlicedParquetDataset",
    "TableParquetDataset",
]
