"""The dbt data product (include/dbt) built on real faker data, on DuckDB and on PostgreSQL.

Raw data comes from Airbyte's source-faker connector run through PyAirbyte, in their own venvs as in
production; dbt runs as a subprocess of the main venv's `dbt` with its own target and log paths, so
the tests never touch include/dbt/target (the manifest the DAGs read). Expected figures are computed
in Python from the raw rows with Decimal arithmetic, independently of the SQL under test.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "include" / "dbt"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
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
    "dim_customers",
    "dim_products",
    "fct_orders",
    "mart_revenue_daily",
    "mart_customer_lifetime",
}
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
    """What the marts must add up to, computed in Python from the raw rows."""

    orders: int
    gross: Decimal
    refunds: Decimal
    distinct_purchases: int
    raw_purchase_rows: int


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


def _dbt(
    command: list[str],
    target: str,
    dbt_vars: dict[str, Any],
    work_dir: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    args = [
        str(DBT_EXECUTABLE), *command,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", target, "--vars", json.dumps(dbt_vars),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    return subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False, timeout=600
    )


def _dbt_build(target: str, dbt_vars: dict[str, Any], work_dir: Path, env: dict[str, str] | None = None) -> None:
    """Run `dbt build` and assert every model built and every test passed."""
    result = _dbt(["build"], target, dbt_vars, work_dir, env)
    assert result.returncode == 0, f"dbt build failed on {target}:\n{result.stdout[-5000:]}"
    run_results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    failed = [(r["unique_id"], r["status"]) for r in run_results if r["status"] not in {"success", "pass"}]
    assert not failed, f"dbt nodes not successful on {target}: {failed}"
    built = {r["unique_id"].split(".")[-1] for r in run_results if r["unique_id"].startswith("model.")}
    assert built == MODELS, f"models built on {target}: {sorted(built)}, expected {sorted(MODELS)}"
    tests = [r for r in run_results if r["unique_id"].startswith("test.")]
    assert len(tests) > len(MODELS), f"only {len(tests)} data tests ran on {target}"


def _expected_figures(products: list[tuple[Any, ...]], purchases: list[tuple[Any, ...]]) -> ExpectedFigures:
    """products: (id, price, updated_at, extracted_at); purchases: (id, product_id, purchased_at,
    returned_at, updated_at, extracted_at). Keeps the latest version per id, as staging must."""

    def latest(rows: list[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
        kept: dict[Any, tuple[Any, ...]] = {}
        for row in sorted(rows, key=lambda row: (row[-2], row[-1])):
            kept[row[0]] = row
        return kept

    price = {product_id: Decimal(row[1]).quantize(CENT) for product_id, row in latest(products).items()}
    orders = [row for row in latest(purchases).values() if row[2] is not None]
    gross = sum((price[row[1]] for row in orders), Decimal("0"))
    refunds = sum((price[row[1]] for row in orders if row[3] is not None), Decimal("0"))
    return ExpectedFigures(
        orders=len(orders),
        gross=gross,
        refunds=refunds,
        distinct_purchases=len({row[0] for row in purchases}),
        raw_purchase_rows=len(purchases),
    )


_RAW_PRODUCTS_SQL = f"select id, price, updated_at, _airbyte_extracted_at from {RAW_SCHEMA}.products"
_RAW_PURCHASES_SQL = (
    f"select id, product_id, purchased_at, returned_at, updated_at, _airbyte_extracted_at from {RAW_SCHEMA}.purchases"
)
_MART_TOTALS_SQL = (
    "select sum(orders), sum(gross_revenue), sum(refunds), sum(net_revenue), sum(revenue), count(*),"
    " sum(case when net_revenue = gross_revenue - refunds then 0 else 1 end)"
    " from {schema}.mart_revenue_daily"
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
        "raw_database__faker": RAW_ALIAS,
        "raw_schema__faker": RAW_SCHEMA,
        **extra,
    }


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory) -> DuckDBBuild:
    """Faker synced twice (duplicates per key) into its own raw DuckDB file, then one `dbt build`."""
    work_dir = tmp_path_factory.mktemp("dbt_duckdb")
    raw_file, warehouse = work_dir / "raw_shop.duckdb", work_dir / "warehouse.duckdb"
    _sync_faker({"cache": "duckdb", "db_path": str(raw_file), "schema": RAW_SCHEMA}, passes=2)
    with duckdb.connect(str(raw_file), read_only=True) as raw:
        expected = _expected_figures(raw.sql(_RAW_PRODUCTS_SQL).fetchall(), raw.sql(_RAW_PURCHASES_SQL).fetchall())
    dbt_vars = _duckdb_vars(warehouse, raw_file, "acme")
    _dbt_build("duckdb", dbt_vars, work_dir)
    return DuckDBBuild(warehouse, raw_file, work_dir, dbt_vars, expected)


def test_dbt_build_on_duckdb_builds_every_model_and_passes_every_test(duckdb_build: DuckDBBuild) -> None:
    """dbt build on DuckDB, with the raw file attached read-only, builds all models into prefixed schemas."""
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        tables = warehouse.sql("select table_schema, table_name from information_schema.tables").fetchall()
    schemas = {schema for schema, _table in tables}
    assert schemas == {"acme_staging", "acme_core", "acme_marts"}, f"unexpected schemas {schemas}"
    assert {table for _schema, table in tables} == MODELS


def test_mart_revenue_daily_adds_up_to_raw_purchases_priced_by_products(duckdb_build: DuckDBBuild) -> None:
    """Gross revenue, refunds and net revenue of the daily mart equal the Decimal sums of the raw rows."""
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        totals = warehouse.sql(_MART_TOTALS_SQL.format(schema="acme_marts")).fetchone()
    assert totals is not None
    _assert_mart_totals(totals, duckdb_build.expected, basis="net")


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


def test_revenue_basis_gross_makes_the_revenue_columns_report_gross_revenue(
    duckdb_build: DuckDBBuild,
) -> None:
    """A tenant with revenue_basis 'gross' gets gross revenue in `revenue` and `lifetime_revenue`."""
    work_dir = duckdb_build.work_dir / "gross"
    dbt_vars = _duckdb_vars(duckdb_build.warehouse, duckdb_build.raw_file, "acme_gross", revenue_basis="gross")
    _dbt_build("duckdb", dbt_vars, work_dir)
    with duckdb.connect(str(duckdb_build.warehouse), read_only=True) as warehouse:
        totals = warehouse.sql(_MART_TOTALS_SQL.format(schema="acme_gross_marts")).fetchone()
        lifetime = warehouse.sql(
            "select sum(lifetime_revenue), sum(gross_revenue), min(revenue_basis), max(revenue_basis)"
            " from acme_gross_marts.mart_customer_lifetime"
        ).fetchone()
        net_lifetime = warehouse.sql("select sum(lifetime_revenue) from acme_marts.mart_customer_lifetime").fetchone()
    assert totals is not None and lifetime is not None and net_lifetime is not None
    _assert_mart_totals(totals, duckdb_build.expected, basis="gross")
    assert lifetime == (duckdb_build.expected.gross, duckdb_build.expected.gross, "gross", "gross"), lifetime
    assert net_lifetime[0] == duckdb_build.expected.gross - duckdb_build.expected.refunds, net_lifetime


def test_an_unknown_revenue_basis_fails_with_the_allowed_values(tmp_path: Path) -> None:
    """revenue_basis 'gros' stops dbt before it touches a database, naming 'net' and 'gross'."""
    result = _dbt(["parse"], "duckdb", {"revenue_basis": "gros"}, tmp_path)
    assert result.returncode != 0, "dbt parse accepted revenue_basis 'gros'"
    assert "must be 'net' or 'gross', got 'gros'" in result.stdout, result.stdout[-2000:]


def test_dbt_parse_writes_a_manifest_without_a_database(tmp_path: Path) -> None:
    """dbt parse (run at image build time) writes manifest.json and creates no DuckDB file."""
    warehouse = tmp_path / "never_created.duckdb"
    result = _dbt(["parse"], "duckdb", {"flexlake_duckdb_path": str(warehouse)}, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert models == MODELS, sorted(models)
    assert not warehouse.exists(), "dbt parse opened the DuckDB warehouse"


def test_excluding_the_customers_mart_path_drops_the_mart_and_its_tests(tmp_path: Path) -> None:
    """`--exclude path:models/marts/customers` (a tenant's disabled mart) leaves no node of that mart."""
    result = _dbt(["ls", "--exclude", "path:models/marts/customers", "--output", "name"], "duckdb", {}, tmp_path)
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
    """Faker synced into a raw schema on PostgreSQL; dbt build passes and the mart equals the raw sums."""
    import psycopg2  # noqa: PLC0415 - only this test needs the driver

    server = postgres_server
    _sync_faker(
        {"cache": "postgres", "host": server.host, "port": server.port, "user": server.user,
         "password": server.password, "dbname": server.dbname, "schema": RAW_SCHEMA}
    )  # fmt: skip
    connection = psycopg2.connect(
        host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.dbname
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(_RAW_PRODUCTS_SQL)
            products = cursor.fetchall()
            cursor.execute(_RAW_PURCHASES_SQL)
            expected = _expected_figures(products, cursor.fetchall())
        _dbt_build(
            "postgres",
            {"flexlake_schema_prefix": "acme", "raw_schema__faker": RAW_SCHEMA},
            tmp_path,
            postgres_env,
        )
        with connection.cursor() as cursor:
            cursor.execute(_MART_TOTALS_SQL.format(schema="acme_marts"))
            totals = cursor.fetchone()
            cursor.execute(
                "select table_schema, count(*) from information_schema.tables"
                " where table_schema like 'acme%' group by table_schema"
            )
            schemas = dict(cursor.fetchall())
    finally:
        connection.close()
    assert totals is not None
    _assert_mart_totals(totals, expected, basis="net")
    assert schemas == {RAW_SCHEMA: 6, "acme_staging": 3, "acme_core": 3, "acme_marts": 2}, schemas
