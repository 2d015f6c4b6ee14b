"""What a succeeded job leaves in its destination: Destinations-V2-shaped raw tables (`_airbyte_raw_id`,
`_airbyte_extracted_at`, `_airbyte_meta`, `_airbyte_generation_id` + the stream's columns) in a DuckDB file or a
PostgreSQL schema, for the connection's configured streams only. Faker sources get faker_data's rows; Shopify and
Stripe sources the data product's generated datasets (tests/generators); other systems write no rows."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zlib
from typing import Any

from tests.fakes.airbyte_server.faker_data import faker_stream
from tests.fakes.airbyte_server.models import GENERATED_SOURCES, Job
from tests.fakes.airbyte_server.state import ServerState

# One stream's table: (column name, DuckDB type) pairs and its rows.
StreamTable = tuple[list[tuple[str, str]], list[tuple[Any, ...]]]

_V2_COLUMNS_DUCKDB = [
    ("_airbyte_raw_id", "VARCHAR"),
    ("_airbyte_extracted_at", "TIMESTAMP"),
    ("_airbyte_meta", "JSON"),
    ("_airbyte_generation_id", "BIGINT"),
]
_V2_COLUMNS_POSTGRES = [
    ("_airbyte_raw_id", "varchar"),
    ("_airbyte_extracted_at", "timestamp with time zone"),
    ("_airbyte_meta", "jsonb"),
    ("_airbyte_generation_id", "bigint"),
]
_POSTGRES_TYPES = {
    "BIGINT": "bigint",
    "VARCHAR": "varchar",
    "TIMESTAMP": "timestamp with time zone",
    "JSON": "jsonb",
    "DECIMAL(38,9)": "decimal(38,9)",
}


def write_job_tables(state: ServerState, job: Job) -> None:
    """Write the job's connection's streams into its destination; record rows, bytes and per-stream counts."""
    connection = state.connections[job.connection_id]
    source = state.sources[connection["sourceId"]]
    destination = state.destinations[connection["destinationId"]]
    streams = [stream["name"] for stream in (connection["configurations"] or {}).get("streams") or []]
    config = source["configuration"]
    extracted_at = dt.datetime.fromtimestamp(state.clock(), tz=dt.UTC).replace(tzinfo=None)
    if source["sourceType"] in GENERATED_SOURCES:
        _write_generated(job, source, destination["configuration"], streams)
        return
    tables: dict[str, StreamTable] = {}
    if source["sourceType"] == "faker":
        for stream in streams:
            tables[stream] = faker_stream(stream, int(config.get("count", 1000)), int(config.get("seed", 0)))
    write_v2_tables(destination["configuration"], tables, extracted_at, generation_id=job.job_id)
    job.stream_stats = {stream: len(rows) for stream, (_columns, rows) in tables.items()}
    job.rows = sum(job.stream_stats.values())
    job.bytes = sum(len(repr(row)) for _columns, rows in tables.values() for row in rows)


def _write_generated(job: Job, source: dict[str, Any], destination: dict[str, Any], streams: list[str]) -> None:
    """Write the generator's dataset for a Shopify / Stripe source, only the connection's streams."""
    from tests.generators.raw_tables import RawDataset, write_duckdb, write_postgres  # noqa: PLC0415
    from tests.generators.shopify import generate_shopify  # noqa: PLC0415
    from tests.generators.stripe import generate_stripe  # noqa: PLC0415

    config = source["configuration"]
    name = str(config.get("shop") or config.get("account_id") or source["sourceType"])
    seed = int(config["seed"]) if "seed" in config else zlib.crc32(name.encode())
    full = generate_shopify(seed, store=name) if source["sourceType"] == "shopify" else generate_stripe(seed)
    dataset = RawDataset(full.system, {key: value for key, value in full.streams.items() if key in streams})
    schema = destination.get("schema") or "public"
    if destination.get("destinationType") == "duckdb":
        write_duckdb(dataset, destination["destination_path"], schema)
    elif destination.get("destinationType") == "postgres":
        login = {"host": destination["host"], "port": int(destination.get("port") or 5432)}
        login |= {"user": destination["username"], "password": destination.get("password") or ""}
        write_postgres(dataset, login | {"dbname": destination["database"]}, schema)
    else:
        raise ValueError(f"the fake cannot write to destination type {destination.get('destinationType')!r}")
    job.stream_stats = {key: len(stream.rows) for key, stream in dataset.streams.items()}
    job.rows = sum(job.stream_stats.values())
    job.bytes = sum(len(repr(row)) for stream in dataset.streams.values() for row in stream.rows)


def write_v2_tables(
    destination: dict[str, Any], tables: dict[str, StreamTable], extracted_at: dt.datetime, generation_id: int
) -> None:
    """Overwrite one table per stream in the destination's schema, with Airbyte's V2 columns appended."""
    meta = json.dumps({"changes": [], "sync_id": generation_id})
    v2_rows = {
        stream: (columns, [(*row, str(uuid.uuid4()), extracted_at, meta, generation_id) for row in rows])
        for stream, (columns, rows) in tables.items()
    }
    kind = destination.get("destinationType")
    schema = destination.get("schema") or "public"
    if kind == "duckdb":
        _write_duckdb(destination["destination_path"], schema, v2_rows)
    elif kind == "postgres":
        _write_postgres(destination, schema, v2_rows)
    else:
        raise ValueError(f"the fake cannot write to destination type {kind!r}")


def _write_duckdb(path: str, schema: str, tables: dict[str, StreamTable]) -> None:
    import duckdb  # noqa: PLC0415 - only when a job writes

    with duckdb.connect(path) as connection:
        connection.execute(f'create schema if not exists "{schema}"')
        for stream, (columns, rows) in tables.items():
            all_columns = columns + _V2_COLUMNS_DUCKDB
            ddl = ", ".join(f'"{name}" {kind}' for name, kind in all_columns)
            connection.execute(f'create or replace table "{schema}"."{stream}" ({ddl})')
            if rows:
                marks = ", ".join("?" for _ in all_columns)
                connection.executemany(f'insert into "{schema}"."{stream}" values ({marks})', rows)


def _write_postgres(destination: dict[str, Any], schema: str, tables: dict[str, StreamTable]) -> None:
    import psycopg2  # noqa: PLC0415 - only when a job writes
    from psycopg2.extras import execute_values  # noqa: PLC0415

    connection = psycopg2.connect(
        host=destination["host"],
        port=int(destination.get("port") or 5432),
        user=destination["username"],
        password=destination.get("password") or "",
        dbname=destination["database"],
    )
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{schema}"')
            for stream, (columns, rows) in tables.items():
                pg_columns = [(name, _POSTGRES_TYPES[kind]) for name, kind in columns] + _V2_COLUMNS_POSTGRES
                ddl = ", ".join(f'"{name}" {kind}' for name, kind in pg_columns)
                cursor.execute(f'drop table if exists "{schema}"."{stream}"')
                cursor.execute(f'create table "{schema}"."{stream}" ({ddl})')
                if rows:
                    execute_values(cursor, f'insert into "{schema}"."{stream}" values %s', rows)
    finally:
        connection.close()
