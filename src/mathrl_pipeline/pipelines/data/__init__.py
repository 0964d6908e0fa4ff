"""The stages every task pipeline shares: ingest, render, split, rejects, report."""
