"""`flexlake demo`: run every tenant of a folder end to end through the real Airflow DAGs, on DuckDB.

Each tenant's DAG runs with `airflow dags test` (the real scheduler loop, in one process, against the
metadata DB the UI reads too: after the demo, `make up` shows these runs). The tenants run side by side, one
process each: each tenant writes its own DuckDB file, and most of a run is one process waiting on another (the
sync's connector, dbt's threads, Airflow's task start-up), so two cores carry three tenants in about the time of
the slowest one (docs/benchmarks.md, "Demo wall time"). Progress comes from the metadata DB while the runs go;
the closing tables come from each tenant's published run summary.
"""

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flexlake import settings
from flexlake.catalog import catalog_root, read_latest_summary
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config

POLL_SECONDS = 1.0


def run_demo(folder: Path, files: list[Path]) -> int:
    tenants = _load(files)
    if not tenants:
        print(f"no valid tenant files in {folder}", file=sys.stderr)
        return 1
    log_dir = settings.DATA_DIR / "demo_logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    _prepare_metadata_db(log_dir)
    started = time.monotonic()
    outcomes = _run_side_by_side([TenantRun(tenant, log_dir) for tenant in tenants])
    print(f"\nall tenants done in {time.monotonic() - started:.0f} s\n")
    for tenant in tenants:
        print(_summary_table(tenant, outcomes[tenant.tenant_id]))
    failed = [tenant_id for tenant_id, ok in outcomes.items() if not ok]
    if failed:
        print(f"FAILED: {', '.join(failed)} (logs in {log_dir})", file=sys.stderr)
        return 1
    return 0


def _load(files: list[Path]) -> list[TenantConfig]:
    tenants: list[TenantConfig] = []
    for path in files:
        try:
            tenants.append(load_tenant_config(path))
        except TenantConfigError as error:
            print(f"skipping: {error}", file=sys.stderr)
    return tenants


def _prepare_metadata_db(log_dir: Path) -> None:
    print("preparing the Airflow metadata DB ...", flush=True)
    with (log_dir / "db_migrate.log").open("w") as log:
        subprocess.run(["airflow", "db", "migrate"], stdout=log, stderr=subprocess.STDOUT, check=True)


@dataclass
class TenantRun:
    """One tenant's `airflow dags test` process, and the tasks of its run already printed."""

    tenant: TenantConfig
    log_dir: Path
    process: "subprocess.Popen[bytes] | None" = None
    started: float = 0.0
    previous_run: int = 0
    reported: set[str] = field(default_factory=set)

    @property
    def dag_id(self) -> str:
        return f"flexlake__{self.tenant.tenant_id}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.tenant.tenant_id}.log"

    def start(self) -> None:
        tenant = self.tenant
        print(f"== {tenant.display_name} ({tenant.tenant_id}, {tenant.tier}): started", flush=True)
        self.previous_run = _latest_run_row(self.dag_id)
        self.started = time.monotonic()
        with self.log_path.open("w") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                ["airflow", "dags", "test", self.dag_id],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "FLEXLAKE_TASK_RETRIES": "0"},
            )

    def report_progress(self) -> bool:
        """Print the tasks finished since the last call; True once the process has ended."""
        assert self.process is not None
        finished = self.process.poll() is not None  # read before the tasks: the last ones are then printed too
        for task_id, state, total in _finished_tasks(self.dag_id, self.previous_run):
            if task_id not in self.reported:
                self.reported.add(task_id)
                print(f"   [{self.tenant.tenant_id}] {len(self.reported):>2}/{total} {state:<8} {task_id}", flush=True)
        if finished:
            ok = self.process.returncode == 0
            verdict = "succeeded" if ok else f"FAILED (see {self.log_path})"
            print(f"== {self.dag_id} {verdict} in {time.monotonic() - self.started:.0f} s", flush=True)
        return finished

    @property
    def ok(self) -> bool:
        return self.process is not None and self.process.returncode == 0


def _run_side_by_side(runs: list[TenantRun]) -> dict[str, bool]:
    for run in runs:
        run.start()
    waiting = list(runs)
    while waiting:
        time.sleep(POLL_SECONDS)
        waiting = [run for run in waiting if not run.report_progress()]
    return {run.tenant.tenant_id: run.ok for run in runs}


def _query_metadata_db(query: str, parameters: tuple[Any, ...]) -> list[Any]:
    database = Path(os.environ.get("AIRFLOW_HOME", "")) / "airflow.db"
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute(query, parameters).fetchall()
    except sqlite3.Error:
        return []


def _latest_run_row(dag_id: str) -> int:
    rows = _query_metadata_db("select coalesce(max(id), 0) from dag_run where dag_id = ?", (dag_id,))
    return int(rows[0][0]) if rows else 0


def _finished_tasks(dag_id: str, after_run: int) -> list[tuple[str, str, int]]:
    query = """
        select task_id, state, count(*) over () from task_instance
        where dag_id = ? and run_id = (select run_id from dag_run where dag_id = ? and id > ? order by id desc limit 1)
    """
    rows = _query_metadata_db(query, (dag_id, dag_id, after_run))
    done = {"success", "failed", "skipped", "upstream_failed"}
    return sorted(((task, state, total) for task, state, total in rows if state in done), key=lambda row: row[0])


def _summary_table(tenant: TenantConfig, ok: bool) -> str:
    root = catalog_root(settings.CATALOG_BASE_URI, tenant.tenant_id, settings.CATALOG_CONN_ID)
    summary = read_latest_summary(root)
    title = f"{tenant.display_name} ({tenant.tenant_id}) — {tenant.tier}, {'ok' if ok else 'FAILED'}"
    if summary is None:
        return f"{title}\n  no run summary published\n"
    rows = [("rows synced", _synced(summary))]
    rows.append(("dbt models", _statuses(summary["dbt"]["models"])))
    rows.append(("dbt tests", _statuses(summary["dbt"]["tests"])))
    rows.extend((f"  {name}", f"{count} rows") for name, count in sorted(summary["mart_rows"].items()))
    rows.append(("catalog", summary["location"] if summary["catalog"] else f"summary only: {summary['location']}"))
    width = max(len(label) for label, _ in rows)
    lines = [title, *(f"  {label:<{width}}  {value}" for label, value in rows)]
    return "\n".join(lines) + "\n"


def _synced(summary: dict[str, Any]) -> str:
    parts = []
    for source_name, result in sorted(summary["ingestion"].items()):
        streams = ", ".join(f"{stream['stream']} {stream['records']}" for stream in (result or {}).get("streams", []))
        parts.append(f"{source_name}: {streams or 'nothing'}")
    return "; ".join(parts)


def _statuses(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return f"{counts.get('success', 0) + counts.get('pass', 0)}/{total} ok" + (
        f" ({', '.join(f'{status} {n}' for status, n in sorted(counts.items()))})" if total else ""
    )
