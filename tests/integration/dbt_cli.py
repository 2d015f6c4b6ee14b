"""The integration tests' one dbt build harness: write raw data, run dbt on DuckDB or PostgreSQL (the product
project in include/dbt, or a tenant overlay built on it) with a private target and log path, read the result.

    duckdb_vars, fetch = duckdb_raw_warehouse(work_dir, datasets, raw_alias)  # raw data where a tenant DAG puts it
    fetch = postgres_raw_warehouse(postgres_server, datasets)                  # (or on PostgreSQL)
    build = build_project(["build", ...], target, dbt_vars, work_dir, fetch=fetch, env=env)
    build.failures(), build.models(), build.fetch("select ...")

A module builds once per warehouse in module-scoped fixtures (`--dist loadfile` keeps a module on one worker, so
its tests share them); `run_dbt` stays for commands that are not a build to read (parse, ls, compile).
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from tests.generators.raw_tables import RawDataset, write_duckdb, write_postgres

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "include" / "dbt"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
# The professional tier's threads (the profile's 1 is for a laptop): on PostgreSQL a build of the whole project is
# ~600 short queries, each waiting on the server, so one thread leaves the 2 cores mostly idle.
TEST_DBT_THREADS = 4
# The dbt commands that run nodes and so take --threads (`dbt ls`, `deps`, `parse` refuse it).
_THREADED_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot", "compile"})
# Every source system with its own staging and adapter folders (a tenant's build excludes the ones it lacks).
SOURCE_SYSTEMS = tuple(
    sorted(path.name for path in (DBT_PROJECT_DIR / "models" / "staging").iterdir() if path.is_dir())
)
_PASSED = frozenset({"success", "pass"})
LOGGER = logging.getLogger(__name__)
Fetch = Callable[[str], list[tuple[Any, ...]]]


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


def postgres_raw_warehouse(server: "PostgresServer", datasets: Mapping[str, RawDataset]) -> Fetch:
    """Each dataset written into its raw schema of the server's database (tables are replaced), as the Airbyte
    PostgreSQL destination lays a tenant out: the dbt `postgres` target builds beside them. Returns a query
    function on that database."""
    for schema, dataset in datasets.items():
        write_postgres(dataset, server.connection_kwargs, schema)
    return server.fetch


def other_systems_excluded(systems: Collection[str]) -> list[str]:
    """Selectors of the staging and adapter models of every source system a tenant lacks, for `--exclude`: a tenant
    DAG's build never runs them (their sources do not exist in its warehouse)."""
    return [
        f"path:models/{layer}/{system}"
        for system in SOURCE_SYSTEMS
        if system not in systems
        for layer in ("staging", "adapters")
    ]


@dataclass(frozen=True)
class DbtBuild:
    """One finished dbt run that a module's tests read: what dbt reported per node, how long it took, the tail of
    its output, and a query function on the warehouse it built."""

    target: str
    dbt_vars: dict[str, Any]
    work_dir: Path
    results: dict[str, str]  # unique_id -> status
    seconds: float
    output: str
    fetch: Fetch
    env: dict[str, str] | None = None

    @property
    def log(self) -> Path:
        """dbt.log: every statement dbt sent."""
        return self.work_dir / "logs" / "dbt.log"

    @cached_property
    def run_results(self) -> list[dict[str, Any]]:
        """The full entries of run_results.json (failures counts, timings, messages)."""
        results: list[dict[str, Any]] = json.loads((self.work_dir / "target" / "run_results.json").read_text())[
            "results"
        ]
        return results

    def models(self) -> set[str]:
        """Names of the models that built."""
        return {
            uid.split(".")[-1]
            for uid, status in self.results.items()
            if uid.startswith("model.") and status == "success"
        }

    def failures(self, allowed_warnings: Collection[str] | None = None) -> dict[str, str]:
        """Nodes that neither succeeded nor passed, by name (tests) or unique_id: a warning counts only when
        allowed_warnings is given and does not name it (None: every warning is allowed)."""
        return {
            uid.split(".")[2] if uid.startswith("test.") else uid: status
            for uid, status in self.results.items()
            if status not in _PASSED
            and not (status == "warn" and (allowed_warnings is None or uid.split(".")[2] in allowed_warnings))
        }


def build_project(
    command: list[str],
    target: str,
    dbt_vars: dict[str, Any],
    work_dir: Path,
    *,
    fetch: Fetch,
    env: dict[str, str] | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
    threads: int = TEST_DBT_THREADS,
) -> DbtBuild:
    """Run a dbt command that builds (`build`, `run`, `seed`) and keep what the tests read; a run that wrote no
    run_results.json fails here with dbt's output. Node failures are the tests' to assert (`failures()`)."""
    started = time.monotonic()
    result = run_dbt(command, target, dbt_vars, work_dir, env, project_dir=project_dir, threads=threads)
    seconds = time.monotonic() - started
    results = node_statuses(work_dir, result)
    LOGGER.warning("dbt %s on %s: %d nodes in %.1f s", command[0], target, len(results), seconds)
    return DbtBuild(target, dbt_vars, work_dir, results, seconds, result.stdout[-8000:], fetch, env)
