"""The raw table writers: DuckDB round trip with Airbyte's types, upper-case identifiers like Snowflake."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb

from tests.generators.raw_tables import write_duckdb
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe


def test_duckdb_round_trip_keeps_rows_types_and_exact_money(tmp_path: Path) -> None:
    """Every stream becomes a table with its row count; numbers are exact decimals, JSON keeps decimal text."""
    dataset = generate_shopify(5, orders=40)
    path = str(tmp_path / "raw.duckdb")
    write_duckdb(dataset, path, "raw_shopify")
    write_duckdb(dataset, path, "raw_shopify")  # replaces, does not append
    with duckdb.connect(path, read_only=True) as connection:
        for name, stream in dataset.streams.items():
            count = connection.execute(f'select count(*) from raw_shopify."{name}"').fetchone()
            assert count == (len(stream.rows),), f"{name}: {count} rows, expected {len(stream.rows)}"
        types = dict(
            connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_shopify' and table_name = 'orders'"
            ).fetchall()
        )
        first = dataset.streams["orders"].rows[0]
        stored = connection.execute(
            "select total_price, _airbyte_extracted_at, line_items, _airbyte_meta from raw_shopify.orders "
            "where _airbyte_raw_id = ?",
            [first["_airbyte_raw_id"]],
        ).fetchone()
    assert stored is not None, "the first order row was not written"
    total, extracted, items, meta = stored
    assert types["total_price"] == "DECIMAL(38,9)" and types["line_items"] == "JSON", types
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE" and types["_airbyte_generation_id"] == "BIGINT"
    assert total == first["total_price"] and isinstance(total, Decimal)
    assert extracted.astimezone(dt.UTC) == first["_airbyte_extracted_at"]
    assert json.loads(meta) == {"changes": [], "sync_id": 101}
    price_text = items.split('"price":')[1].split(",")[0]
    assert Decimal(price_text) == first["line_items"][0]["price"], items


def test_upper_case_writes_upper_case_tables_and_columns(tmp_path: Path) -> None:
    """upper_case=True names tables and columns as destination-snowflake does, metadata columns included."""
    path = str(tmp_path / "raw.duckdb")
    write_duckdb(generate_stripe(5, customers=12), path, "raw_stripe", upper_case=True)
    with duckdb.connect(path, read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_stripe'"
            ).fetchall()
        }
        columns = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns where table_name = 'INVOICES'"
            ).fetchall()
        }
    assert "INVOICES" in tables and "invoices" not in tables, tables
    assert {"ID", "AMOUNT_PAID", "_AIRBYTE_RAW_ID", "_AIRBYTE_EXTRACTED_AT", "IS_DELETED"} <= columns, columns
