"""`flexlake plan`: what a tenant file will create, from the DAG factory and provisioning, writing nothing.

Renders from the prebuilt product manifest (`flexlake manifest`), like the DAG tests; no dbt run, no database.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from flexlake import settings
from flexlake.catalog.publish import catalog_root, publish_run, stage_run_results
from flexlake.cli import main
from flexlake.tenant_config import load_tenant_config
from flexlake.warehouses import get_warehouse

DEMO_TENANTS = Path(__file__).resolve().parents[3] / "tenant_configs"
POSTGRES_SHOPIFY = """\
tenant_id: pgco
display_name: PG Co
tier: starter
warehouse: {type: postgres, connection_id: pg_conn, database: analytics}
sources:
  - {name: eu, system: shopify, shop: example-eu, credentials_connection_id: pgco_eu, start_date: 2025-01-01}
  - {name: shop, system: faker}
airbyte: {connection_id: airbyte_default}
"""


@pytest.fixture(autouse=True)
def catalog_base_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test's own catalog base: plan reads the last published run there, never the repository's data dir."""
    base_uri = (tmp_path / "catalog").as_uri()
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", base_uri)
    return base_uri


def _plan_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, Any, str]:
    exit_code = main(["plan", str(path), "--json"])
    captured = capsys.readouterr()
    return exit_code, json.loads(captured.out), captured.err


def _listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_plan_of_a_demo_tenant_names_dag_schedule_models_pass_through_and_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """acme_outdoor: its DAG and schedule, the subscriptions models removed (no stripe), its pass-through
    columns, the provisioning SQL `provision --dry-run` prints; neither the tenant folder nor the data dir changes."""
    folder = tmp_path / "tenants"
    folder.mkdir()
    (folder / "acme_outdoor.yaml").write_text((DEMO_TENANTS / "acme_outdoor.yaml").read_text(encoding="utf-8"))
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    before = _listing(tmp_path)
    exit_code, document, err = _plan_json(capsys, folder / "acme_outdoor.yaml")
    assert exit_code == 0, err
    [plan] = document["tenants"]
    assert (plan["dag_id"], plan["schedule"]) == ("flexlake__acme_outdoor", "@hourly"), plan
    assert plan["task_count"] > len(plan["models_built"]) > 20, plan
    assert {"mart_mrr_monthly", "fct_subscriptions"} <= set(plan["models_removed"]), plan["models_removed"]
    assert "mart_revenue_daily" in plan["models_built"] and plan["models_added"] == [], plan
    assert "faker.age -> age_years (integer)" in plan["pass_through_columns"]["customers"], plan
    assert plan["catalog"]["location"].endswith("/acme_outdoor") and plan["catalog"]["docs"] is True, plan
    assert plan["airbyte"] is None and plan["against_deployed"] is None, plan
    assert "CREATE SCHEMA IF NOT EXISTS" in plan["provisioning_sql"], plan["provisioning_sql"]
    assert _listing(tmp_path) == before, "plan wrote files"


def test_plan_of_a_postgres_tenant_shows_masked_sql_and_the_airbyte_objects_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SQL is provisioning's own plan (password masked); the Airbyte block names workspace, source,
    destination, raw schema and connection, and the Shopify token field is masked."""
    (tmp_path / "pgco.yaml").write_text(POSTGRES_SHOPIFY, encoding="utf-8")
    exit_code, document, err = _plan_json(capsys, tmp_path / "pgco.yaml")
    assert exit_code == 0, err
    [plan] = document["tenants"]
    expected_sql = get_warehouse("postgres").provisioning_plan(load_tenant_config(tmp_path / "pgco.yaml")).describe()
    assert plan["provisioning_sql"] == expected_sql, "plan's SQL differs from provision --dry-run's"
    assert "PASSWORD '********'" in plan["provisioning_sql"], plan["provisioning_sql"]
    airbyte = plan["airbyte"]
    assert airbyte["workspace"] == "flexlake-pgco" and len(airbyte["sources"]) == 1, airbyte
    [source] = airbyte["sources"]
    assert (source["source"], source["raw_schema"]) == ("flexlake__pgco__eu", "pgco_raw_eu"), source
    assert source["configuration"]["credentials"]["api_password"] == "**********", source["configuration"]


def test_plan_of_a_folder_plans_the_valid_files_and_exits_1_naming_a_refused_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file taking its neighbour's schemas is refused (the folder-wide checks), the neighbour is planned."""
    (tmp_path / "pgco.yaml").write_text(POSTGRES_SHOPIFY, encoding="utf-8")
    (tmp_path / "thief.yaml").write_text(
        "tenant_id: thief\ndisplay_name: T\ntier: starter\n"
        "warehouse: {type: postgres, connection_id: pg_conn, database: analytics, schema_prefix: pgco}\n"
        "sources: [{system: faker, name: shop}]\n",
        encoding="utf-8",
    )
    exit_code, document, err = _plan_json(capsys, tmp_path)
    assert exit_code == 1, document
    assert [plan["tenant_id"] for plan in document["tenants"]] == ["pgco"], document
    assert document["invalid"] == [str(tmp_path / "thief.yaml")], document
    assert "thief.yaml is invalid" in err and "also used by pgco.yaml" in err, err


def test_plan_of_an_overlay_tenant_whose_manifest_was_never_built_names_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """new-tenant --overlay then plan before `flexlake manifest`: exit 1 with the factory's reason, no traceback."""
    assert main(["new-tenant", "skel_co", "--tier", "enterprise", "--overlay", "--tenants", str(tmp_path)]) == 0
    capsys.readouterr()
    exit_code = main(["plan", str(tmp_path / "skel_co.yaml")])
    err = capsys.readouterr().err
    assert exit_code == 1 and "the DAG could not be built (OverlayManifestError)" in err, err
    assert "manifest.json is missing; run `make manifest`" in err, err


def test_plan_compares_the_models_with_the_last_published_run(
    tmp_path: Path, catalog_base_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run published (by the catalog's publish_run) with mart_mrr_monthly and dim_customers: the plan, which
    builds no mart_mrr_monthly, says it is dropped, and that mart_revenue_daily is added."""
    project = tmp_path / "project"
    (project / "target").mkdir(parents=True)
    results = [
        {"unique_id": f"model.flexlake.{name}", "status": "success"} for name in ("mart_mrr_monthly", "dim_customers")
    ]
    (project / "target" / "run_results.json").write_text(json.dumps({"results": results}), encoding="utf-8")
    root = catalog_root(catalog_base_uri, "acme_outdoor")
    stage_run_results(project, root / "runs" / "run_1" / "run_results", "dbt_transform.dim_customers")
    version = publish_run(root, "run_1", {"tenant_id": "acme_outdoor"}, None).name
    exit_code, document, err = _plan_json(capsys, DEMO_TENANTS / "acme_outdoor.yaml")
    assert exit_code == 0, err
    diff = document["tenants"][0]["against_deployed"]
    assert diff["version"] == version and diff["dropped"] == ["mart_mrr_monthly"], diff
    assert "mart_revenue_daily" in diff["added"] and "dim_customers" not in diff["added"], diff
