"""The product compiles for Redshift and SQL Server, which cannot run here: the offline stand-in for a build.

`dbt compile --no-populate-cache --no-introspect` with dbt-redshift and dbt-sqlserver opens no connection
(placeholder credentials in profiles.yml); the raw-stream and incremental macros then assume the declared
raw columns and render the incremental branch (include/dbt/README.md, "Offline compile"). One tenant with
all three source systems, so every model of the manifest is compiled; a model missing from the compiled
output fails the test.

SQL Server: every compiled model is linted as a view body (dbt-sqlserver builds tables through a view)
by flexlake.warehouses.tsql_lint, whose own unit tests feed it known-bad T-SQL.
Redshift (executed on PostgreSQL elsewhere as its proxy): every compiled model must parse with sqlglot's
Redshift dialect, and no construct of another adapter's dispatch variant may leak in: PostgreSQL-only
JSON (`jsonb`, `->>`, `with ordinality`), `lateral`, leader-node-only `generate_series`, interval
arithmetic, and the DuckDB / SQL Server / Snowflake functions and types of the cross_db macros.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from flexlake.warehouses.tsql_lint import lint_compiled_dir, lint_tsql
from sqlglot.tokenizer_core import TokenType

from tests.integration.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

SYSTEMS = ["faker", "shopify", "stripe"]
DBT_VARS: dict[str, Any] = {
    "flexlake_source_systems": SYSTEMS,
    "flexlake_raw_relations": {system: [{"database": None, "schema": f"raw_{system}"}] for system in SYSTEMS},
    # the tenant's FX rate table, so input__fx_rates compiles its reading branch (Shopify-only: its empty one)
    "fx_rates_relation": "finance.fx_rates",
    # every entity with a pass-through column of each type, so pass_through__* and their joins are compiled too
    "flexlake_pass_through_columns": {
        "customers": [{"system": "shopify", "column": "tags", "name": "customer_tags", "type": "string"}],
        "orders": [
            {"system": "stripe", "column": "attempted", "name": "was_attempted", "type": "boolean"},
            {"system": "faker", "column": "returned_at", "name": "faker_returned_at", "type": "timestamp"},
        ],
        "products": [
            {"system": "faker", "column": "year", "name": "model_year", "type": "integer"},
            {"system": "shopify", "column": "price_hint", "name": "price_hint", "type": "number"},
        ],
    },
}
# A tenant with Shopify only: the input models of entities it has no adapter for (subscriptions, invoices)
# compile to their empty, typed branch (contract data types mapped per warehouse).
SHOPIFY_ONLY_VARS: dict[str, Any] = {
    "flexlake_source_systems": ["shopify"],
    "flexlake_raw_relations": {"shopify": [{"database": None, "schema": "raw_shopify"}]},
}
COMPILE_SECONDS_LIMIT = 90

# Words of other adapters' variants that Redshift does not have (compared lower-case, whole tokens).
REDSHIFT_FOREIGN_WORDS = frozenset(
    {
        "jsonb",  # PostgreSQL JSON
        "->>",
        "->",
        "jsonb_array_elements",
        "jsonb_typeof",
        "ordinality",
        "lateral",
        "generate_series",  # leader-node only: fails inside CREATE TABLE AS
        "interval",
        "isodow",  # a PostgreSQL date part Redshift lacks
        "try_cast",  # DuckDB / SQL Server / Snowflake
        "json_each",
        "json_type",
        "json_extract_string",
        "make_timestamp",
        "timezone",
        "openjson",
        "json_value",
        "hashbytes",
        "switchoffset",
        "datetime2",
        "variant",
        "to_timestamp_ntz",
        "get_path",
        "flatten",
        "is_array",
        "try_parse_json",
        "to_varchar",
    }
)


@dataclass(frozen=True)
class Compiled:
    """One target's offline compile: model name -> compiled SQL, the manifest's models, where, how long."""

    models: dict[str, str]
    manifest_models: set[str]
    compiled_dir: Path
    seconds: float


def _compile(
    target: str, work_dir: Path, dbt_vars: dict[str, Any] = DBT_VARS, select: tuple[str, ...] = ()
) -> Compiled:
    """Compile every model and data test (or the `select`ed ones) for `target` offline."""
    started = time.monotonic()
    selection = ["--select", *select] if select else []
    result = run_dbt(["compile", "--no-populate-cache", "--no-introspect", *selection], target, dbt_vars, work_dir)
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"dbt compile --target {target} failed:\n{result.stdout[-4000:]}"
    target_dir = work_dir / "target"
    nodes = json.loads((target_dir / "manifest.json").read_text())["nodes"].values()
    models = {node["name"]: node for node in nodes if node["resource_type"] == "model"}
    compiled: dict[str, str] = {}
    for name, node in models.items():
        path = target_dir / "compiled" / node["package_name"] / node["original_file_path"]
        if path.is_file():
            compiled[name] = path.read_text()
    return Compiled(compiled, set(models), target_dir / "compiled", seconds)


@pytest.fixture(scope="module")
def sqlserver(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    return _compile("sqlserver", tmp_path_factory.mktemp("sqlserver"))


@pytest.fixture(scope="module")
def sqlserver_shopify_only(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    work_dir = tmp_path_factory.mktemp("sqlserver_shopify")
    return _compile("sqlserver", work_dir, SHOPIFY_ONLY_VARS, ("path:models/input_layer",))


@pytest.fixture(scope="module")
def redshift(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    return _compile("redshift", tmp_path_factory.mktemp("redshift"))


@pytest.mark.parametrize("target", ["sqlserver", "redshift"])
def test_every_model_compiles_offline(target: str, request: pytest.FixtureRequest) -> None:
    """Every model of the manifest has compiled SQL, within the time budget, with no connection."""
    compiled: Compiled = request.getfixturevalue(target)
    models = compiled.manifest_models
    assert len(models) > 60, f"only {len(models)} models in the manifest: are all source systems enabled?"
    assert set(compiled.models) == models, f"{target}: not compiled: {sorted(models - set(compiled.models))}"
    assert compiled.seconds < COMPILE_SECONDS_LIMIT, f"{target}: compile took {compiled.seconds:.0f} s"


def test_sqlserver_compiled_models_lint_clean(sqlserver: Compiled) -> None:
    """No compiled model breaks a T-SQL rule (LIMIT, nested WITH, boolean projections, `::`, ...)."""
    violations = [f"{name}.sql {v}" for name, sql in sqlserver.models.items() for v in lint_tsql(sql, as_view=True)]
    assert not violations, f"{len(violations)} T-SQL violations:\n" + "\n".join(violations[:50])


def test_sqlserver_empty_input_models_cast_to_sql_server_types(sqlserver_shopify_only: Compiled) -> None:
    """A Shopify-only tenant's subscriptions, invoices and FX rates (no rate table) are typed empty selects: no
    rowversion `timestamp`, no 30-character varchar, and they lint clean; the other input models still union the
    Shopify adapter."""
    compiled = sqlserver_shopify_only.models
    for model in ("input__subscriptions", "input__invoices", "input__fx_rates"):
        assert "where 1 = 0" in compiled[model], compiled[model]
        assert "as timestamp)" not in compiled[model] and "as varchar)" not in compiled[model], compiled[model]
        assert not lint_tsql(compiled[model], as_view=True), lint_tsql(compiled[model], as_view=True)
    assert "shopify__orders" in compiled["input__orders"]


def test_sqlserver_compiled_data_tests_lint_clean(sqlserver: Compiled) -> None:
    """The data tests too (dbt-sqlserver runs each inside a subquery, so they are linted as view bodies)."""
    results = lint_compiled_dir(sqlserver.compiled_dir)
    assert len(list(sqlserver.compiled_dir.rglob("*.sql"))) > len(sqlserver.models) + 100, "data tests missing"
    violations = [str(v) for file_violations in results.values() for v in file_violations]
    assert not violations, f"{len(violations)} T-SQL violations:\n" + "\n".join(violations[:50])


def test_sqlserver_incremental_models_compile_their_incremental_branch(sqlserver: Compiled) -> None:
    """Offline, the incremental facts render the subquery on their own table, so the linter sees it."""
    for model in ["fct_order_lines", "fct_payments"]:
        assert f'"main_core"."{model}"' in sqlserver.models[model], f"{model}: incremental branch not compiled"


def test_redshift_compiled_models_hold_nothing_of_other_adapters(redshift: Compiled) -> None:
    """Every model parses as Redshift SQL and uses no other adapter's functions, types or syntax."""
    leaks: list[str] = []
    for name, sql in sorted(redshift.models.items()):
        sqlglot.parse(sql, read="redshift")
        words = _words(sql) & REDSHIFT_FOREIGN_WORDS
        if words:
            leaks.append(f"{name}: {sorted(words)}")
    assert not leaks, "other adapters' SQL in Redshift models:\n" + "\n".join(leaks)


def _words(sql: str) -> set[str]:
    """The lower-case tokens of `sql` (words and operators such as `->>`), outside strings and comments."""
    tokens = sqlglot.tokenize(sql, read="redshift")
    return {token.text.lower() for token in tokens if token.token_type != TokenType.STRING}
