"""An incremental run equals a full refresh after every sync of a random history (issue 19).

One tenant with all three source systems (faker-like, Shopify, Stripe raw tables from tests/generators/) and an
FX rate table goes through a seeded sync history (tests/generators/sync_history.py: late rows, out-of-order
commits, records leaving and re-entering scope, deletions, refunds of old orders, re-keyed lines, moves to
another customer or product, duplicates, empty syncs, rates added later). After each sync the tenant's
warehouse is built incrementally (`dbt build` of models and seeds, no data tests: those run elsewhere) and a
second schema prefix is built with `--full-refresh` on the same raw data; every incremental model (staging, the
input layer, dimensions, facts, the marts' ledgers and totals) and every mart must hold the same rows in both
(EXCEPT ALL both ways). The marts recompute only the days and customers that changed (macros/mart_ledger.sql); one
DuckDB step first builds without the ledgers, as after a failed mart, and the next build must catch up. A failure prints
the seed and the history, and FLEXLAKE_HISTORY_SEED replays another seed. DuckDB runs three syncs after the
first load, PostgreSQL two.
"""

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from tests.generators.faker import generate_faker
from tests.generators.fx_rates import write_duckdb_rates, write_postgres_rates
from tests.generators.raw_tables import append_postgres, write_duckdb, write_postgres
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe
from tests.generators.sync_history import SyncHistory
from tests.integration.dbt_cli import run_dbt

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration
LOGGER = logging.getLogger(__name__)

SEED = int(os.environ.get("FLEXLAKE_HISTORY_SEED", "19"))
RAW_ALIAS = "raw"
FX_SCHEMA, FX_TABLE = "raw_finance", "fx_rates"
COMPARED = (
    ("core", "dim_customers"),
    ("core", "dim_products"),
    ("core", "fct_orders"),
    ("core", "fct_order_lines"),
    ("core", "fct_payments"),
    ("core", "int_customers__order_totals"),
    ("core", "int_orders__counted_in_reporting_currency"),
    ("marts", "mart_revenue_daily"),
    ("marts", "mart_revenue_daily_by_channel"),
    ("marts", "mart_customer_lifetime"),
    ("marts", "mart_customer_rfm"),
    ("marts", "mart_customer_cohorts"),
    ("marts", "mart_product_performance"),
    ("marts", "mart_mrr_monthly"),
    # The marts' ledgers (macros/mart_ledger.sql), built after the marts: an incremental run keeps them as a full
    # build would make them.
    ("core", "int_revenue__contributions"),
    ("core", "int_customers__contributions"),
)
# Built after the marts they serve; a failed mart skips its ledger (dbt skips what depends on a failure).
LEDGERS = ("int_revenue__contributions", "int_customers__contributions")
# The DuckDB history's step whose incremental build first runs once without the ledgers, as after a failed mart:
# the next build must redo what the skipped ledger did not record.
LEDGERS_SKIPPED_AT_STEP = 2
# The staging models (incremental tables since issue 14), per source system: compared like the facts.
STAGING = {
    "faker": ("stg_faker__products", "stg_faker__purchases", "stg_faker__users"),
    "shopify": (
        "stg_shopify__customers",
        "stg_shopify__order_lines",
        "stg_shopify__order_refunds",
        "stg_shopify__orders",
        "stg_shopify__product_variants",
        "stg_shopify__products",
        "stg_shopify__refund_transactions",
        "stg_shopify__transactions",
    ),
    "stripe": (
        "stg_stripe__charges",
        "stg_stripe__customers",
        "stg_stripe__invoice_line_items",
        "stg_stripe__invoices",
        "stg_stripe__prices",
        "stg_stripe__products",
        "stg_stripe__refunds",
        "stg_stripe__subscription_items",
        "stg_stripe__subscriptions",
    ),
}
# The input layer (incremental by changed key since issue 14), built for every tenant whatever its systems.
INPUT = tuple(
    ("input", f"input__{entity}")
    for entity in (
        "customers",
        "invoices",
        "order_lines",
        "orders",
        "payments",
        "product_variants",
        "products",
        "refunds",
        "subscription_periods",
        "subscriptions",
    )
)
# Upstream first: a failure names the first layer that differs.
ALL_SYSTEMS_COMPARED = tuple(("staging", model) for models in STAGING.values() for model in models) + INPUT + COMPARED
Fetch = Callable[[str], list[tuple[Any, ...]]]


def _history(seed: int) -> SyncHistory:
    """Small datasets (about 150 orders in all), so a step's two dbt runs stay cheap."""
    generated = {
        "raw_faker": generate_faker(seed, purchases=80),
        "raw_shopify": generate_shopify(seed, orders=40),
        "raw_stripe": generate_stripe(seed, customers=24),
    }
    return SyncHistory(seed, generated)


def _dbt_vars(prefix: str, relation_database: str | None, fx_relation: str, **extra: Any) -> dict[str, Any]:
    systems = ["faker", "shopify", "stripe"]
    relations = {system: [{"database": relation_database, "schema": f"raw_{system}"}] for system in systems}
    return {
        "flexlake_schema_prefix": prefix,
        "flexlake_source_systems": systems,
        "flexlake_raw_relations": relations,
        "fx_rates_relation": fx_relation,
        **extra,
    }


def _run(
    target: str,
    dbt_vars: dict[str, Any],
    work_dir: Path,
    env: dict[str, str],
    *,
    full: bool,
    exclude: tuple[str, ...] = (),
) -> float:
    """One build; returns its wall seconds. Incremental: the tenant's models and seeds (no data tests), as a
    scheduled run. Full refresh: the staging and input-layer models and the compared dimensions, facts and marts,
    into prefix `full`, reading every other model (the adapter views, models rebuilt in full every run) from the
    incremental build just made (`--defer --favor-state` on its manifest). Each kind keeps its target folder
    across steps (partial parsing)."""
    started = time.monotonic()
    if full:
        state = work_dir.parent / "inc" / "target"
        selection = ["--select", "path:models/staging", "path:models/input_layer", *(model for _, model in COMPARED)]
        command = ["run", *selection, *(["--exclude", *exclude] if exclude else [])]
        command += ["--full-refresh", "--defer", "--favor-state", "--state", str(state)]
    else:
        command = ["build", "--exclude", "resource_type:test", "path:models/pass_through", *exclude]
    result = run_dbt(command, target, dbt_vars, work_dir, env, threads=2)
    assert result.returncode == 0, f"dbt {' '.join(command)} failed on {target}:\n{result.stdout[-6000:]}"
    return time.monotonic() - started


def _where(history: SyncHistory) -> str:
    """The step, the seed and the whole history: what a failure must print to be replayed."""
    return (
        f"step {history.step} (seed {history.seed}; replay with FLEXLAKE_HISTORY_SEED={history.seed})\n"
        "history:\n  " + "\n  ".join(history.log)
    )


def _assert_equal(
    fetch: Fetch, where: str, inc: str, full: str, compared: tuple[tuple[str, str], ...] = ALL_SYSTEMS_COMPARED
) -> None:
    """Every compared model holds the same rows in the incremental and the full-refresh prefix; `where` says
    which sync of which history, for the failure message."""
    for layer, model in compared:
        incremental, refreshed = f"{inc}_{layer}.{model}", f"{full}_{layer}.{model}"
        only_incremental = fetch(f"select * from {incremental} except all select * from {refreshed}")
        only_full = fetch(f"select * from {refreshed} except all select * from {incremental}")
        assert not only_incremental and not only_full, (
            f"{model} differs from a full refresh.\n"
            f"only in the incremental build ({len(only_incremental)}): {only_incremental[:3]}\n"
            f"only in the full refresh ({len(only_full)}): {only_full[:3]}\n{where}"
        )
    (orders,) = fetch(f"select count(*) from {inc}_core.fct_orders")
    assert orders[0] > 50, f"only {orders[0]} orders built: the history lost its data\n{where}"


def _replay(
    history: SyncHistory,
    steps: int,
    write_raw: Callable[[SyncHistory], None],
    build: Callable[[bool], float],
    check: Callable[[SyncHistory], None],
) -> list[float]:
    """Steps 0..steps: write the raw data, build incrementally, then the full refresh, compare; build seconds."""
    seconds = []
    for step in range(steps + 1):
        if step:
            history.next_sync()
        write_raw(history)
        seconds.append(build(False))
        seconds.append(build(True))
        check(history)
    return seconds


def test_incremental_runs_equal_a_full_refresh_after_every_sync_of_a_random_history_on_duckdb(
    tmp_path: Path,
) -> None:
    """Three syncs of a seeded history on DuckDB: every incremental fact and mart equals a full refresh each time."""
    raw_file, warehouse = tmp_path / "raw.duckdb", tmp_path / "warehouse.duckdb"
    attach = {
        "flexlake_duckdb_path": str(warehouse),
        "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": RAW_ALIAS}],
    }

    def write_raw(history: SyncHistory) -> None:
        for schema, dataset in history.datasets.items():
            write_duckdb(dataset, str(raw_file), schema)
        write_duckdb_rates(history.fx_rates(), str(raw_file), FX_SCHEMA, FX_TABLE)

    history = _history(SEED)

    def build(full: bool) -> float:
        prefix = "full" if full else "inc"
        dbt_vars = _dbt_vars(prefix, RAW_ALIAS, f"{RAW_ALIAS}.{FX_SCHEMA}.{FX_TABLE}", **attach)
        if not full and history.step == LEDGERS_SKIPPED_AT_STEP:
            _run("duckdb", dbt_vars, tmp_path / prefix, {}, full=False, exclude=LEDGERS)
        return _run("duckdb", dbt_vars, tmp_path / prefix, {}, full=full)

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    seconds = _replay(
        history, 3, write_raw, build, lambda history: _assert_equal(fetch, _where(history), "inc", "full")
    )
    LOGGER.info("DuckDB history: dbt builds took %.0f s (%s)", sum(seconds), ", ".join(f"{s:.0f}" for s in seconds))


def test_incremental_runs_equal_a_full_refresh_after_every_sync_of_a_random_history_on_postgres(
    postgres_server: "PostgresServer", tmp_path: Path
) -> None:
    """Two syncs of a seeded history on PostgreSQL: every incremental fact and mart equals a full refresh each time."""
    import psycopg2  # noqa: PLC0415 - only this test needs the driver

    server = postgres_server
    env = {
        "FLEXLAKE_PG_HOST": server.host,
        "FLEXLAKE_PG_PORT": str(server.port),
        "FLEXLAKE_PG_USER": server.user,
        "FLEXLAKE_PG_PASSWORD": server.password,
        "FLEXLAKE_PG_DATABASE": server.dbname,
    }

    written: dict[str, dict[str, int]] = {}

    def write_raw(history: SyncHistory) -> None:
        for schema, dataset in history.datasets.items():
            if schema not in written:
                write_postgres(dataset, server.connection_kwargs, schema)
                written[schema] = {name: len(stream.rows) for name, stream in dataset.streams.items()}
            append_postgres(dataset, server.connection_kwargs, schema, written[schema])
        write_postgres_rates(history.fx_rates(), server.connection_kwargs, FX_SCHEMA, FX_TABLE)

    def build(full: bool) -> float:
        prefix = "full" if full else "inc"
        dbt_vars = _dbt_vars(f"h19_{prefix}", None, f"{FX_SCHEMA}.{FX_TABLE}")
        return _run("postgres", dbt_vars, tmp_path / prefix, env, full=full)

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        connection = psycopg2.connect(**server.connection_kwargs)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                rows: list[tuple[Any, ...]] = cursor.fetchall()
                return rows
        finally:
            connection.close()

    seconds = _replay(
        _history(SEED + 1),
        2,
        write_raw,
        build,
        lambda history: _assert_equal(fetch, _where(history), "h19_inc", "h19_full"),
    )
    LOGGER.info("PostgreSQL history: dbt builds took %.0f s (%s)", sum(seconds), ", ".join(f"{s:.0f}" for s in seconds))


# The real connector: source-faker re-emits every record at each sync (a new updated_at), and a sync with
# another seed gives the same ids other attributes: purchases become abandoned carts and back, change user
# and product, get or lose a return. The embedded engine merges them on the primary key, as in production.
CONNECTOR_SYNCS = ((150, 7), (150, 8), (180, 9))  # (users, seed) per sync; the third adds new records too
CONNECTOR_RAW_SCHEMA = "acme_raw_shop"
OTHER_SYSTEMS_MODELS = tuple(
    f"path:models/{layer}/{system}" for system in ("shopify", "stripe") for layer in ("staging", "adapters")
)


def test_a_faker_tenant_synced_again_and_again_by_the_real_connector_stays_equal_to_a_full_refresh(
    tmp_path: Path,
) -> None:
    """Three syncs of source-faker through the embedded engine (PyAirbyte, as a tenant DAG's sync task runs
    it), each followed by an incremental build: every fact and mart equals a full refresh after each sync."""
    from flexlake.ingestion import DuckDBDestination, SyncRequest, get_engine  # noqa: PLC0415
    from flexlake.tenant_config.schema import FakerSource, FakerSourceOptions  # noqa: PLC0415

    raw_file, warehouse = tmp_path / "raw_shop.duckdb", tmp_path / "warehouse.duckdb"
    engine = get_engine("embedded")

    def build(full: bool) -> float:
        prefix = "full" if full else "inc"
        dbt_vars = {
            "flexlake_duckdb_path": str(warehouse),
            "flexlake_schema_prefix": prefix,
            "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": RAW_ALIAS}],
            "flexlake_source_systems": ["faker"],
            "flexlake_raw_relations": {"faker": [{"database": RAW_ALIAS, "schema": CONNECTOR_RAW_SCHEMA}]},
        }
        return _run("duckdb", dbt_vars, tmp_path / prefix, {}, full=full, exclude=OTHER_SYSTEMS_MODELS)

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    synced: list[str] = []
    for step, (count, seed) in enumerate(CONNECTOR_SYNCS):
        source = FakerSource(system="faker", name="shop", options=FakerSourceOptions(count=count, seed=seed))
        result = engine.sync(
            SyncRequest(tenant_id="acme", source=source, destination=DuckDBDestination(raw_file, CONNECTOR_RAW_SCHEMA))
        )
        synced.append(f"sync {step}: faker count {count} seed {seed}, {result.total_records} records")
        build(False)
        build(True)
        faker_only = tuple(("staging", model) for model in STAGING["faker"]) + INPUT + COMPARED
        _assert_equal(fetch, "after " + "; ".join(synced), "inc", "full", faker_only)
