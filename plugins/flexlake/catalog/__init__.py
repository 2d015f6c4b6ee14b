"""Publishing a tenant's dbt artifacts, docs and run summary to object storage, and reading them back."""

from flexlake.catalog.publish import (
    catalog_root,
    merge_run_results,
    publish_run,
    read_latest_summary,
    run_key,
    stage_run_results,
)
from flexlake.catalog.retention import CATALOG_RETENTION, CatalogRetention, prune_catalog

__all__ = [
    "CATALOG_RETENTION",
    "CatalogRetention",
    "catalog_root",
    "merge_run_results",
    "prune_catalog",
    "publish_run",
    "read_latest_summary",
    "run_key",
    "stage_run_results",
]
