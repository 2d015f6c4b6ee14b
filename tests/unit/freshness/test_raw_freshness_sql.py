"""The freshness queries as Snowflake, Redshift and SQL Server receive them. Nothing runs those here; DuckDB and
PostgreSQL execute the same text (test_check.py, tests/integration/test_source_freshness.py)."""

import duckdb
import pytest
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.raw_freshness import extracted_at_columns_query, newest_extracted_at_query
from flexlake.warehouses.tsql_lint import lint_tsql

SNOWFLAKE_COLUMNS = [
    ("ACME_RAW_SHOP", "ORDERS", "_AIRBYTE_EXTRACTED_AT"),
    ("ACME_RAW_SHOP", "CUSTOMERS", "_AIRBYTE_EXTRACTED_AT"),
]


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
def test_the_column_lookup_uses_the_drivers_parameter_marker(warehouse_type: str) -> None:
    """pyodbc takes ?, the Snowflake and Redshift drivers %s: the schema is a parameter, never pasted in."""
    param = get_warehouse(warehouse_type).param  # type: ignore[attr-defined]
    query = extracted_at_columns_query(param)
    assert f"lower(table_schema) = lower({param})" in query, query
    assert "lower(column_name) = '_airbyte_extracted_at'" in query, query


def test_snowflake_upper_case_names_are_quoted_as_the_destination_wrote_them() -> None:
    """Quoted identifiers are case-sensitive in Snowflake: the query names ORDERS, not orders."""
    query = newest_extracted_at_query(SNOWFLAKE_COLUMNS)
    assert query == (
        'select \'CUSTOMERS\' as stream_name, max("_AIRBYTE_EXTRACTED_AT") as newest from "ACME_RAW_SHOP"."CUSTOMERS"'
        " union all "
        'select \'ORDERS\' as stream_name, max("_AIRBYTE_EXTRACTED_AT") as newest from "ACME_RAW_SHOP"."ORDERS"'
    ), query


def test_the_sql_server_text_passes_the_t_sql_linter() -> None:
    """No LIMIT, no boolean projection, no reserved bare word: both queries are T-SQL SQL Server accepts."""
    for query in (extracted_at_columns_query("?"), newest_extracted_at_query(SNOWFLAKE_COLUMNS)):
        assert query is not None
        assert lint_tsql(query) == [], (query, lint_tsql(query))


def test_a_schema_without_raw_tables_needs_no_second_query() -> None:
    """A source whose first sync has not run: no union of nothing."""
    assert newest_extracted_at_query([]) is None


def test_a_name_with_a_quote_cannot_break_out_of_the_query() -> None:
    """Table names come from the warehouse's catalog; one with quotes stays a name (DuckDB runs the text)."""
    weird = "odd\"name's"
    query = newest_extracted_at_query([("raw", weird, "_airbyte_extracted_at")])
    assert query is not None
    with duckdb.connect() as connection:
        quoted = weird.replace('"', '""')
        connection.execute(f'create schema raw; create table raw."{quoted}" (_airbyte_extracted_at timestamp)')
        assert connection.execute(query).fetchall() == [(weird, None)]
