"""Published catalog versions written by flexlake.catalog's own functions, for the portal's tests.

Each run stages a dbt run_results.json (as a dbt task does), then publish_run writes the version, its summary
and `latest`, exactly as the publish_catalog task would; the docs page carries the tenant's id so a test can see
whose catalog a page shows.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

from airflow.sdk import ObjectStoragePath
from flexlake.catalog.publish import publish_run, run_key, stage_run_results
from flexlake.ingestion.base import StreamStats, SyncResult


@dataclass(frozen=True)
class SampleRun:
    run_id: str
    users: int
    purchases: int
    failed_tests: int = 0


def docs_marker(tenant_id: str) -> str:
    return f"dbt docs of {tenant_id}"


def publish_sample_runs(root: ObjectStoragePath, scratch: Path, tenant_id: str, runs: list[SampleRun]) -> list[str]:
    """Publish each run in order (a second apart: version names carry the second); returns the version names."""
    docs = scratch / f"{tenant_id}_docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "static_index.html").write_text(f"<html><body><h1>{docs_marker(tenant_id)}</h1></body></html>")
    (docs / "manifest.json").write_text(json.dumps({"secret_marker": f"manifest of {tenant_id}"}))
    versions = []
    for index, run in enumerate(runs):
        if index:
            time.sleep(1.01)
        key = run_key(run.run_id)
        _stage(root, scratch / f"{tenant_id}_{index}", key, run.failed_tests)
        sync = SyncResult(
            source_name="shop",
            engine="embedded",
            streams=(StreamStats("users", run.users), StreamStats("purchases", run.purchases)),
            duration_seconds=3.5,
        )
        summary = {"tenant_id": tenant_id, "run_id": run.run_id, "ingestion": {"shop": sync.to_dict()}}
        versions.append(publish_run(root, key, summary, docs).name)
    return versions


def _stage(root: ObjectStoragePath, project: Path, key: str, failed_tests: int) -> None:
    results = [
        {"unique_id": "model.flexlake.dim_customers", "status": "success", "execution_time": 1.5},
        {"unique_id": "model.flexlake.fct_orders", "status": "success", "execution_time": 2.0},
        {"unique_id": "test.flexlake.unique_orders", "status": "pass", "execution_time": 0.25},
        {"unique_id": "test.flexlake.freshness_warn", "status": "warn", "execution_time": 0.25},
        *(
            {"unique_id": f"test.flexlake.failing_{n}", "status": "fail", "execution_time": 0.1}
            for n in range(failed_tests)
        ),
    ]
    (project / "target").mkdir(parents=True)
    (project / "target" / "run_results.json").write_text(json.dumps({"metadata": {}, "results": results}))
    stage_run_results(project, root / "runs" / key / "run_results", "dbt_build")
