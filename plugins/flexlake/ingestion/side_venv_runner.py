"""The protocol between an embedded engine and its runner script in a side virtualenv (PyAirbyte, dlt).

Neither PyAirbyte nor dlt can share Airflow's virtualenv, so each engine runs its runner (`pyairbyte_runner.py`,
`dlt_runner.py`) with its own venv's python. The request goes on stdin (never argv: it holds the warehouse
password); the runner's output is streamed line by line, the password masked, into the engine's logger, hence
into the Airflow task log; its last line carries the result (RESULT_MARKER) or the error (ERROR_MARKER).
"""

import json
import logging
import subprocess
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flexlake.ingestion.base import IngestionError, StreamStats, SyncRequest, SyncResult
from flexlake.raw_destination import DuckDBDestination, RawDestination, ServerDestination

# Mirrored in pyairbyte_runner.py and dlt_runner.py, which cannot import flexlake.
RESULT_MARKER = "FLEXLAKE_SYNC_RESULT "
ERROR_MARKER = "FLEXLAKE_SYNC_ERROR "
# Lines of output quoted in the error when the runner died without saying why (e.g. a crash on import).
_ERROR_TAIL_LINES = 15


@dataclass(frozen=True)
class RunnerCall:
    """One run of an engine's runner script with its side venv's python: the request on stdin, never on argv."""

    python: Path
    runner: Path
    stdin_text: str
    env: dict[str, str]
    workdir: Path
    secret: str  # masked in every logged line


def run_runner_sync(
    call: RunnerCall, *, request: SyncRequest, engine: str, described: str, log: logging.Logger
) -> SyncResult:
    """Run an engine's runner and read its result line.

    Its output streams into `log` (the engine's logger) as it comes; a non-zero exit or a missing result line
    raises IngestionError with the runner's error line, or its last lines, under `described` ("acme/shop (dlt)").
    """
    label = f"{request.tenant_id}/{request.source.name}"
    started = time.monotonic()
    return_code, tail, result_line, error_line = _run_streaming(
        [str(call.python), "-I", "-u", str(call.runner)],
        stdin_text=call.stdin_text,
        env=call.env,
        cwd=call.workdir,
        label=label,
        secret=call.secret,
        log=log,
    )
    duration = time.monotonic() - started
    streams = parse_result_line(result_line) if result_line else None
    if return_code != 0 or streams is None:
        detail = parse_error_line(error_line) if error_line else None
        raise IngestionError(
            f"Sync of {described} failed, exit code {return_code}:\n" + (detail or "\n".join(tail) or "(no output)")
        )
    result = SyncResult(source_name=request.source.name, engine=engine, streams=streams, duration_seconds=duration)
    log.info("Synced %s: %d records in %.1f s", label, result.total_records, duration)
    return result


def _run_streaming(
    command: list[str],
    *,
    stdin_text: str,
    env: dict[str, str],
    cwd: Path,
    label: str,
    secret: str,
    log: logging.Logger,
) -> tuple[int, list[str], str, str]:
    """Run the runner, logging each output line as it comes (to `log`: the engine's own logger).

    Returns the exit code, the last meaningful lines, and the result and error marker lines (or "").
    """
    tail: deque[str] = deque(maxlen=_ERROR_TAIL_LINES)
    result_line = error_line = ""
    process = subprocess.Popen(  # fixed argv, no shell; the request goes on stdin
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream keeps the order of PyAirbyte's and the connector's lines
        text=True,
        bufsize=1,
        env=env,
        cwd=cwd,
    )
    try:
        _send(process, stdin_text)
        for line in _masked_lines(process.stdout, secret):
            if line.startswith(RESULT_MARKER):
                result_line = line
            elif line.startswith(ERROR_MARKER):
                error_line = line
            else:
                log.info("[%s] %s", label, line)
                if line.strip():
                    tail.append(line)
        return_code = process.wait()
    finally:
        _stop(process)
    return return_code, list(tail), result_line, error_line


def _send(process: "subprocess.Popen[str]", text: str) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(text)
        process.stdin.close()
    except BrokenPipeError:  # the runner died before reading: its output says why
        pass


def _masked_lines(stream: Iterable[str] | None, secret: str) -> Iterator[str]:
    for raw in stream or ():
        line = raw.rstrip("\n")
        yield line.replace(secret, "***") if secret else line


def _stop(process: "subprocess.Popen[str]") -> None:
    """Do not leave a runner behind when the task is killed or the stream fails."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


def runner_destination_payload(destination: RawDestination, refusal: str) -> dict[str, Any]:
    """Where a side-venv runner writes: DuckDB or PostgreSQL, password included
    (the payload goes on stdin only). A server warehouse raises `refusal`, formatted with {warehouse}: tenant
    validation keeps those on engine airbyte, so this is a last guard."""
    if isinstance(destination, DuckDBDestination):
        return {"type": "duckdb", "path": str(destination.path), "schema": destination.schema}
    if isinstance(destination, ServerDestination):
        raise IngestionError(refusal.format(warehouse=destination.warehouse_type))
    return {
        "type": "postgres",
        "host": destination.host,
        "port": destination.port,
        "user": destination.user,
        "password": destination.password,
        "database": destination.database,
        "schema": destination.schema,
    }


def describe_destination(destination: RawDestination) -> str:
    """A loggable description: where the data goes, never the password."""
    if isinstance(destination, DuckDBDestination):
        return f"DuckDB {destination.path} schema {destination.schema}"
    if isinstance(destination, ServerDestination):
        where = f"{destination.user}@{destination.host}/{destination.database}"
        return f"{destination.warehouse_type} {where} schema {destination.schema}"
    return (
        f"PostgreSQL {destination.user}@{destination.host}:{destination.port}/{destination.database} "
        f"schema {destination.schema}"
    )


def parse_result_line(line: str) -> tuple[StreamStats, ...] | None:
    """Records per stream from the runner's result line; None if the line is not a (valid) result."""
    if not line.startswith(RESULT_MARKER):
        return None
    try:
        summary = json.loads(line.removeprefix(RESULT_MARKER))
        return tuple(StreamStats(stream=str(name), records=int(n)) for name, n in summary["streams"].items())
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def parse_error_line(line: str) -> str | None:
    """The runner's error text (the connector's own messages first); None if the line is not one."""
    if not line.startswith(ERROR_MARKER):
        return None
    try:
        return str(json.loads(line.removeprefix(ERROR_MARKER))["error"])
    except (ValueError, KeyError, TypeError):
        return None
