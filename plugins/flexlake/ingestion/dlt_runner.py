"""Run one dlt sync; started by `embedded_dlt.py` with the dlt virtualenv's python.

The dlt venv (requirements-dlt.txt) holds only Apache/MIT/BSD packages, so this path runs no source-available
component (docs/licensing.md). This script imports stdlib, dlt and the faker source next to it (loaded by path:
the runner runs isolated, `python -I`, without its directory on sys.path), nothing of flexlake.

Same protocol as `pyairbyte_runner.py`: the request as JSON on stdin (secrets included), free-form log lines
on stdout, a last line RESULT_MARKER + {"streams": {stream: records}, "table_rows": {...}} on success,
ERROR_MARKER + {"error": ..., "type": ...} and exit code 1 on failure.

The raw tables have the layout PyAirbyte's caches write, which the staging models read (flexlake_raw_stream):
one table per stream named as the stream, nested objects kept as one JSON column (`max_table_nesting=0`),
naive UTC timestamps, decimal(38, 9) prices, `_airbyte_raw_id` (a uuid4), `_airbyte_extracted_at`,
`_airbyte_meta`. Each sync appends every record with its extraction time, as the staging models expect of
Airbyte (they keep the latest version per id). dlt adds `_dlt_load_id` and `_dlt_id` columns and its
`_dlt_loads`, `_dlt_pipeline_state`, `_dlt_version` tables, which the staging models never read.
"""

import datetime
import importlib.util
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

# Mirrored in embedded_dlt.py, which cannot import this file (it imports dlt).
RESULT_MARKER = "FLEXLAKE_SYNC_RESULT "
ERROR_MARKER = "FLEXLAKE_SYNC_ERROR "
FAKER_SOURCE = Path(__file__).with_name("dlt_faker_source.py")

logger = logging.getLogger("flexlake.dlt_runner")

_TIMESTAMP = {"data_type": "timestamp", "timezone": False}  # naive UTC, as PyAirbyte's caches
_BIGINT = {"data_type": "bigint"}
_TEXT = {"data_type": "text"}
_JSON = {"data_type": "json"}
_AIRBYTE_COLUMNS: dict[str, dict[str, Any]] = {
    "_airbyte_raw_id": {"data_type": "text", "nullable": False},
    "_airbyte_extracted_at": {**_TIMESTAMP, "nullable": False},
    "_airbyte_meta": _JSON,
}
# Column types per stream, as PyAirbyte's DuckDB cache lands source-faker's JSON schemas (declared even when
# a load leaves a column null, e.g. returned_at, so that the table always has it).
STREAM_COLUMNS: dict[str, dict[str, dict[str, Any]]] = {
    "users": {
        "id": _BIGINT,
        "created_at": _TIMESTAMP,
        "updated_at": _TIMESTAMP,
        **{name: _TEXT for name in ("name", "title")},
        "age": _BIGINT,
        **{name: _TEXT for name in ("email", "telephone", "gender", "language", "academic_degree")},
        **{name: _TEXT for name in ("nationality", "occupation", "height", "blood_type")},
        "weight": _BIGINT,
        "address": _JSON,
    },
    "products": {
        "id": _BIGINT,
        "make": _TEXT,
        "model": _TEXT,
        "year": _BIGINT,
        "price": {"data_type": "decimal", "precision": 38, "scale": 9},
        "created_at": _TIMESTAMP,
        "updated_at": _TIMESTAMP,
    },
    "purchases": {
        "id": _BIGINT,
        "user_id": _BIGINT,
        "product_id": _BIGINT,
        **{name: _TIMESTAMP for name in ("created_at", "updated_at", "added_to_cart_at", "purchased_at")},
        "returned_at": _TIMESTAMP,
    },
}


def _load_faker_source() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flexlake_dlt_faker_source", FAKER_SOURCE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the faker source from {FAKER_SOURCE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_airbyte_columns(records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Airbyte's per-record meta columns; one extraction time per sync, as a destination sees one job."""
    extracted_at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for record in records:
        record["_airbyte_raw_id"] = str(uuid.uuid4())
        record["_airbyte_extracted_at"] = extracted_at
        record["_airbyte_meta"] = {"changes": []}
        yield record


def _column_hints(stream: str) -> dict[str, dict[str, Any]]:
    """Fresh hint dicts per resource: dlt writes each column's name into its hint (shared dicts would collide)."""
    return {name: dict(hint) for name, hint in {**STREAM_COLUMNS[stream], **_AIRBYTE_COLUMNS}.items()}


def build_source(dlt: Any, request: dict[str, Any], counts: dict[str, int]) -> Any:
    """The dlt source of the request's streams; `counts` tallies the records each one yields."""
    generators: dict[str, Callable[[int, int], Iterator[dict[str, Any]]]] = _load_faker_source().GENERATORS
    config = request["config"]

    def stream_records(stream: str) -> Iterator[dict[str, Any]]:
        counts[stream] = 0
        for record in _with_airbyte_columns(generators[stream](int(config["count"]), int(config["seed"]))):
            counts[stream] += 1
            yield record

    resources = [
        dlt.resource(
            stream_records(stream),
            name=stream,
            write_disposition="append",
            columns=_column_hints(stream),
        )
        for stream in request["streams"]
    ]
    return dlt.source(lambda: resources, name="faker", max_table_nesting=0)()


def _destination(dlt: Any, destination: dict[str, Any]) -> Any:
    if destination["type"] == "duckdb":
        return dlt.destinations.duckdb(credentials=destination["path"])
    if destination["type"] == "postgres":
        credentials = {
            "drivername": "postgresql",
            "host": destination["host"],
            "port": int(destination["port"]),
            "username": destination["user"],
            "password": destination["password"],
            "database": destination["database"],
        }
        return dlt.destinations.postgres(credentials=credentials)
    raise ValueError(f"unknown destination type {destination['type']!r}")


def _table_rows(pipeline: Any, streams: list[str]) -> dict[str, int]:
    with pipeline.sql_client() as client:
        return {
            stream: int(client.execute_sql(f"select count(*) from {client.make_qualified_table_name(stream)}")[0][0])
            for stream in streams
        }


def run(request: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    # Imported here, not at the top, so that a broken dlt install still ends in an ERROR_MARKER line.
    import dlt  # type: ignore[import-not-found]  # noqa: PLC0415

    logger.info("imported dlt %s in %.1f s", dlt.__version__, time.monotonic() - started)
    destination = request["destination"]
    pipeline = dlt.pipeline(
        pipeline_name=request["pipeline_name"],
        pipelines_dir=request["pipelines_dir"],
        destination=_destination(dlt, destination),
        dataset_name=destination["schema"],
    )
    counts: dict[str, int] = {}
    load_info = pipeline.run(build_source(dlt, request, counts))
    logger.info("%s", load_info)
    table_rows = _table_rows(pipeline, list(request["streams"]))
    for stream, rows in table_rows.items():
        logger.info("%s: %d records read, %d rows in the raw table", stream, counts.get(stream, 0), rows)
    return {"streams": {stream: counts.get(stream, 0) for stream in request["streams"]}, "table_rows": table_rows}


def main() -> int:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        summary = run(json.loads(sys.stdin.read()))
    except Exception as error:  # every failure ends in one parseable line for the engine
        logger.exception("sync failed")
        payload = {"error": f"{type(error).__name__}: {error}", "type": type(error).__name__}
        print(ERROR_MARKER + json.dumps(payload), flush=True)
        return 1
    print(RESULT_MARKER + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
