"""A tenant DAG with `engine: airbyte` runs end to end against the fake Airbyte server on 127.0.0.1.

`airflow dags test` (real task runner, deferral included) provisions the tenant's Airbyte objects, starts
the sync, waits in the trigger, and dbt builds the marts from the Destinations-V2 tables the fake wrote:
into the tenant's DuckDB file, or into its raw schema on a real PostgreSQL server (session fixture).
"""

import json
import zlib
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.generators.oracle import expected_daily_revenue
from tests.generators.raw_tables import RawDataset
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe
from tests.integration.conftest import PostgresServer
from tests.integration.dags_test import migrate, run_airflow, sandbox_environment

pytestmark = pytest.mark.integration

CLIENT_SECRET = "Cs-91ad-never-print-me"
# The test PostgreSQL trusts local connections, so this password can be unique and grepped for.
WAREHOUSE_PASSWORD = "Wh-Pw-4e7a-never-print-me"


def _environment(
    root: Path, api_root: str, fake: FakeAirbyteServer, tenant_id: str, tenant_yaml: str
) -> dict[str, str]:
    connection = {"conn_type": "airbyte", "host": api_root, "login": fake.client_id, "password": CLIENT_SECRET}
    environment = sandbox_environment(root, AIRFLOW_CONN_AIRBYTE_TEST=json.dumps(connection))
    (Path(environment["FLEXLAKE_TENANT_CONFIGS_DIR"]) / f"{tenant_id}.yaml").write_text(tenant_yaml)
    return environment


def _run_tenant_dag(environment: dict[str, str], tenant_id: str) -> str:
    """`airflow dags test` of the tenant's DAG; its whole output (it must succeed)."""
    migrate(environment)
    log_file = Path(environment["AIRFLOW_HOME"]).parent / "dags_test.log"
    return run_airflow(environment, "dags", "test", f"flexlake__{tenant_id}", log_file=log_file)


def _latest_catalog(root: Path, tenant_id: str) -> Path:
    catalog = root / "data" / "catalog" / tenant_id
    return catalog / (catalog / "latest").read_text().strip()


def test_an_airbyte_engine_tenant_runs_end_to_end_against_the_fake_server(tmp_path: Path) -> None:
    """Provision → sync (deferred) → dbt → catalog; the marts have rows and the client secret is never printed."""
    fake = FakeAirbyteServer(client_secret=CLIENT_SECRET, token_ttl_seconds=120)
    fake.script_next_job("pending", "running", "running", "succeeded")
    tenant_yaml = (
        "tenant_id: air_shop\ndisplay_name: Air Shop\ntier: professional\nwarehouse: {type: duckdb}\n"
        "airbyte: {connection_id: airbyte_test, poll_interval_seconds: 5}\n"
        "sources: [{system: faker, name: shop, engine: airbyte, options: {count: 120, seed: 3}}]\n"
    )
    with fake.serve() as api_root:
        output = _run_tenant_dag(_environment(tmp_path, api_root, fake, "air_shop", tenant_yaml), "air_shop")
    assert CLIENT_SECRET not in output, "the Airbyte client secret leaked into the logs"
    assert len(fake.connections) == 1 and len(fake.jobs) == 1
    with duckdb.connect(str(tmp_path / "data" / "air_shop" / "warehouse.duckdb"), read_only=True) as connection:
        orders = connection.execute("select count(*) from air_shop_core.fct_orders").fetchone()
    assert orders and orders[0] > 0, "fct_orders is empty"
    summary = json.loads((_latest_catalog(tmp_path, "air_shop") / "summary.json").read_text())
    assert summary["ingestion"]["shop"]["streams"], summary["ingestion"]


def _postgres_counts(server: PostgresServer, queries: dict[str, str]) -> dict[str, int]:
    connection = psycopg2.connect(
        host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.dbname
    )
    try:
        with connection.cursor() as cursor:
            counts = {}
            for name, query in queries.items():
                cursor.execute(query)
                row = cursor.fetchone()
                counts[name] = int(row[0]) if row else 0
            return counts
    finally:
        connection.close()


def test_an_airbyte_engine_tenant_on_postgres_runs_end_to_end_without_leaking_secrets(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """The fake writes V2 tables into the raw schema on PostgreSQL, dbt builds the marts, no secret is shown."""
    fake = FakeAirbyteServer(client_secret=CLIENT_SECRET, token_ttl_seconds=120)
    fake.script_next_job("pending", "queued", "running", "succeeded")
    tenant_yaml = (
        "tenant_id: air_pg\ndisplay_name: Air PG\ntier: professional\n"
        f"warehouse: {{type: postgres, connection_id: air_pg_wh, database: {postgres_server.dbname}}}\n"
        "airbyte: {connection_id: airbyte_test, poll_interval_seconds: 5}\n"
        "sources: [{system: faker, name: shop, engine: airbyte, options: {count: 150, seed: 5}}]\n"
    )
    server = postgres_server
    warehouse_uri = f"postgres://{server.user}:{WAREHOUSE_PASSWORD}@{server.host}:{server.port}/{server.dbname}"
    with fake.serve() as api_root:
        environment = _environment(tmp_path, api_root, fake, "air_pg", tenant_yaml)
        output = _run_tenant_dag({**environment, "AIRFLOW_CONN_AIR_PG_WH": warehouse_uri}, "air_pg")
    counts = _postgres_counts(
        server,
        {
            "raw_users": "select count(*) from air_pg_raw_shop.users where _airbyte_raw_id is not null",
            "fct_orders": "select count(*) from air_pg_core.fct_orders",
            "mart_revenue_daily": "select count(*) from air_pg_marts.mart_revenue_daily",
        },
    )
    assert counts["raw_users"] == 150, counts
    assert counts["fct_orders"] > 0 and counts["mart_revenue_daily"] > 0, counts
    (destination,) = fake.destinations.values()
    assert destination["configuration"]["schema"] == "air_pg_raw_shop", destination["configuration"]
    for secret in (CLIENT_SECRET, WAREHOUSE_PASSWORD):
        assert secret not in output, "a secret leaked into the `airflow dags test` output"
        assert all(secret not in exchange.body for exchange in fake.exchanges), "the fake echoed a secret"
        for artifact in _latest_catalog(tmp_path, "air_pg").iterdir():
            assert secret not in artifact.read_text(errors="replace"), f"a secret leaked into {artifact.name}"


def test_a_shopify_and_stripe_tenant_on_postgres_runs_end_to_end_with_the_oracles_figures(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Both SaaS sources through the fake server into PostgreSQL, then the whole product: the orders and the
    gross revenue per currency in the core facts are the oracle's, computed in Python from the same raw data
    the fake wrote (generators seeded as the fake seeds them: crc32 of the shop / account id)."""
    fake = FakeAirbyteServer(client_secret=CLIENT_SECRET, token_ttl_seconds=120)
    for _ in range(2):
        fake.script_next_job("pending", "running", "succeeded")
    server = postgres_server
    tenant_yaml = (
        "tenant_id: saas_pg\ndisplay_name: SaaS PG\ntier: professional\n"
        f"warehouse: {{type: postgres, connection_id: saas_pg_wh, database: {server.dbname}}}\n"
        "airbyte: {connection_id: airbyte_test, poll_interval_seconds: 5}\n"
        "sources:\n"
        "  - {system: shopify, name: store, shop: saas-store, credentials_connection_id: saas_shopify,"
        " start_date: 2025-01-01}\n"
        "  - {system: stripe, name: billing, account_id: acct_1Saas, credentials_connection_id: saas_stripe,"
        " start_date: 2025-01-01}\n"
    )
    warehouse_uri = f"postgres://{server.user}:{WAREHOUSE_PASSWORD}@{server.host}:{server.port}/{server.dbname}"
    secrets = {"saas_shopify": "shpat_e2e-never-log", "saas_stripe": "sk_live_e2e-never-log"}
    with fake.serve() as api_root:
        environment = {
            **_environment(tmp_path, api_root, fake, "saas_pg", tenant_yaml),
            "AIRFLOW_CONN_SAAS_PG_WH": warehouse_uri,
            **{
                f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps({"conn_type": "generic", "password": secret})
                for conn_id, secret in secrets.items()
            },
        }
        output = _run_tenant_dag(environment, "saas_pg")
    expected = {
        "saas_pg_raw_store": _oracle_totals(generate_shopify(zlib.crc32(b"saas-store"), store="saas-store")),
        "saas_pg_raw_billing": _oracle_totals(generate_stripe(zlib.crc32(b"acct_1Saas"))),
    }
    actual = server.fetch(
        "select source_relation, currency_code, count(*), sum(total_amount) from saas_pg_input.input__orders"
        " where is_test = 0 and order_status in ('completed', 'partially_returned', 'returned')"
        " group by source_relation, currency_code",
    )
    assert {(r[0], r[1]): (int(r[2]), Decimal(r[3])) for r in actual} == {
        (relation, currency): figures for relation, totals in expected.items() for currency, figures in totals.items()
    }
    marts = _postgres_counts(server, {"mart_revenue_daily": "select count(*) from saas_pg_marts.mart_revenue_daily"})
    assert marts["mart_revenue_daily"] > 0, marts
    for secret in (CLIENT_SECRET, WAREHOUSE_PASSWORD, *secrets.values()):
        assert secret not in output, "a secret leaked into the `airflow dags test` output"
        assert all(secret not in exchange.body for exchange in fake.exchanges), "the fake echoed a secret"


def _oracle_totals(dataset: RawDataset) -> dict[str, tuple[int, Decimal]]:
    """{currency: (counted orders, gross)} of the non-test orders the marts count, by the Python oracle."""
    totals: dict[str, tuple[int, Decimal]] = {}
    for (_, currency), figures in expected_daily_revenue(dataset).items():
        orders, gross = totals.get(currency, (0, Decimal(0)))
        totals[currency] = (orders + figures["orders"], gross + figures["gross_revenue"])
    return totals
