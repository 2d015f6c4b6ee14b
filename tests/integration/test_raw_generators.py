"""The raw table writer on a real PostgreSQL: Airbyte's types, exact money, JSON, upper-case identifiers."""

import datetime as dt
from decimal import Decimal

import psycopg2
import pytest

from tests.generators.raw_tables import write_postgres
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe
from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration


def _login(server: PostgresServer) -> dict[str, object]:
    return {"host": server.host, "port": server.port, "user": server.user, "password": server.password}


def test_postgres_round_trip_keeps_rows_types_and_exact_money(postgres_server: PostgresServer) -> None:
    """Tables replace on rewrite; numeric, timestamptz and jsonb columns hold the generated values exactly."""
    dataset = generate_shopify(5, orders=40)
    login = _login(postgres_server) | {"dbname": postgres_server.dbname}
    write_postgres(dataset, login, "raw_gen_shopify")
    write_postgres(dataset, login, "raw_gen_shopify")
    first = dataset.streams["orders"].rows[0]
    with psycopg2.connect(**login) as connection, connection.cursor() as cursor:
        for name, stream in dataset.streams.items():
            cursor.execute(f'select count(*) from raw_gen_shopify."{name}"')
            assert cursor.fetchone() == (len(stream.rows),), name
        cursor.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_gen_shopify' and table_name = 'orders'"
        )
        types = dict(cursor.fetchall())
        cursor.execute(
            "select total_price, _airbyte_extracted_at, line_items -> 0 ->> 'price', _airbyte_meta ->> 'sync_id' "
            "from raw_gen_shopify.orders where _airbyte_raw_id = %s",
            (first["_airbyte_raw_id"],),
        )
        total, extracted, price, sync_id = cursor.fetchone()
    assert types["total_price"] == "numeric" and types["line_items"] == "jsonb", types
    assert types["created_at"] == "timestamp with time zone" and types["_airbyte_generation_id"] == "bigint"
    assert total == first["total_price"] and Decimal(price) == first["line_items"][0]["price"]
    assert extracted.astimezone(dt.UTC) == first["_airbyte_extracted_at"] and sync_id == "101"


def test_postgres_upper_case_identifiers(postgres_server: PostgresServer) -> None:
    """upper_case=True creates quoted upper-case tables and columns, as Airbyte's Snowflake destination does."""
    login = _login(postgres_server) | {"dbname": postgres_server.dbname}
    write_postgres(generate_stripe(5, customers=12), login, "raw_gen_stripe", upper_case=True)
    with psycopg2.connect(**login) as connection, connection.cursor() as cursor:
        cursor.execute("select column_name from information_schema.columns where table_name = 'CHARGES'")
        columns = {row[0] for row in cursor.fetchall()}
    assert {"ID", "AMOUNT_REFUNDED", "_AIRBYTE_RAW_ID", "_AIRBYTE_META"} <= columns, columns
