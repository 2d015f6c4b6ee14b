"""Run one PyAirbyte sync; started by `embedded_pyairbyte.py` with the PyAirbyte virtualenv's python.

PyAirbyte cannot share a virtualenv with Airflow 3.3, so this script is the only code that imports
`airbyte`, and it imports nothing of flexlake (stdlib + airbyte only). Nothing imports this file from the
Airflow venv; it is run by path.

Protocol with the engine, deliberately small:
- stdin: one JSON object, the request, secrets included (stdin never shows up in `ps` or in logs);
- stdout/stderr: free-form log lines, which the engine streams into the Airflow task log;
- success: a last stdout line RESULT_MARKER + JSON {"streams": {stream: records read}, "table_rows": {...}};
- failure: a last stdout line ERROR_MARKER + JSON {"error": "...", "type": "..."} and exit code 1.
"""

import json
import logging
import sys
import time
from typing import Any

# Mirrored in embedded_pyairbyte.py, which cannot import this file (it imports airbyte).
RESULT_MARKER = "FLEXLAKE_SYNC_RESULT "
ERROR_MARKER = "FLEXLAKE_SYNC_ERROR "

_LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
logger = logging.getLogger("flexlake.pyairbyte_runner")


class _ErrorCollector(logging.Handler):
    """Keeps the connector's ERROR log records: they are the connector's own words for what went wrong."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if message and message not in self.messages:
            self.messages.append(message)


def _log_to_stdout(logger_name: str, *extra_handlers: logging.Handler) -> None:
    """Send a logger to stdout, which the engine streams into the Airflow task log.

    Importing airbyte (through airbyte_cdk) reconfigures the root logger, and PyAirbyte's loggers do not
    propagate (they write to files), so each logger gets its own handler, added after PyAirbyte set it up.
    """
    named = logging.getLogger(logger_name)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    for new_handler in (handler, *extra_handlers):
        named.addHandler(new_handler)
    named.setLevel(logging.INFO)
    named.propagate = False


def _build_cache(destination: dict[str, Any]) -> Any:
    from airbyte.caches import DuckDBCache, PostgresCache  # noqa: PLC0415 - see run()

    if destination["type"] == "duckdb":
        return DuckDBCache(db_path=destination["path"], schema_name=destination["schema"])
    if destination["type"] == "postgres":
        return PostgresCache(
            host=destination["host"],
            port=int(destination["port"]),
            username=destination["user"],
            password=destination["password"],
            database=destination["database"],
            schema_name=destination["schema"],
        )
    raise ValueError(f"unknown destination type {destination['type']!r}")


def run(request: dict[str, Any], connector_errors: _ErrorCollector) -> dict[str, Any]:
    started = time.monotonic()
    # Imported here, not at the top, so that a broken PyAirbyte install still ends in an ERROR_MARKER line.
    import airbyte  # noqa: PLC0415

    logger.info("imported airbyte in %.1f s", time.monotonic() - started)
    connector = request["connector"]
    # No streams here: selecting streams runs `discover`, and the connector's logger (created by
    # get_source, which drops earlier handlers) must reach stdout before the connector runs at all.
    source = airbyte.get_source(
        connector,
        config=request["config"],
        local_executable=request["executable"],
        install_if_missing=False,
    )
    _log_to_stdout("airbyte")
    _log_to_stdout(f"airbyte.{connector}", connector_errors)
    source.select_streams(request["streams"])
    cache = _build_cache(request["destination"])
    # Incremental wherever the stream supports it: PyAirbyte keeps the state in the cache's schema
    # (_airbyte_state) and merges on the primary key (write strategy AUTO).
    result = source.read(cache=cache, force_full_refresh=False)
    # Records read in this run per stream. ReadResult exposes only the total publicly; the per-stream tally
    # lives on its progress tracker (the one that logs "Read N records").
    # A stream that read nothing this run (incremental, no new data) is absent from the tally: 0.
    # Should a PyAirbyte upgrade drop the tally, fall back to the raw tables' row counts.
    tally = getattr(getattr(result, "_progress_tracker", None), "stream_read_counts", None)
    table_rows = {stream: len(result[stream]) for stream in result}
    read_counts = {
        stream: int(tally.get(stream, 0)) if tally is not None else rows for stream, rows in table_rows.items()
    }
    for stream, rows in table_rows.items():
        logger.info("%s: %d records read, %d rows in the raw table", stream, read_counts[stream], rows)
    return {
        "streams": read_counts,
        "table_rows": table_rows,
        "total_records": int(result.processed_records),
    }


def _error_text(error: BaseException, connector_errors: _ErrorCollector) -> str:
    text = str(error).strip()
    if hasattr(error, "get_message"):  # PyAirbyte errors: the headline, without the log-file pointer
        text = f"{type(error).__name__}: {error.get_message()}"
    return "\n".join([*connector_errors.messages, text])


def main() -> int:
    _log_to_stdout(logger.name)
    connector_errors = _ErrorCollector()
    try:
        request = json.loads(sys.stdin.read())
        summary = run(request, connector_errors)
    except Exception as error:  # every failure ends in one parseable line for the engine
        logger.exception("sync failed")
        payload = {"error": _error_text(error, connector_errors), "type": type(error).__name__}
        print(ERROR_MARKER + json.dumps(payload), flush=True)
        return 1
    print(RESULT_MARKER + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
