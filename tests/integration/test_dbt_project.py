"""The dbt data product (include/dbt) built on real faker data, on DuckDB and on PostgreSQL.

Raw data comes from Airbyte's source-faker connector run through PyAirbyte, in their own venvs as in
production; dbt runs as a subprocess of the main venv's `dbt` with its own target and log paths, so
the tests never touch include/dbt/target (the manifest the DAGs read). Expected figures are computed
in Python from the raw rows with Decimal arithmetic, independently of the SQL under test.
"""

import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from tests.integration.dbt_cli import REPO_ROOT, run_dbt

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

PYAIRBYTE_PYTHON = REPO_ROOT / ".venvs" / "pyairbyte" / "bin" / "python"
SOURCE_FAKER = REPO_ROOT / ".venvs" / "source-faker" / "bin" / "source-faker"

FAKER_COUNT = 1000
FAKER_SEED = 42
RAW_SCHEMA = "acme_raw_shop"
RAW_ALIAS = "raw_shop"
MODELS = {
    "stg_faker__users",
    "stg_faker__products",
    "stg_faker__purchases",
    "faker__priced_purchases",
    "faker__customers",
    "faker__products",
    "faker__product_variants",
    "faker__orders",
    "faker__order_lines",
    "faker__payments",
    "faker__refunds",
    "input__customers",
    "input__products",
    "input__product_variants",
    "input__orders",
    "input__order_lines",
    "input__payments",
    "input__refunds",
    "input__subscriptions",
    "input__invoices",
    "input__subscription_periods",
    "input__fx_rates",
    "dim_customers",
    "dim_fx_rates",
    "dim_products",
    "dim_calendar",
    "fct_orders",
    "fct_order_lines",
    "fct_payments",
    "fct_refunds",
    "fct_subscriptions",
    "mart_revenue_daily",
    "mart_revenue_daily_by_channel",
    "mart_customer_lifetime",
    "mart_mrr_monthly",
    "mart_customer_rfm",
    "mart_customer_cohorts",
    "mart_product_performance",
    # Counted orders with their rate into the reporting currency, read by the converted marts (a view).
    "int_orders__counted_in_reporting_currency",
    # The marts' ledgers (include/dbt/README.md, "Marts by changed day and customer"), in the core schema.
    "int_revenue__contributions",
    "int_revenue__contribution_changes",
    "int_customers__order_totals",
    "int_customers__contributions",
    "int_customers__contribution_changes",
}
SEEDS = {"currencies", "countries"}
# The faker tenant leaves out the other systems' staging and adapters, and (declaring no pass-through
# columns) the pass_through models, as its DAG does (dag_factory).
OTHER_SYSTEMS = ("shopify", "stripe")
EXCLUDE_OTHER_SYSTEMS = [
    *(f"path:models/{layer}/{system}" for system in OTHER_SYSTEMS for layer in ("staging", "adapters")),
    "path:models/pass_through",
]
_NOT_THIS_TENANTS = (*(p for s in OTHER_SYSTEMS for p in (f"stg_{s}__", f"{s}__")), "pass_through__")


def _faker_tenant_models(models: set[str]) -> set[str]:
    return {m for m in models if not m.startswith(_NOT_THIS_TENANTS)}


# Tables and views per layer schema (<prefix>_<layer>), seeds in <prefix>_reference.
SCHEMA_TABLES = {"staging": 11, "input": 11, "core": 15, "marts": 7, "reference": 2}  # core: 9, the 5 ledger models
# and the view int_orders__counted_in_reporting_currency
CENT = Decimal("0.01")

pytestmark = pytest.mark.integration

# Runs in the PyAirbyte venv. `passes` > 1 appends the same records again (as repeated syncs do),
# so staging has duplicates per primary key to remove.
_FAKER_SYNC_SCRIPT = """
import json, sys
import airbyte as ab

params = json.loads(sys.argv[1])
source = ab.get_source(
    "source-faker",
    config={"count": params["count"], "seed": params["seed"]},
    local_executable=params["executable"],
)
source.select_all_streams()
if params["cache"] == "duckdb":
    cache = ab.caches.DuckDBCache(db_path=params["db_path"], schema_name=params["schema"])
else:
    cache = ab.caches.PostgresCache(
        host=params["host"], port=params["port"], username=params["user"],
        password=params["password"], database=params["dbname"], schema_name=params["schema"],
    )
for _ in range(params["passes"]):
    source.read(cache=cache, write_strategy="append", force_full_refresh=True)
"""


@dataclass(frozen=True)
class ExpectedFigures:
    """What the facts and marts must add up to, computed in Python from the raw rows."""

    orders: int
    gross: Decimal
    refunds: Decimal
    returned_orders: int
    distinct_purchases: int
    raw_purchase_rows: int
    # Per order: (user_id, purchased_at, returned_at, price); for the customization checks.
    order_rows: tuple[tuple[Any, Any, Any, Decimal], ...]


def _sync_faker(cache: dict[str, Any], passes: int = 1) -> None:
    if not PYAIRBYTE_PYTHON.exists() or not SOURCE_FAKER.exists():
        pytest.skip("PyAirbyte or source-faker venv missing: run scripts/bootstrap.sh")
    params = {
        "count": FAKER_COUNT,
        "seed": FAKER_SEED,
        "executable": str(SOURCE_FAKER),
        "passes": passes,
        **cache,
    }
    env = {**os.environ, "AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1"}
    result = subprocess.run(
        [str(PYAIRBYTE_PYTHON), "-c", _FAKER_SYNC_SCRIPT, json.dumps(params)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"faker sync failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _dbt_build(
    target: str,
    dbt_vars: dict[str, Any],
    work_dir: Path,
    env: dict[str, str] | None = None,
    flags: tuple[str, ...] = (),
) -> None:
    """Run `dbt build` and assert every model and seed built and every test passed."""
    result = run_dbt(["build", "--exclude", *EXCLUDE_OTHER_SYSTEMS, *flags], target, dbt_vars, work_dir, env)
    assert result.returncode == 0, f"dbt build failed on {target}:\n{result.stdout[-5000:]}"
    run_results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    failed = [(r["unique_id"], r["status"]) for r in run_results if r["status"] not in {"success", "pass"}]
    assert not failed, f"dbt nodes not successful on {target}: {failed}"
    built = {r["unique_id"].split(".")[-1] for r in run_results if r["unique_id"].startswith("model.")}
    assert built == MODELS, f"models built on {target}: {sorted(built)}, expected {sorted(MODELS)}"
    seeded = {r["unique_id"].split(".")[-1] for r in run_results if r["unique_id"].startswith("seed.")}
    assert seeded == SEEDS, f"seeds loaded on {target}: {sorted(seeded)}"
    tests = [r for r in run_results if r["unique_id"].startswith("test.")]
    assert len(tests) > 5 * len(MODELS), f"only {len(tests)} data tests ran on {target}"


def _latest(rows: list[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    """The latest version per id (first column), by (updated_at, extracted_at), the last two columns."""
    kept: dict[Any, tuple[Any, ...]] = {}
    for row in sorted(rows, key=lambda row: (row[-2], row[-1])):
        kept[row[0]] = row
    return kept


def _expected_figures(products: list[tuple[Any, ...]], purchases: list[tuple[Any, ...]]) -> ExpectedFigures:
    """products: (id, price, updated_at, extracted_at); purchases: (id, product_id, purchased_at,
    returned_at, user_id, updated_at, extracted_at). Keeps the latest version per id, as staging must."""
    price = {product_id: Decimal(row[1]).quantize(CENT) for product_id, row in _latest(products).items()}
    orders = [row for row in _latest(purchases).values() if row[2] is not None]
    returned = [row for row in orders if row[3] is not None]
    return ExpectedFigures(
        orders=len(orders),
        gross=sum((price[row[1]] for row in orders), Decimal("0")),
        refunds=sum((price[row[1]] for row in returned), Decimal("0")),
        returned_orders=len(returned),
        distinct_purchases=len({row[0] for row in purchases}),
        raw_purchase_rows=len(purchases),
        order_rows=tuple((row[4], row[2], row[3], price[row[1]]) for row in orders),
    )


_RAW_PRODUCTS_SQL = "select id, price, updated_at, _airbyte_extracted_at from {schema}.products"
_RAW_PURCHASES_SQL = (
    "select id, product_id, purchased_at, returned_at, user_id, updated_at, _airbyte_extracted_at"
    " from {schema}.purchases"
)
_MART_TOTALS_SQL = (
    "select sum(orders), sum(gross_revenue), sum(refunds), sum(net_revenue), sum(revenue), count(*),"
    " sum(case when net_revenue = gross_revenue - refunds then 0 else 1 end)"
    " from {schema}.mart_revenue_daily"
)
# One row of exact figures from the core facts: (lines, line amounts, payments, captured amount,
# refunds, refunded amount, order amount).
_FACT_TOTALS_SQL = (
    "select"
    " (select count(*) from {schema}.fct_order_lines),"
    " (select sum(line_amount) from {schema}.fct_order_lines),"
    " (select count(*) from {schema}.fct_payments),"
    " (select sum(amount) from {schema}.fct_payments where payment_status = 'captured'),"
    " (select count(*) from {schema}.fct_refunds),"
    " (select sum(amount) from {schema}.fct_refunds),"
    " (select sum(amount) from {schema}.fct_orders)"
)


def _expected(fetch: Callable[[str], list[tuple[Any, ...]]], raw_schema: str) -> ExpectedFigures:
    return _expected_figures(
        fetch(_RAW_PRODUCTS_SQL.format(schema=raw_schema)), fetch(_RAW_PURCHASES_SQL.format(schema=raw_schema))
    )


def _assert_mart_totals(totals: tuple[Any, ...], expected: ExpectedFigures, basis: str) -> None:
    orders, gross, refunds, net, revenue, days, bad_rows = totals
    assert orders == expected.orders, f"orders {orders} != {expected.orders} purchased in raw data"
    assert gross == expected.gross, f"gross revenue {gross} != {expected.gross} from raw purchases x prices"
    assert refunds == expected.refunds, f"refunds {refunds} != {expected.refunds} from raw returns"
    assert net == expected.gross - expected.refunds, f"net revenue {net} != gross - refunds"
    assert bad_rows == 0, f"{bad_rows} of {days} days have net_revenue != gross_revenue - refunds"
    reported = expected.gross if basis == "gross" else expected.gross - expected.refunds
    assert revenue == reported, f"revenue {revenue} != {basis} revenue {reported}"
    assert isinstance(gross, Decimal), f"gross_revenue comes back as {type(gross).__name__}, not a decimal"


def _assert_fact_totals(totals: tuple[Any, ...], expected: ExpectedFigures) -> None:
    lines, line_amount, payments, captured, refunds, refunded, order_amount = totals
    assert lines == expected.orders, f"{lines} order lines, expected one per order ({expected.orders})"
    assert line_amount == expected.gross, f"order lines add up to {line_amount}, raw prices to {expected.gross}"
    assert payments == expected.orders, f"{payments} payments, expected one per order ({expected.orders})"
    assert captured == expected.gross, f"captured payments {captured} != purchased prices {expected.gross}"
    assert refunds == expected.returned_orders, f"{refunds} refunds != {expected.returned_orders} returned purchases"
    assert refunded == expected.refunds, f"refunded {refunded} != prices of returned purchases {expected.refunds}"
    assert order_amount == expected.gross, f"fct_orders amounts {order_amount} != {expected.gross}"
    assert isinstance(captured, Decimal), f"payment amounts come back as {type(captured).__name__}"


# --- DuckDB ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuckDBBuild:
    warehouse: Path
    raw_file: Path
    work_dir: Path
    dbt_vars: dict[str, Any]
    expected: ExpectedFigures


def _duckdb_vars(warehouse: Path, raw_file: Path, prefix: str, **extra: Any) -> dict[str, Any]:
    return {
        "flexlake_duckdb_path": str(warehouse),
        "flexlake_schema_prefix": prefix,
        "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": RAW_ALIAS}],
        "flexlake_source_systems": ["faker"],
        "flexlake_raw_relations": {"faker": [{"database": RAW_ALIAS, "schema": RAW_SCHEMA}]},
        **extra,
    }


def _duckdb_fetch(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(path), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    return fetch


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory) -> DuckDBBuild:
    """Faker synced twice (duplicates per key) into its own raw DuckDB file, then one `dbt build`."""
    work_dir = tmp_path_factory.mktemp("dbt_duckdb")
    raw_file, warehouse = work_dir / "raw_shop.duckdb", work_dir / "warehouse.duckdb"
    _sync_faker({"cache": "duckdb", "db_path": str(raw_file), "schema": RAW_SCHEMA}, passes=2)
    expected = _expected(_duckdb_fetch(raw_file), RAW_SCHEMA)
    dbt_vars = _duckdb_vars(warehouse, raw_file, "acme")
    _dbt_build("duckdb", dbt_vars, work_dir)
    return DuckDBBuild(warehouse, raw_file, work_dir, dbt_vars, expected)


def test_dbt_build_on_duckdb_builds_every_model_and_passes_every_test(duckdb_build: DuckDBBuild) -> None:
    """dbt build on DuckDB, with the raw file attached read-only, builds all models and seeds into prefixed schemas."""
    tables = _duckdb_fetch(duckdb_build.warehouse)("select table_schema, table_name from information_schema.tables")
    per_schema = {schema: sum(1 for s, _t in tables if s == schema) for schema, _table in tables}
    assert per_schema == {f"acme_{layer}": count for layer, count in SCHEMA_TABLES.items()}, per_schema
    assert {table for _schema, table in tables} == MODELS | SEEDS


def test_mart_revenue_daily_adds_up_to_raw_purchases_priced_by_products(duckdb_build: DuckDBBuild) -> None:
    """Gross revenue, refunds and net revenue of the daily mart equal the Decimal sums of the raw rows."""
    (totals,) = _duckdb_fetch(duckdb_build.warehouse)(_MART_TOTALS_SQL.format(schema="acme_marts"))
    _assert_mart_totals(totals, duckdb_build.expected, basis="net")


def test_core_facts_add_up_to_raw_purchases_priced_by_products(duckdb_build: DuckDBBuild) -> None:
    """One line and one captured payment per purchased order, one refund per returned one, to the cent."""
    (totals,) = _duckdb_fetch(duckdb_build.warehouse)(_FACT_TOTALS_SQL.format(schema="acme_core"))
    _assert_fact_totals(totals, duckdb_build.expected)


def test_the_channel_mart_adds_up_to_the_daily_mart(duckdb_build: DuckDBBuild) -> None:
    """mart_revenue_daily_by_channel splits the same orders and money by channel and currency."""
    (row,) = _duckdb_fetch(duckdb_build.warehouse)(
        "select sum(orders), sum(gross_revenue), sum(refunds), min(currency_code), max(currency_code)"
        " from acme_marts.mart_revenue_daily_by_channel"
    )
    expected = duckdb_build.expected
    assert row == (expected.orders, expected.gross, expected.refunds, "USD", "USD"), row


def test_staging_keeps_one_row_per_purchase_when_syncs_repeat_records(duckdb_build: DuckDBBuild) -> None:
    """Two appended syncs repeat every purchase; stg_faker__purchases keeps one row per id."""
    expected = duckdb_build.expected
    assert expected.raw_purchase_rows == 2 * expected.distinct_purchases, "the raw data should hold duplicates"
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as connection:
        # The staging views read the raw file by its alias: without the attach they cannot be queried.
        connection.execute(f"attach '{duckdb_build.raw_file}' as {RAW_ALIAS} (read_only)")
        rows, ids = connection.sql(
            "select count(*), count(distinct purchase_id) from acme_staging.stg_faker__purchases"
        ).fetchone() or (0, 0)
    assert rows == ids == expected.distinct_purchases, f"{rows} rows, {ids} ids, {expected.distinct_purchases} raw ids"


def test_every_input_layer_row_names_its_source_system_and_relation(duckdb_build: DuckDBBuild) -> None:
    """The input-layer contract tables carry source_system 'faker' and the raw schema on every row."""
    fetch = _duckdb_fetch(duckdb_build.warehouse)
    for entity in ("customers", "products", "product_variants", "orders", "order_lines", "payments", "refunds"):
        (row,) = fetch(
            f"select count(*), min(source_system), max(source_system), min(source_relation), max(source_relation)"
            f" from acme_input.input__{entity}"
        )
        assert row[0] > 0 and row[1:] == ("faker", "faker", RAW_SCHEMA, RAW_SCHEMA), (entity, row)
    for entity in ("subscriptions", "invoices"):
        assert fetch(f"select count(*) from acme_input.input__{entity}") == [(0,)], f"input__{entity} is not empty"


def _constrained_not_null(work_dir: Path, prefix: str) -> set[tuple[str, str, str]]:
    """(schema, table, column) of every input-layer column the built project's manifest declares a not_null
    constraint on (they replaced the not_null data tests: include/dbt/README.md)."""
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    return {
        (f"{prefix}_input", node["name"], column)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("input__") and node["name"] in MODELS
        for column, spec in node["columns"].items()
        if any(constraint["type"] == "not_null" for constraint in spec.get("constraints", []))
    }


def _assert_not_null_enforced(
    fetch: Callable[[str], list[tuple[Any, ...]]], declared: set[tuple[str, str, str]]
) -> None:
    """The warehouse holds each declared column NOT NULL, and no other input-layer column: no declared not_null is
    left unenforced (which would leave the column unchecked: it has no data test any more)."""
    assert len(declared) > 50, f"only {len(declared)} not_null constraints declared in the input layer"
    schemas = ", ".join(sorted({f"'{schema}'" for schema, _table, _column in declared}))
    rows = fetch(
        "select table_schema, table_name, column_name from information_schema.columns"
        f" where table_schema in ({schemas}) and table_name like 'input%' and is_nullable = 'NO'"
    )
    assert set(rows) == declared, f"NOT NULL in the warehouse differs: {set(rows) ^ declared}"


def test_input_layer_not_null_constraints_are_enforced_and_name_the_column(duckdb_build: DuckDBBuild) -> None:
    """Every declared not_null constraint is a NOT NULL column of the DuckDB table, and writing a NULL into one
    fails with an error naming the table and column."""
    _assert_not_null_enforced(
        _duckdb_fetch(duckdb_build.warehouse), _constrained_not_null(duckdb_build.work_dir, "acme")
    )
    named = re.escape("NOT NULL constraint failed: input__orders.order_id")
    with (
        duckdb.connect(str(duckdb_build.warehouse)) as connection,
        pytest.raises(duckdb.ConstraintException, match=named),
    ):
        connection.execute(
            "insert into acme_input.input__orders (source_relation, order_id) select source_relation, null"
            " from acme_input.input__orders limit 1"
        )


def test_revenue_basis_gross_makes_the_revenue_columns_report_gross_revenue(
    duckdb_build: DuckDBBuild,
) -> None:
    """A tenant with revenue_basis 'gross' gets gross revenue in `revenue` and `lifetime_revenue`."""
    work_dir = duckdb_build.work_dir / "gross"
    dbt_vars = _duckdb_vars(duckdb_build.warehouse, duckdb_build.raw_file, "acme_gross", revenue_basis="gross")
    _dbt_build("duckdb", dbt_vars, work_dir)
    fetch = _duckdb_fetch(duckdb_build.warehouse)
    (totals,) = fetch(_MART_TOTALS_SQL.format(schema="acme_gross_marts"))
    (lifetime,) = fetch(
        "select sum(lifetime_revenue), sum(gross_revenue), min(revenue_basis), max(revenue_basis)"
        " from acme_gross_marts.mart_customer_lifetime"
    )
    (net_lifetime,) = fetch("select sum(lifetime_revenue) from acme_marts.mart_customer_lifetime")
    _assert_mart_totals(totals, duckdb_build.expected, basis="gross")
    assert lifetime == (duckdb_build.expected.gross, duckdb_build.expected.gross, "gross", "gross"), lifetime
    assert net_lifetime[0] == duckdb_build.expected.gross - duckdb_build.expected.refunds, net_lifetime


def test_definition_vars_change_counted_orders_fiscal_year_and_active_customers(
    duckdb_build: DuckDBBuild,
) -> None:
    """counted_order_statuses [completed], fiscal year from April and a 90-day active window, checked in Python."""
    work_dir = duckdb_build.work_dir / "custom"
    dbt_vars = _duckdb_vars(
        duckdb_build.warehouse,
        duckdb_build.raw_file,
        "acme_custom",
        counted_order_statuses=["completed"],
        fiscal_year_start_month=4,
        active_customer_window_days=90,
    )
    _dbt_build("duckdb", dbt_vars, work_dir)
    fetch = _duckdb_fetch(duckdb_build.warehouse)
    kept = [row for row in duckdb_build.expected.order_rows if row[2] is None]
    (totals,) = fetch("select sum(orders), sum(gross_revenue), sum(refunds) from acme_custom_marts.mart_revenue_daily")
    assert totals == (len(kept), sum((row[3] for row in kept), Decimal("0")), Decimal("0")), totals
    fiscal = dict(fetch("select date_day, fiscal_year from acme_custom_core.dim_calendar where date_day in"
                        " (date '2024-03-31', date '2024-04-01')"))  # fmt: skip
    assert fiscal == {date(2024, 3, 31): 2024, date(2024, 4, 1): 2025}, fiscal
    as_of = max(row[1] for row in duckdb_build.expected.order_rows).date()
    last_kept: dict[int, date] = {}
    for user_id, purchased_at, _returned_at, _price in kept:
        last_kept[user_id] = max(last_kept.get(user_id, purchased_at.date()), purchased_at.date())
    active = {user for user, last in last_kept.items() if as_of - timedelta(days=90) < last <= as_of}
    rows = fetch("select customer_id from acme_custom_marts.mart_customer_lifetime where is_active = 1")
    assert {int(customer_id) for (customer_id,) in rows} == active, (
        f"{len(rows)} active customers, expected {len(active)}"
    )


def test_an_incremental_runs_tests_read_the_window_the_dag_sets_and_everything_without_it(
    duckdb_build: DuckDBBuild,
) -> None:
    """FLEXLAKE_DATA_TESTS_SINCE makes the generic tests of incremental models read rows loaded since then only
    (macros/data_test_window.sql); tests of rebuilt models, and every test without it, read every row."""
    work_dir = duckdb_build.work_dir / "test_window"
    work_dir.mkdir()
    warehouse = work_dir / "warehouse.duckdb"
    warehouse.write_bytes(duckdb_build.warehouse.read_bytes())  # the module's warehouse stays intact
    with duckdb.connect(str(warehouse)) as connection:  # an old, bad order: its status is outside the vocabulary
        connection.execute("update acme_core.fct_orders set order_status = 'bogus' where order_key = "
                           "(select min(order_key) from acme_core.fct_orders)")  # fmt: skip
    dbt_vars = _duckdb_vars(warehouse, duckdb_build.raw_file, "acme")
    # cautious: the reconciliation tests (which also read the marts, and would see the bad row) stay out
    # dim_products is rebuilt on every run (a table): its tests read every row, windowed or not
    select = ["test", "--select", "fct_orders", "dim_products", "--indirect-selection", "cautious"]
    later = {"FLEXLAKE_DATA_TESTS_SINCE": "2999-01-01 00:00:00"}
    windowed = run_dbt(select, "duckdb", dbt_vars, work_dir, later)
    assert windowed.returncode == 0, f"the bad row is outside the window yet a test failed:\n{windowed.stdout[-3000:]}"
    compiled = {path.name: path.read_text() for path in (work_dir / "target" / "compiled").rglob("*.sql")}
    fact_tests = [sql for name, sql in compiled.items() if "fct_orders" in name]
    dim_tests = [sql for name, sql in compiled.items() if name.endswith(".sql") and "dim_products_product" in name]
    assert fact_tests and all("loaded_at >= cast('2999-01-01 00:00:00'" in sql for sql in fact_tests), fact_tests[:2]
    assert dim_tests and not any("2999-01-01" in sql for sql in dim_tests), dim_tests[:2]
    everything = run_dbt(select, "duckdb", dbt_vars, work_dir)
    assert everything.returncode != 0 and "accepted_values_fct_orders_order_status" in everything.stdout, (
        everything.stdout[-3000:]
    )
    malformed = run_dbt(select, "duckdb", dbt_vars, work_dir, {"FLEXLAKE_DATA_TESTS_SINCE": "yesterday"})
    assert "FLEXLAKE_DATA_TESTS_SINCE must be a naive UTC timestamp" in malformed.stdout, malformed.stdout[-2000:]


def test_an_unknown_revenue_basis_fails_with_the_allowed_values(tmp_path: Path) -> None:
    """revenue_basis 'gros' stops dbt before it touches a database, naming 'net' and 'gross'."""
    result = run_dbt(["parse"], "duckdb", {"revenue_basis": "gros"}, tmp_path)
    assert result.returncode != 0, "dbt parse accepted revenue_basis 'gros'"
    assert "must be 'net' or 'gross', got 'gros'" in result.stdout, result.stdout[-2000:]


def test_an_unknown_counted_order_status_fails_with_the_vocabulary(tmp_path: Path) -> None:
    """counted_order_statuses ['shipped'] stops dbt at parse time, listing the statuses of the contract."""
    result = run_dbt(["parse"], "duckdb", {"counted_order_statuses": ["shipped"]}, tmp_path)
    assert result.returncode != 0, "dbt parse accepted order status 'shipped'"
    assert "'shipped' is not one of pending, completed" in result.stdout, result.stdout[-2000:]


def test_dbt_parse_writes_a_manifest_without_a_database(tmp_path: Path) -> None:
    """dbt parse (run at image build time) writes manifest.json and creates no DuckDB file."""
    warehouse = tmp_path / "never_created.duckdb"
    result = run_dbt(["parse"], "duckdb", {"flexlake_duckdb_path": str(warehouse)}, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert _faker_tenant_models(models) == MODELS, sorted(models)
    assert not warehouse.exists(), "dbt parse opened the DuckDB warehouse"


def test_every_model_and_column_is_described_and_input_contracts_are_enforced(tmp_path: Path) -> None:
    """The manifest has a description for every model, seed and column; input-layer models enforce contracts."""
    result = run_dbt(["parse"], "duckdb", {}, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    nodes = json.loads((tmp_path / "target" / "manifest.json").read_text())["nodes"].values()
    documented = [node for node in nodes if node["resource_type"] in {"model", "seed"}]
    undescribed = [node["name"] for node in documented if not node["description"].strip()]
    undescribed += [
        f"{node['name']}.{column['name']}" for node in documented for column in node["columns"].values()
        if not column["description"].strip()
    ]  # fmt: skip
    assert not undescribed, f"without a description: {undescribed}"
    input_models = [node for node in documented if node["name"].startswith("input__")]
    assert len(input_models) == 11, [node["name"] for node in input_models]
    for node in input_models:
        assert node["contract"]["enforced"], f"{node['name']} does not enforce its contract"
        assert "Grain:" in node["description"], f"{node['name']} does not state its grain"
        for column in ("source_system", "source_relation"):
            assert column in node["columns"], f"{node['name']} lacks {column}"
    adapters = [node for node in documented if node["fqn"][1] == "adapters"]
    assert len(adapters) >= 3 * 7, [node["name"] for node in adapters]
    for node in adapters:
        assert node["description"].startswith("One row per "), f"{node['name']}: start its description with its grain"


def test_excluding_the_customers_mart_path_drops_the_mart_and_its_tests(tmp_path: Path) -> None:
    """`--exclude path:models/marts/customers` (a tenant's disabled mart) leaves no node of that mart."""
    result = run_dbt(["ls", "--exclude", "path:models/marts/customers", "--output", "name"], "duckdb", {}, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    names = set(result.stdout.split())
    assert "mart_revenue_daily" in names, "the revenue mart should still be selected"
    leftovers = {name for name in names if "customer_lifetime" in name}
    assert not leftovers, f"still selected after excluding the customers mart: {leftovers}"


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_env(postgres_server: "PostgresServer") -> dict[str, str]:
    """The FLEXLAKE_PG_* variables the `postgres` target of profiles.yml reads."""
    return {
        "FLEXLAKE_PG_HOST": postgres_server.host,
        "FLEXLAKE_PG_PORT": str(postgres_server.port),
        "FLEXLAKE_PG_USER": postgres_server.user,
        "FLEXLAKE_PG_PASSWORD": postgres_server.password,
        "FLEXLAKE_PG_DATABASE": postgres_server.dbname,
    }


def test_dbt_build_on_postgres_matches_the_raw_figures(
    postgres_server: "PostgresServer", postgres_env: dict[str, str], tmp_path: Path
) -> None:
    """Faker synced into a raw schema on PostgreSQL: dbt build passes, marts and facts equal the raw sums.
    Incremental runs against full refreshes: test_incremental_equivalence.py (random histories, both warehouses)."""
    import psycopg2  # noqa: PLC0415 - only this test needs the driver

    server = postgres_server
    _sync_faker(
        {"cache": "postgres", "host": server.host, "port": server.port, "user": server.user,
         "password": server.password, "dbname": server.dbname, "schema": RAW_SCHEMA}
    )  # fmt: skip
    connection = psycopg2.connect(
        host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.dbname
    )
    connection.autocommit = True

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    try:
        expected = _expected(fetch, RAW_SCHEMA)
        dbt_vars = {
            "flexlake_schema_prefix": "acme",
            "flexlake_source_systems": ["faker"],
            "flexlake_raw_relations": {"faker": [{"database": None, "schema": RAW_SCHEMA}]},
        }
        _dbt_build("postgres", dbt_vars, tmp_path / "first", postgres_env)
        log = (tmp_path / "first" / "logs" / "dbt.log").read_text()  # cost attribution (macros/query_tags.sql)
        assert "set application_name = 'flexlake:local:fct_orders'" in log, "fct_orders' session is not labelled"
        assert '/* {"app": "flexlake", "tenant": "local", "node": "fct_orders"' in log, "no query comment"
        (totals,) = fetch(_MART_TOTALS_SQL.format(schema="acme_marts"))
        (facts,) = fetch(_FACT_TOTALS_SQL.format(schema="acme_core"))
        schemas = dict(
            fetch(
                "select table_schema, count(*) from information_schema.tables"
                " where table_schema like 'acme%' group by table_schema"
            )
        )
        _assert_mart_totals(totals, expected, basis="net")
        _assert_fact_totals(facts, expected)
        assert schemas == {RAW_SCHEMA: 6, **{f"acme_{layer}": count for layer, count in SCHEMA_TABLES.items()}}, schemas
        _assert_incremental_tables_are_indexed(fetch, dbt_vars, postgres_env, tmp_path / "first")
        _assert_not_null_enforced(fetch, _constrained_not_null(tmp_path / "first", "acme"))
    finally:
        connection.close()


def _indexed_columns(fetch: Callable[[str], list[tuple[Any, ...]]], schema: str, table: str) -> set[str]:
    """The column lists of a table's indexes, as pg_indexes writes them: {'(loaded_at)', ...}."""
    definitions = fetch(f"select indexdef from pg_indexes where schemaname = '{schema}' and tablename = '{table}'")
    return {"(" + definition.rsplit("(", 1)[-1] for (definition,) in definitions}


def _assert_incremental_tables_are_indexed(
    fetch: Callable[[str], list[tuple[Any, ...]]], dbt_vars: dict[str, Any], env: dict[str, str], work_dir: Path
) -> None:
    """Every incremental table has an index on its unique key and on loaded_at (macros/postgres_indexes.sql), and a
    table built without them (by an earlier release) gets them on its next incremental run, not only a full refresh."""
    expected = {
        ("acme_staging", "stg_faker__purchases"): {"(source_relation, purchase_id)", "(loaded_at)"},
        ("acme_input", "input__order_lines"): {"(source_relation, order_id)", "(loaded_at)"},
        ("acme_core", "fct_orders"): {"(order_key)", "(loaded_at)"},
        ("acme_core", "int_revenue__contributions"): {"(contribution_key)"},
    }
    for (schema, table), columns in expected.items():
        assert _indexed_columns(fetch, schema, table) >= columns, f"{schema}.{table} lacks an index of {columns}"
    for (index,) in fetch(
        "select indexname from pg_indexes where schemaname = 'acme_input' and tablename = 'input__order_lines'"
    ):
        fetch(f"drop index acme_input.{index}; select 1")  # fetch() reads the last statement's rows
    result = run_dbt(["run", "--select", "input__order_lines"], "postgres", dbt_vars, work_dir, env)
    assert result.returncode == 0, f"incremental run of input__order_lines failed:\n{result.stdout[-3000:]}"
    assert _indexed_columns(fetch, "acme_input", "input__order_lines") == expected[("acme_input", "input__order_lines")]
