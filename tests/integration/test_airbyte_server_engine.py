"""A tenant DAG with `engine: airbyte` runs end to end against the fake Airbyte server on 127.0.0.1.

`airflow dags test` (real task runner, deferral included) provisions the tenant's Airbyte objects, starts
the sync, waits in the trigger, and dbt builds the marts from the Destinations-V2 tables the fake wrote.
"""

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT
from tests.fakes.airbyte_server import FakeAirbyteServer

pytestmark = pytest.mark.integration

AIRFLOW = PROJECT_ROOT / ".venv" / "bin" / "airflow"
CLIENT_SECRET = "Cs-91ad-never-print-me"


def _environment(root: Path, api_root: str, fake: FakeAirbyteServer) -> dict[str, str]:
    tenants = root / "tenant_configs"
    tenants.mkdir()
    (tenants / "air_shop.yaml").write_text(
        "tenant_id: air_shop\ndisplay_name: Air Shop\ntier: professional\nwarehouse: {type: duckdb}\n"
        "airbyte: {connection_id: airbyte_test, poll_interval_seconds: 5}\n"
        "sources: [{system: faker, name: shop, engine: airbyte, options: {count: 120, seed: 3}}]\n"
    )
    connection = {"conn_type": "airbyte", "host": api_root, "login": fake.client_id, "password": CLIENT_SECRET}
    return {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow_home"),
        "FLEXLAKE_DATA_DIR": str(root / "data"),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(tenants),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(root / "cosmos_cache"),
        "FLEXLAKE_TASK_RETRIES": "0",
        "AIRFLOW_CONN_AIRBYTE_TEST": json.dumps(connection),
    }


def test_an_airbyte_engine_tenant_runs_end_to_end_against_the_fake_server(tmp_path: Path) -> None:
    """Provision → sync (deferred) → dbt → catalog; the marts have rows and the client secret is never printed."""
    fake = FakeAirbyteServer(client_secret=CLIENT_SECRET, token_ttl_seconds=120)
    fake.script_next_job("pending", "running", "running", "succeeded")
    with fake.serve() as api_root:
        environment = _environment(tmp_path, api_root, fake)
        subprocess.run([str(AIRFLOW), "db", "migrate"], env=environment, check=True, capture_output=True)
        result = subprocess.run(
            [str(AIRFLOW), "dags", "test", "flexlake__air_shop"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert CLIENT_SECRET not in output, "the Airbyte client secret leaked into the logs"
    assert len(fake.connections) == 1 and len(fake.jobs) == 1
    with duckdb.connect(str(tmp_path / "data" / "air_shop" / "warehouse.duckdb"), read_only=True) as connection:
        orders = connection.execute("select count(*) from air_shop_core.fct_orders").fetchone()
    assert orders and orders[0] > 0, "fct_orders is empty"
    catalog = tmp_path / "data" / "catalog" / "air_shop"
    summary = json.loads((catalog / (catalog / "latest").read_text().strip() / "summary.json").read_text())
    assert summary["ingestion"]["shop"]["streams"], summary["ingestion"]
