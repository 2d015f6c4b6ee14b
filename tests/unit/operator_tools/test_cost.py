"""`flexlake cost`: per-tenant sums over the run summaries the catalog's own publish_run wrote."""

import json
from datetime import date
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath
from flexlake import settings
from flexlake.catalog.publish import VERSION_TIME_FORMAT as PUBLISHED_VERSION_FORMAT
from flexlake.catalog.publish import catalog_root, publish_run, stage_run_results
from flexlake.cli import main
from flexlake.ingestion.base import StreamStats, SyncResult
from flexlake.operator_tools.cost import VERSION_TIME_FORMAT, catalog_base, tenant_costs


def _publish(
    tmp: Path, base_uri: str, tenant_id: str, key: str, *, records: int, sync_seconds: float, dbt_seconds: float
) -> ObjectStoragePath:
    """One run as publish_tenant_run publishes it: a staged dbt result, the ingestion XCom per source, the summary."""
    root = catalog_root(base_uri, tenant_id)
    project = tmp / "projects" / tenant_id / key
    (project / "target").mkdir(parents=True)
    (project / "target" / "run_results.json").write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.flexlake.fct_orders", "status": "success", "execution_time": dbt_seconds}
                ]
            }
        )
    )
    stage_run_results(project, root / "runs" / key / "run_results", "dbt_transform.fct_orders")
    sync = SyncResult("shop", "embedded", (StreamStats("users", records),), sync_seconds).to_dict()
    summary = {"tenant_id": tenant_id, "tier": "starter", "ingestion": {"shop": sync, "other": None}, "mart_rows": {}}
    return publish_run(root, key, summary, None)


@pytest.fixture
def base_uri(tmp_path: Path) -> str:
    """Two tenants: acme with two runs, beta with one, all published by the catalog's publish_run."""
    uri = (tmp_path / "catalog").as_uri()
    _publish(tmp_path, uri, "acme", "run_1", records=100, sync_seconds=2.5, dbt_seconds=4.0)
    _publish(tmp_path, uri, "acme", "run_2", records=50, sync_seconds=1.5, dbt_seconds=6.0)
    _publish(tmp_path, uri, "beta", "run_1", records=7, sync_seconds=0.5, dbt_seconds=1.0)
    return uri


def test_cost_sums_runs_sync_and_dbt_seconds_and_rows_per_tenant(
    base_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """acme: 2 runs, 150 rows, 4 s sync + 10 s dbt = 14 task seconds; beta on its own row."""
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", base_uri)
    costs = {cost.tenant_id: cost for cost in tenant_costs(catalog_base())}
    assert sorted(costs) == ["acme", "beta"], costs
    acme = costs["acme"]
    assert (acme.runs, acme.rows_synced) == (2, 150), acme
    assert (acme.sync_seconds, acme.dbt_seconds, acme.task_seconds) == (4.0, 10.0, 14.0), acme
    assert costs["beta"].rows_synced == 7 and costs["beta"].runs == 1, costs["beta"]


def test_cost_of_one_tenant_since_a_date_skips_older_versions(base_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A version published in 2020 (its folder name says so) is outside --since 2021-01-01."""
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", base_uri)
    root = catalog_root(base_uri, "acme")
    newest = sorted(p.name for p in root.iterdir() if "__" in p.name)[-1]
    (root / newest).rename(root / f"20200101T000000Z__{newest.split('__', 1)[1]}")
    costs = tenant_costs(catalog_base(), "acme", date(2021, 1, 1))
    assert len(costs) == 1 and costs[0].runs == 1, costs
    assert [cost.runs for cost in tenant_costs(catalog_base(), "acme")] == [2], "without --since both runs count"


def test_cost_prints_a_table_or_csv_and_exits_1_when_nothing_was_published(
    base_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--csv: a header and one line per tenant; the table names its columns; an empty catalog is exit 1."""
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", base_uri)
    assert main(["cost", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "tenant,runs,first_run,last_run,task_seconds,sync_seconds,dbt_seconds,rows_synced", lines
    assert lines[1].startswith("acme,2,") and lines[1].endswith(",14.0,4.0,10.0,150"), lines
    assert main(["cost", "--tenant", "beta"]) == 0
    table = capsys.readouterr().out
    assert "task_seconds" in table and "beta" in table and "acme" not in table, table
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", (tmp_path / "empty").as_uri())
    assert main(["cost"]) == 1
    assert "no published run summaries" in capsys.readouterr().err


def test_the_version_folder_format_is_the_catalogs() -> None:
    """cost parses version names with a copy of the catalog's format (importing it would import Airflow)."""
    assert VERSION_TIME_FORMAT == PUBLISHED_VERSION_FORMAT
