"""A real dbt invocation with `--no-write-json`: no manifest on disk, and the run results written from memory
are the ones dbt would have written (what the catalog stages for every dbt task)."""

import json
import shutil
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner
from flexlake.dag_factory.dbt_results_only import NO_WRITE_JSON_FLAG, RUN_RESULTS_FILE, write_run_results

from tests.integration.dbt_cli import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration


def test_run_results_are_written_from_memory_while_dbt_writes_no_manifest(tmp_path: Path) -> None:
    """`dbt seed --select countries --no-write-json` leaves no manifest.json; write_run_results writes a
    run_results.json (dbt's schema) naming the seed as a success."""
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    dbt_vars = {"flexlake_duckdb_path": str(tmp_path / "warehouse.duckdb"), "flexlake_schema_prefix": "results"}
    args = ["seed", "--select", "countries", "--project-dir", str(project), "--profiles-dir", str(project)]
    result = dbtRunner().invoke([*args, "--target", "duckdb", "--vars", json.dumps(dbt_vars), NO_WRITE_JSON_FLAG])
    assert result.success, result.exception
    assert not (project / "target" / "manifest.json").exists(), "--no-write-json must keep dbt from writing it"
    assert not (project / RUN_RESULTS_FILE).exists(), "dbt itself writes no run results with --no-write-json"

    assert write_run_results(result, project) is True
    document = json.loads((project / RUN_RESULTS_FILE).read_text())
    assert document["metadata"]["dbt_schema_version"].endswith("/run-results/v6.json"), document["metadata"]
    statuses = {entry["unique_id"]: entry["status"] for entry in document["results"]}
    assert statuses.get("seed.flexlake.countries") == "success", statuses


def test_a_dbt_failure_before_any_node_ran_writes_no_run_results(tmp_path: Path) -> None:
    """dbt that cannot start (here: no project) returns no results, and nothing is written: the catalog then
    logs that the task staged nothing, as it did when dbt wrote no run_results.json."""
    result = dbtRunner().invoke(["seed", "--project-dir", str(tmp_path / "missing"), NO_WRITE_JSON_FLAG])
    assert not result.success
    assert write_run_results(result, tmp_path) is False
    assert not (tmp_path / RUN_RESULTS_FILE).exists()
