"""The raw dataset model (what an Airbyte sync leaves in a warehouse) and its DuckDB / PostgreSQL / Snowflake writers.

A `RawDataset` is one source system's streams; a `RawStream` is one table: typed columns and rows (dicts).
Every row also carries Airbyte Destinations V2's four metadata columns (`METADATA_COLUMNS`), which the
writers append after the stream's own columns, as Airbyte does.

Column types follow what Airbyte's destinations create for a JSON-schema type, so staging models meet the
same types as in production:

- DuckDB: destination-duckdb writes through PyAirbyte's SQL processor (destination_duckdb/processors/
  duckdb.py → airbyte/types.py): string VARCHAR, integer BIGINT, number DECIMAL(38,9), boolean BOOLEAN,
  date-time TIMESTAMP WITH TIME ZONE, object/array JSON.
- PostgreSQL: destination-postgres (Destinations V2): varchar, bigint, numeric, boolean,
  timestamp with time zone, jsonb (varchar and text are the same type in PostgreSQL).
- Snowflake: destination-snowflake (Destinations V2, typing and deduping) upper-cases schema, table and
  column names and types string VARCHAR, integer NUMBER(38,0), number FLOAT (its default `number_data_type`;
  NUMBER(38,9) is the option), boolean BOOLEAN, date-time TIMESTAMP_TZ, object/array VARIANT
  (`_AIRBYTE_META` too). `write_snowflake` writes exactly that (used against fakesnow in tests).
- `upper_case=True` writes table and column names upper-case, as destination-snowflake does, so staging's
  identifier-case handling can be tested on DuckDB and PostgreSQL.

Money never passes through float: numbers are `Decimal`, and JSON is serialised with Decimals written as
their exact literal (`_json_text`).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

ColumnType = Literal["string", "integer", "number", "boolean", "timestamp", "json"]
Columns = tuple[tuple[str, ColumnType], ...]

METADATA_COLUMNS: Columns = (
    ("_airbyte_raw_id", "string"),
    ("_airbyte_extracted_at", "timestamp"),
    ("_airbyte_meta", "json"),
    ("_airbyte_generation_id", "integer"),
)
_DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DECIMAL(38,9)",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "json": "JSON",
}
_POSTGRES_TYPES: dict[str, str] = {
    "string": "varchar",
    "integer": "bigint",
    "number": "numeric",
    "boolean": "boolean",
    "timestamp": "timestamp with time zone",
    "json": "jsonb",
}
_SNOWFLAKE_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "NUMBER(38,0)",
    "number": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP_TZ",
    "json": "VARIANT",
}
_DUCKDB_BATCH = 200
_SNOWFLAKE_BATCH = 200
_RAW_ID_NAMESPACE = uuid.UUID("6f1d3c5e-4b1a-4c2e-9a55-0c1f1e2d3a4b")


@dataclass
class RawStream:
    """One Airbyte stream as a raw table: the connector's columns (without Airbyte's metadata) and rows."""

    name: str
    columns: Columns
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def all_columns(self) -> Columns:
        """The stream's columns followed by Airbyte's four metadata columns, in table order."""
        return self.columns + METADATA_COLUMNS


@dataclass
class RawDataset:
    """Every stream one source system's sync produced, by stream name."""

    system: str
    streams: dict[str, RawStream]


@dataclass(frozen=True)
class Sync:
    """One Airbyte sync: when it extracted and its id (`_airbyte_meta.sync_id`, `_airbyte_generation_id`)."""

    sync_id: int
    extracted_at: dt.datetime
    generation_id: int = 0


def airbyte_record(
    record: Mapping[str, Any], columns: Columns, sync: Sync, *, seed: int, stream: str, index: int
) -> dict[str, Any]:
    """The record's values for `columns` (missing keys are null) plus the V2 metadata of `sync`.

    The raw id is a uuid5 of (seed, stream, index): stable for a seed, unique per emitted row.
    """
    row = {name: record.get(name) for name, _ in columns}
    row["_airbyte_raw_id"] = str(uuid.uuid5(_RAW_ID_NAMESPACE, f"{seed}:{stream}:{index}"))
    row["_airbyte_extracted_at"] = sync.extracted_at
    row["_airbyte_meta"] = {"changes": [], "sync_id": sync.sync_id}
    row["_airbyte_generation_id"] = sync.generation_id
    return row


def emit(stream: RawStream, records: Iterable[tuple[Mapping[str, Any], Sync]], *, seed: int) -> None:
    """Append (record, sync) pairs to the stream as Airbyte rows, in order."""
    for record, sync in records:
        stream.rows.append(
            airbyte_record(record, stream.columns, sync, seed=seed, stream=stream.name, index=len(stream.rows))
        )


# --- writers ------------------------------------------------------------------------------------------


def write_duckdb(dataset: RawDataset, path: str, schema: str, *, upper_case: bool = False) -> None:
    """Create `schema` in the DuckDB file and (re)create one typed table per stream, rows inserted by parameter."""
    import duckdb  # noqa: PLC0415 - test-only dependency, imported when writing

    with duckdb.connect(path) as connection:
        connection.execute(f"create schema if not exists {_quote(schema)}")
        for stream in dataset.streams.values():
            table = f"{_quote(schema)}.{_quote(_name(stream.name, upper_case))}"
            ddl = ", ".join(f"{_quote(_name(c, upper_case))} {_DUCKDB_TYPES[t]}" for c, t in stream.all_columns)
            connection.execute(f"create or replace table {table} ({ddl})")
            values = _values(stream)
            row_marks = "(" + ", ".join("?" for _ in stream.all_columns) + ")"
            for start in range(0, len(values), _DUCKDB_BATCH):  # executemany is row by row: batch instead
                batch = values[start : start + _DUCKDB_BATCH]
                parameters = [value for row in batch for value in row]
                connection.execute(f"insert into {table} values {', '.join(row_marks for _ in batch)}", parameters)


def write_postgres(
    dataset: RawDataset, connection_kwargs: Mapping[str, Any], schema: str, *, upper_case: bool = False
) -> None:
    """Create `schema` in PostgreSQL and replace one typed table per stream (psycopg2, one transaction)."""
    import psycopg2  # noqa: PLC0415
    from psycopg2.extras import execute_values  # noqa: PLC0415

    connection = psycopg2.connect(**connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {_quote(schema)}")
            for stream in dataset.streams.values():
                table = f"{_quote(schema)}.{_quote(_name(stream.name, upper_case))}"
                ddl = ", ".join(f"{_quote(_name(c, upper_case))} {_POSTGRES_TYPES[t]}" for c, t in stream.all_columns)
                cursor.execute(f"drop table if exists {table}")
                cursor.execute(f"create table {table} ({ddl})")
                if stream.rows:
                    execute_values(cursor, f"insert into {table} values %s", _values(stream), page_size=500)
    finally:
        connection.close()


def append_postgres(
    dataset: RawDataset, connection_kwargs: Mapping[str, Any], schema: str, written: dict[str, int]
) -> None:
    """Insert the rows each stream gained since `written` (rows per stream already in the tables, updated here):
    a later sync appends, as Airbyte does, and the tables stay (the staging views depend on them)."""
    import psycopg2  # noqa: PLC0415
    from psycopg2.extras import execute_values  # noqa: PLC0415

    connection = psycopg2.connect(**connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            for stream in dataset.streams.values():
                new_rows = _values(stream)[written.get(stream.name, 0) :]
                if new_rows:
                    table = f"{_quote(schema)}.{_quote(stream.name)}"
                    execute_values(cursor, f"insert into {table} values %s", new_rows, page_size=500)
                written[stream.name] = len(stream.rows)
    finally:
        connection.close()


def write_snowflake(
    dataset: RawDataset,
    connection_kwargs: Mapping[str, Any],
    schema: str,
    *,
    number_type: str = _SNOWFLAKE_TYPES["number"],
) -> None:
    """Create `schema` in Snowflake and replace one typed table per stream, every name upper-cased.

    Rows go in as `insert ... select ... from values`: Snowflake accepts no function call (parse_json) in a
    VALUES clause, so JSON text and zoned timestamps are converted in the select. `number_type` is the
    destination's `number_data_type`: FLOAT (Airbyte's default) or NUMBER(38,9).
    """
    import snowflake.connector  # noqa: PLC0415 - test-only use of the main venv's connector

    types = _SNOWFLAKE_TYPES | {"number": number_type}
    table_schema = _quote(schema.upper())
    connection = snowflake.connector.connect(**connection_kwargs)
    try:
        cursor = connection.cursor()
        cursor.execute(f"create schema if not exists {table_schema}")
        for stream in dataset.streams.values():
            table = f"{table_schema}.{_quote(stream.name.upper())}"
            names = [_quote(c.upper()) for c, _ in stream.all_columns]
            ddl = ", ".join(f"{name} {types[t]}" for name, (_, t) in zip(names, stream.all_columns, strict=True))
            cursor.execute(f"create or replace table {table} ({ddl})")
            selected = ", ".join(_snowflake_value(f"column{i}", t) for i, (_, t) in enumerate(stream.all_columns, 1))
            row_marks = "(" + ", ".join("%s" for _ in stream.all_columns) + ")"
            values = _values(stream)
            for start in range(0, len(values), _SNOWFLAKE_BATCH):
                batch = values[start : start + _SNOWFLAKE_BATCH]
                parameters = [value for row in batch for value in row]
                cursor.execute(
                    f"insert into {table} ({', '.join(names)}) select {selected}"
                    f" from values {', '.join(row_marks for _ in batch)}",
                    parameters,
                )
    finally:
        connection.close()


def _snowflake_value(column: str, kind: ColumnType) -> str:
    if kind == "json":
        return f"parse_json({column})"
    if kind == "timestamp":
        return f"cast({column} as timestamp_tz)"
    return column


def _values(stream: RawStream) -> list[tuple[Any, ...]]:
    """Row tuples in column order; json columns as JSON text (cast to JSON / jsonb, or parsed to VARIANT)."""
    kinds = stream.all_columns
    return [
        tuple(_json_text(row[c]) if t == "json" and row[c] is not None else row[c] for c, t in kinds)
        for row in stream.rows
    ]


def _name(identifier: str, upper_case: bool) -> str:
    return identifier.upper() if upper_case else identifier


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- JSON with exact decimals -------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    """JSON text of value; Decimals as exact number literals (19.90 stays 19.90), datetimes as ISO text.

    json.dumps cannot write a Decimal without going through float, so containers are walked here.
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, dt.datetime):
        return json.dumps(value.isoformat())
    return json.dumps(value)
