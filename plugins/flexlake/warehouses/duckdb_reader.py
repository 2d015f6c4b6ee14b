"""The DuckDB reader: a copy of the marts only, published after each run, opened read-only and sandboxed.

DuckDB has no users or grants, so read-only has to come from what the reader can open. Opening the live
warehouse file, even `read_only=True`, is not enough: the reader sees every schema, its shared lock blocks
the pipeline's next write (one writer per file, across processes), and a default connection can `COPY ...
TO` any path, read any local file (`read_text`, `read_csv`) and `ATTACH` another tenant's file.

So after each run the pipeline publishes `reader.duckdb` beside the warehouse: the marts schema's tables and
views, materialized as tables, written to a temporary file and renamed over the previous copy (atomic on
one filesystem: a reader sees the old copy or the new one, never half of one; a reader that has the old copy
open keeps reading it). The reader opens that copy with `read_only=True` and `enable_external_access=false`,
with the configuration locked, so no statement can write, touch the filesystem, install or load extensions,
or attach anything.
"""

import os
from collections.abc import Mapping
from pathlib import Path

import duckdb

READER_FILE_NAME = "reader.duckdb"
_COPY_ALIAS = "flexlake_reader_copy"
READER_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def publish_reader_copy(live_path: Path, reader_path: Path, schema: str) -> int:
    """Copy `schema`'s tables and views from the live file into `reader_path` (rename last); returns the count.

    Opens the live file with a default connection: the same process may hold it open (in-process dbt),
    and DuckDB reuses that instance only for an identical configuration.
    """
    partial = reader_path.with_name(reader_path.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with duckdb.connect(str(live_path)) as connection:
        names = [
            str(row[0])
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = current_database() and table_schema = ? order by table_name",
                [schema],
            ).fetchall()
        ]
        connection.execute(f"ATTACH '{_literal(partial)}' AS {_COPY_ALIAS}")
        try:
            connection.execute(f"CREATE SCHEMA {_COPY_ALIAS}.{_quoted(schema)}")
            for name in names:
                target, source = (
                    f"{_COPY_ALIAS}.{_quoted(schema)}.{_quoted(name)}",
                    f"{_quoted(schema)}.{_quoted(name)}",
                )
                connection.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
        finally:
            connection.execute(f"DETACH {_COPY_ALIAS}")
    os.replace(partial, reader_path)
    return len(names)


def open_reader(reader_path: Path, limits: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """The reader's connection: read-only, no filesystem or network access, configuration locked.

    `limits` adds resource settings (the SQL console's memory_limit, no temp_directory); the sandbox keys always
    win. DuckDB shares one instance per file in a process and refuses a second connection with another config."""
    if not reader_path.exists():
        raise FileNotFoundError(
            f"{reader_path} does not exist yet: the reader copy is published by the tenant's dbt_build task "
            "when a build ends with no failed model; run the tenant's DAG once"
        )
    # The sandbox keys first: DuckDB applies the keys in order, and refuses temp_directory after external access
    # was switched off only when it comes first (1.4).
    extra = {key: value for key, value in (limits or {}).items() if key not in READER_CONFIG}
    return duckdb.connect(str(reader_path), read_only=True, config={**READER_CONFIG, **extra})


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
