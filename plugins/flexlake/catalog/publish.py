"""Publish a tenant's run: dbt artifacts, static docs and a summary, as a versioned folder per run.

Layout under the base location (any Airflow ObjectStoragePath: file://, s3://, ...):

    <base>/<tenant>/runs/<run_key>/run_results/<task>.json   staged by each dbt task as it finishes
    <base>/<tenant>/<version>/                                manifest.json, catalog.json, run_results.json,
                                                              index.html, static_index.html, summary.json
    <base>/<tenant>/latest                                    the newest version's name, written last

Old versions are pruned after each publish, per tier (retention.py).

Each dbt task stages its own run_results because with one Airflow task per model there is no single
build whose results could be kept, and `dbt docs generate` would overwrite them anyway. Staging goes to
the same object storage as the catalog, so it works when tasks run on different workers.
"""

import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

log = logging.getLogger(__name__)

DOCS_FILES = ("manifest.json", "catalog.json", "index.html", "static_index.html")
LATEST_POINTER = "latest"
RUNS_FOLDER = "runs"
# A version folder is `<this UTC timestamp>__<run key>`: sortable by name, and retention reads its age from it.
VERSION_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def catalog_root(base_uri: str, tenant_id: str, conn_id: str | None = None) -> ObjectStoragePath:
    return ObjectStoragePath(base_uri.rstrip("/") + "/", conn_id=conn_id) / tenant_id


def run_key(run_id: str) -> str:
    """A run id (`manual__2026-11-26T16:00:00+00:00`) as a path segment safe on every object store.

    Never `.` or `..` (a manual run id may be anything Airflow's pattern allows): those fall back to a hash.
    """
    key = re.sub(r"[^A-Za-z0-9_.-]+", "-", run_id).strip("-.")
    return key or "run-" + hashlib.sha256(run_id.encode()).hexdigest()[:12]


def stage_run_results(project_dir: Path, staging: ObjectStoragePath, task_id: str) -> None:
    """Keep one dbt task's run_results.json before anything can overwrite it."""
    source = project_dir / "target" / "run_results.json"
    if not source.exists():
        log.warning("dbt wrote no run_results.json in %s; nothing staged for %s", project_dir, task_id)
        return
    staging.mkdir(parents=True, exist_ok=True)
    (staging / f"{task_id}.json").write_text(source.read_text(encoding="utf-8"))


def merge_run_results(staging: ObjectStoragePath) -> dict[str, Any]:
    """One run_results.json for the whole build, from the results every dbt task staged.

    A node can have several (the run's `dbt build` failed it, a retry of its task built it again): the one that
    completed last is the node's result; one that never ran (skipped) gives way to any that did."""
    latest: dict[str, dict[str, Any]] = {}
    metadata: dict[str, Any] = {}
    elapsed = 0.0
    if staging.exists():
        for path in sorted(staging.iterdir(), key=lambda p: p.name):
            document = json.loads(path.read_text())
            metadata = metadata or document.get("metadata", {})
            for result in document.get("results", []):
                key = str(result.get("unique_id", ""))
                if key not in latest or _completed_at(result) >= _completed_at(latest[key]):
                    latest[key] = result
            elapsed += float(document.get("elapsed_time", 0.0))
    return {"metadata": metadata, "results": list(latest.values()), "elapsed_time": elapsed, "args": {}}


def _completed_at(result: dict[str, Any]) -> str:
    """When dbt finished the node (ISO time, comparable as text); "" for a node it never ran."""
    timings = [t.get("completed_at") or "" for t in result.get("timing") or ()]
    return max(timings, default="")


def summarize_dbt(run_results: dict[str, Any]) -> dict[str, Any]:
    """Models built and tests passed, with the slowest nodes: what an operator checks first."""
    counts: dict[str, dict[str, int]] = {"model": {}, "test": {}, "seed": {}, "snapshot": {}}
    timings: list[tuple[str, float]] = []
    for result in run_results["results"]:
        unique_id = str(result.get("unique_id", ""))
        resource_type = unique_id.split(".", 1)[0]
        status = str(result.get("status", "unknown"))
        bucket = counts.setdefault(resource_type, {})
        bucket[status] = bucket.get(status, 0) + 1
        timings.append((unique_id, round(float(result.get("execution_time", 0.0)), 3)))
    slowest = sorted(timings, key=lambda item: item[1], reverse=True)[:10]
    return {
        "models": counts["model"],
        "tests": counts["test"],
        "execution_seconds": round(sum(seconds for _, seconds in timings), 3),
        "slowest": [{"unique_id": uid, "seconds": seconds} for uid, seconds in slowest],
    }


def publish_run(
    root: ObjectStoragePath,
    key: str,
    summary: dict[str, Any],
    docs_dir: Path | ObjectStoragePath | None,
) -> ObjectStoragePath:
    """Write the version folder, then the `latest` pointer, so readers never see a half-written version."""
    staging = root / RUNS_FOLDER / key / "run_results"
    run_results = merge_run_results(staging)
    version = f"{datetime.now(UTC).strftime(VERSION_TIME_FORMAT)}__{key}"
    target = root / version
    target.mkdir(parents=True, exist_ok=True)
    (target / "run_results.json").write_text(json.dumps(run_results, indent=1))
    if docs_dir is not None:
        for name in DOCS_FILES:
            source = docs_dir / name
            if source.exists():
                (target / name).write_bytes(source.read_bytes())
    full_summary = {**summary, "version": version, "dbt": summarize_dbt(run_results), "location": str(target)}
    (target / "summary.json").write_text(json.dumps(full_summary, indent=2, sort_keys=True))
    (root / LATEST_POINTER).write_text(version)
    log.info("published catalog version %s to %s", version, target)
    return target


def read_latest_summary(root: ObjectStoragePath) -> dict[str, Any] | None:
    pointer = root / LATEST_POINTER
    if not pointer.exists():
        return None
    summary: dict[str, Any] = json.loads((root / pointer.read_text().strip() / "summary.json").read_text())
    return summary
