"""Pass-through columns (the "add columns" customization) on DuckDB and PostgreSQL.

A Shopify tenant declares four raw fields in its tenant file's dbt.pass_through_columns (here given as the
var the DAG passes): customers' `tags` and `accepts_marketing`, orders' `cancel_reason`, products' `tags`.
One dbt build of the customer and product marts and fct_orders per warehouse; then every declared column is
compared, record by record, with the latest raw value computed in Python from the generated raw rows
(tests/generators/oracle.py latest_rows: the generator re-versions customers' tags in a later sync, so an
older value would show). A column of a system the tenant does not sync is ignored; a name that collides with
a product column fails compilation with the fix.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.generators.oracle import latest_rows
from tests.generators.raw_tables import RawDataset
from tests.generators.shopify import generate_shopify
from tests.integration.dbt_cli import (
    DbtBuild,
    Fetch,
    build_project,
    duckdb_raw_warehouse,
    other_systems_excluded,
    postgres_raw_warehouse,
    run_dbt,
)

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

PREFIX = "ptcol"
RAW_SCHEMA = f"{PREFIX}_raw_shop"
RAW_ALIAS = "raw_pass_through"
MODELS = ("mart_customer_lifetime", "mart_product_performance", "fct_orders")
PASS_THROUGH = {
    "customers": [
        {"system": "shopify", "column": "tags", "name": "customer_tags", "type": "string"},
        {"system": "shopify", "column": "accepts_marketing", "name": "accepts_marketing", "type": "boolean"},
        {"system": "stripe", "column": "description", "name": "stripe_description", "type": "string"},
    ],
    "orders": [{"system": "shopify", "column": "cancel_reason", "name": "cancel_reason", "type": "string"}],
    "products": [{"system": "shopify", "column": "tags", "name": "product_tags", "type": "string"}],
}


@pytest.fixture(scope="module")
def dataset() -> RawDataset:
    return generate_shopify(41, store="pt")


def _dbt_vars(database: str | None, pass_through: dict[str, Any] = PASS_THROUGH) -> dict[str, Any]:
    return {
        "flexlake_schema_prefix": PREFIX,
        "flexlake_source_systems": ["shopify"],
        "flexlake_raw_relations": {"shopify": [{"database": database, "schema": RAW_SCHEMA}]},
        "flexlake_pass_through_columns": pass_through,
    }


def _build(target: str, dbt_vars: dict[str, Any], work_dir: Path, fetch: Fetch, env: dict[str, str] | None) -> DbtBuild:
    command = [
        "build",
        "--select",
        *[f"+{model}" for model in MODELS],
        "--exclude",
        *other_systems_excluded(["shopify"]),
    ]
    return build_project(
        [*command, "--indirect-selection", "cautious"], target, dbt_vars, work_dir, fetch=fetch, env=env
    )


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset) -> DbtBuild:
    work_dir = tmp_path_factory.mktemp("pass_through_duckdb")
    duckdb_vars, fetch = duckdb_raw_warehouse(work_dir, {RAW_SCHEMA: dataset}, RAW_ALIAS)
    return _build("duckdb", _dbt_vars(RAW_ALIAS) | duckdb_vars, work_dir, fetch, None)


@pytest.fixture(scope="module")
def postgres_build(
    postgres_server: "PostgresServer", tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset
) -> DbtBuild:
    fetch = postgres_raw_warehouse(postgres_server, {RAW_SCHEMA: dataset})
    work_dir = tmp_path_factory.mktemp("pass_through_postgres")
    return _build("postgres", _dbt_vars(None), work_dir, fetch, postgres_server.dbt_env)


def _latest(dataset: RawDataset, stream: str, column: str) -> dict[str, Any]:
    return {str(row["id"]): row.get(column) for row in latest_rows(dataset, stream)}


def _values(build: DbtBuild, relation: str, key: str, column: str, where: str = "1 = 1") -> dict[str, Any]:
    return {str(k): v for k, v in build.fetch(f"select {key}, {column} from {PREFIX}_{relation} where {where}")}


@pytest.mark.parametrize("build_name", ["duckdb_build", "postgres_build"])
def test_the_build_passes_with_pass_through_columns(build_name: str, request: pytest.FixtureRequest) -> None:
    """Every model and data test of the selection succeeds, the three pass_through models among them."""
    build: DbtBuild = request.getfixturevalue(build_name)
    failed = build.failures()
    assert not failed, f"{failed}\n{build.output}"
    built = build.models()
    assert {"pass_through__customers", "pass_through__orders", "pass_through__products", *MODELS} <= built


@pytest.mark.parametrize("build_name", ["duckdb_build", "postgres_build"])
def test_declared_columns_carry_the_latest_raw_value_into_core_and_marts(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset
) -> None:
    """dim_customers and mart_customer_lifetime: tags (re-versioned later: the newest wins) and
    accepts_marketing; fct_orders: cancel_reason; dim_products and mart_product_performance: tags."""
    build: DbtBuild = request.getfixturevalue(build_name)
    tags = _latest(dataset, "customers", "tags")
    assert "vip" in tags.values() and "" in tags.values(), "the generator's late tag update is exercised"
    assert _values(build, "core.dim_customers", "customer_id", "customer_tags", "is_deleted = 0") == tags
    in_mart = _values(build, "marts.mart_customer_lifetime", "customer_id", "customer_tags")
    assert in_mart == {customer: tags[customer] for customer in in_mart} and len(in_mart) >= len(tags)
    marketing = _values(build, "core.dim_customers", "customer_id", "accepts_marketing", "is_deleted = 0")
    assert marketing == _latest(dataset, "customers", "accepts_marketing")
    reasons = _values(build, "core.fct_orders", "order_id", "cancel_reason")
    expected = _latest(dataset, "orders", "cancel_reason")
    assert reasons == {order: expected[order] for order in reasons} and "customer" in reasons.values()
    product_tags = _latest(dataset, "products", "tags")
    # deleted products stay in dim_products (is_deleted = 1) with their last values; the oracle drops them
    assert _values(build, "core.dim_products", "product_id", "product_tags", "is_deleted = 0") == product_tags
    in_mart = _values(build, "marts.mart_product_performance", "product_id", "product_tags")
    assert in_mart and in_mart == {product: product_tags[product] for product in in_mart}


def test_a_system_the_tenant_does_not_sync_adds_no_column(duckdb_build: DbtBuild) -> None:
    """The Stripe column is declared, but the tenant syncs no Stripe: dim_customers has no such column."""
    columns = {row[0] for row in duckdb_build.fetch(f"describe {PREFIX}_core.dim_customers")}
    assert "customer_tags" in columns and "stripe_description" not in columns, columns


def test_a_name_colliding_with_a_product_column_fails_with_the_fix(tmp_path: Path) -> None:
    """A pass-through column named like a column of dim_products (vendor is one) would duplicate it: compile
    fails naming the column, the model and the fix."""
    clash = {"products": [{"system": "shopify", "column": "vendor", "name": "vendor", "type": "string"}]}
    dbt_vars = _dbt_vars(RAW_ALIAS, clash) | {"flexlake_duckdb_path": str(tmp_path / "w.duckdb")}
    result = run_dbt(["compile", "--select", "dim_products", "--no-introspect"], "duckdb", dbt_vars, tmp_path)
    assert result.returncode != 0
    assert "pass-through column 'vendor' of products has the name of a column of dim_products" in result.stdout
