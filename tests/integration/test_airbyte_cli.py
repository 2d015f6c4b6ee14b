"""`flexlake airbyte plan|apply <tenant>` as an operator runs it: the console script in a subprocess, its
Airflow connections from AIRFLOW_CONN_* variables, against the fake Airbyte server on 127.0.0.1 (stands in
for Airbyte's public API; its responses are contract-checked in tests/unit/ingestion/airbyte_api).

The tenant has a Shopify store and a Stripe account on a PostgreSQL warehouse: the plan names what would be
created with every secret masked and writes nothing; apply creates it; a second plan has nothing to do.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.airbyte_server import FakeAirbyteServer

pytestmark = pytest.mark.integration

FLEXLAKE = Path(sys.executable).parent / "flexlake"
SHOPIFY_TOKEN = "shpat_cli-0123-never-print"
STRIPE_KEY = "sk_live_cli-4567-never-print"
WAREHOUSE_PASSWORD = "wh-cli-89ab-never-print"

TENANT_YAML = """\
tenant_id: cli_shop
display_name: CLI Shop
tier: professional
warehouse: {type: postgres, connection_id: cli_shop_wh, database: analytics}
airbyte: {connection_id: airbyte_cli}
sources:
  - {system: shopify, name: store, shop: cli-shop, credentials_connection_id: cli_shopify, start_date: 2025-01-01}
  - {system: stripe, name: billing, account_id: acct_1Cli, credentials_connection_id: cli_stripe,
     start_date: 2025-01-01}
"""


@pytest.fixture
def served() -> Iterator[tuple[FakeAirbyteServer, str]]:
    fake = FakeAirbyteServer()
    with fake.serve() as api_root:
        yield fake, api_root


def _environment(tmp_path: Path, fake: FakeAirbyteServer, api_root: str) -> dict[str, str]:
    airbyte = {"conn_type": "airbyte", "host": api_root, "login": fake.client_id, "password": fake.client_secret}
    return {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        "FLEXLAKE_DATA_DIR": str(tmp_path / "data"),
        "AIRFLOW_CONN_AIRBYTE_CLI": json.dumps(airbyte),
        "AIRFLOW_CONN_CLI_SHOP_WH": f"postgres://loader:{WAREHOUSE_PASSWORD}@db.internal:5432/analytics",
        "AIRFLOW_CONN_CLI_SHOPIFY": json.dumps({"conn_type": "generic", "password": SHOPIFY_TOKEN}),
        "AIRFLOW_CONN_CLI_STRIPE": json.dumps({"conn_type": "generic", "password": STRIPE_KEY}),
    }


def _flexlake(tmp_path: Path, environment: dict[str, str], action: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(FLEXLAKE), "airbyte", action, "cli_shop", "--tenants", str(tmp_path / "tenants")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    for secret in (SHOPIFY_TOKEN, STRIPE_KEY, WAREHOUSE_PASSWORD, "s3cret-client-value"):
        assert secret not in result.stdout + result.stderr, f"{action} printed a secret"
    return result


def test_plan_apply_plan_on_a_shopify_and_stripe_tenant(tmp_path: Path, served: tuple[FakeAirbyteServer, str]) -> None:
    fake, api_root = served
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "cli_shop.yaml").write_text(TENANT_YAML)
    environment = _environment(tmp_path, fake, api_root)

    plan = _flexlake(tmp_path, environment, "plan")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert plan.stdout.count("create") >= 7, plan.stdout  # workspace, 2 sources, 2 destinations, 2 connections
    assert "shop: 'cli-shop'" in plan.stdout and "**********" in plan.stdout, plan.stdout
    assert (len(fake.sources), len(fake.connections)) == (0, 0), "plan must write nothing"

    apply = _flexlake(tmp_path, environment, "apply")
    assert apply.returncode == 0, apply.stderr[-3000:]
    assert sorted(s["configuration"]["sourceType"] for s in fake.sources.values()) == ["shopify", "stripe"]
    assert len(fake.destinations) == 2 and len(fake.connections) == 2

    again = _flexlake(tmp_path, environment, "plan")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "create" not in again.stdout and "update" not in again.stdout, again.stdout


def test_a_missing_source_secret_fails_naming_the_connection(
    tmp_path: Path, served: tuple[FakeAirbyteServer, str]
) -> None:
    fake, api_root = served
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "cli_shop.yaml").write_text(TENANT_YAML)
    environment = {
        **_environment(tmp_path, fake, api_root),
        "AIRFLOW_CONN_CLI_STRIPE": json.dumps({"conn_type": "generic", "login": "nobody"}),
    }
    result = _flexlake(tmp_path, environment, "plan")
    assert result.returncode == 1, result.stdout
    assert "'cli_stripe' has no password" in result.stderr, result.stderr
