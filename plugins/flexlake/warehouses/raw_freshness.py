"""The two queries behind source freshness, in SQL every warehouse accepts: which raw tables of a schema have
`_airbyte_extracted_at`, then the newest value of each, in one round trip (`union all`).

A direct `max()` per raw table, not `dbt source freshness`: it costs ~25 ms per source on DuckDB where dbt
costs 1-2 s in-process and 6-7 s as a command (docs/alerts.md, "Source freshness"), and it reads every raw
schema of the tenant, where a dbt source names one relation per table (a tenant with two Shopify stores has two).

Names come from information_schema as the warehouse stores them (Snowflake's destination upper-cases them)
and are quoted as found. Values are returned as the driver gives them (a timestamp, naive or zoned, or SQL
Server's BIGINT epoch milliseconds); flexlake.freshness turns them into UTC.
"""

from collections.abc import Sequence
from typing import Any

from psycopg2 import sql  # composing and quoting only (render_sql): no PostgreSQL connection

from flexlake.warehouses.provisioning import render_sql

EXTRACTED_AT = "_airbyte_extracted_at"


def extracted_at_columns_query(param: str) -> str:
    """Schema, table and column name of every `_airbyte_extracted_at` column in one schema (any case)."""
    return (
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where lower(table_schema) = lower({param}) and lower(column_name) = '{EXTRACTED_AT}'"
    )


def newest_extracted_at_query(columns: Sequence[tuple[str, str, str]]) -> str | None:
    """One query: (table name, newest extracted_at) per table; None for a schema without raw tables."""
    if not columns:
        return None
    selects = [
        sql.SQL("select {} as stream_name, max({}) as newest from {}").format(
            sql.Literal(table), sql.Identifier(column), sql.Identifier(schema, table)
        )
        for schema, table, column in sorted(columns, key=lambda found: found[1])
    ]
    return render_sql(sql.SQL(" union all ").join(selects))


def newest_by_table(cursor: Any, schema: str, param: str) -> dict[str, Any]:
    """Through a DB-API cursor: lower-cased table name -> newest `_airbyte_extracted_at` (None when empty)."""
    cursor.execute(extracted_at_columns_query(param), (schema,))
    query = newest_extracted_at_query([(str(s), str(t), str(c)) for s, t, c in cursor.fetchall()])
    if query is None:
        return {}
    cursor.execute(query)
    return {str(table).lower(): newest for table, newest in cursor.fetchall()}
