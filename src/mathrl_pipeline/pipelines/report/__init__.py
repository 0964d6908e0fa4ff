"""The `report` pipeline: training curves and before/after evaluation into `08_reporting`."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
