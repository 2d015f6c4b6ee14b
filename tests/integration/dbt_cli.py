"""The dbt command line against the product project (include/dbt) or a tenant overlay project built on it,
with a private target and log path."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from tests.generators.raw_tables import RawDataset, write_duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "include" / "dbt"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
# The professional tier's threads (the profile's 1 is for a laptop): on PostgreSQL a build of the whole project is
# ~600 short queries, each waiting on the server, so one thread leaves the 2 cores mostly idle.
TEST_DBT_THREADS = 4
# The dbt commands that run nodes and so take --threads (`dbt ls`, `deps`, `parse` refuse it).
_THREADED_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot", "compile"})


def run_dbt(
    command: list[str],
    target: str,
    dbt_vars: dict[str, Any],
    work_dir: Path,
    env: dict[str, str] | None = None,
    *,
    project_dir: Path = DBT_PROJECT_DIR,
    threads: int = TEST_DBT_THREADS,
) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` on `target` with `dbt_vars`; artifacts and logs under work_dir (tests never share them).
    `project_dir` is the product, or an overlay (installed with install_overlay); profiles are the product's."""
    args = [
        str(DBT_EXECUTABLE), *command, *(["--threads", str(threads)] if command[0] in _THREADED_COMMANDS else []),
        "--project-dir", str(project_dir), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", target, "--vars", json.dumps(dbt_vars),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    return subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False, timeout=600
    )


def install_overlay(source: Path, destination: Path) -> Path:
    """Copy an overlay project (without build output) and `dbt deps` it against this checkout's product."""
    shutil.copytree(
        source, destination, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "package-lock.yml")
    )
    result = subprocess.run(
        [str(DBT_EXECUTABLE), "deps", "--project-dir", str(destination), "--profiles-dir", str(DBT_PROJECT_DIR)],
        capture_output=True, text=True, cwd=destination, check=False, timeout=300,
        env={**os.environ, "FLEXLAKE_DBT_PROJECT_DIR": str(DBT_PROJECT_DIR)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return destination


def node_statuses(work_dir: Path, result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """unique_id -> status from the run's run_results.json; a run that wrote none fails with dbt's output."""
    run_results = work_dir / "target" / "run_results.json"
    assert run_results.exists(), result.stdout[-5000:] + result.stderr[-2000:]
    return {r["unique_id"]: r["status"] for r in json.loads(run_results.read_text())["results"]}


def duckdb_raw_warehouse(
    work_dir: Path, datasets: Mapping[str, RawDataset], raw_alias: str, *, upper_case: bool = False
) -> tuple[dict[str, Any], Callable[[str], list[tuple[Any, ...]]]]:
    """Each dataset (by raw schema) written into one raw DuckDB file beside a warehouse file, as the DAG lays a
    tenant out: the dbt vars that attach the raw file read-only and build into the warehouse file, and a
    read-only query function on the warehouse."""
    raw_file, warehouse = work_dir / "raw.duckdb", work_dir / "warehouse.duckdb"
    for schema, dataset in datasets.items():
        write_duckdb(dataset, str(raw_file), schema, upper_case=upper_case)
    dbt_vars = {
        "flexlake_duckdb_path": str(warehouse),
        "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": raw_alias}],
    }

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    return dbt_vars, fetch
