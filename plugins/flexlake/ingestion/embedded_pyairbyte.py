"""The embedded engine: PyAirbyte inside the Airflow task, in its own virtualenv, as a subprocess.

PyAirbyte 0.71 cannot share a virtualenv with Airflow 3.3, so the task runs `pyairbyte_runner.py` with the
PyAirbyte venv's python, and each connector from its own venv as a local executable. The request goes to
the runner on stdin (never argv: it holds the warehouse password); the runner's output is streamed line by
line into this module's logger, hence into the Airflow task log, and its last line carries the result.
"""

import json
import logging
import os
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flexlake import settings
from flexlake.ingestion.base import (
    DuckDBDestination,
    IngestionError,
    PostgresDestination,
    RawDestination,
    ServerDestination,
    StreamStats,
    SyncRequest,
    SyncResult,
)
from flexlake.tenant_config.schema import FakerSource, SourceConfig

logger = logging.getLogger(__name__)

# Mirrored in pyairbyte_runner.py, which cannot import flexlake.
RESULT_MARKER = "FLEXLAKE_SYNC_RESULT "
ERROR_MARKER = "FLEXLAKE_SYNC_ERROR "

RUNNER_SCRIPT = Path(__file__).with_name("pyairbyte_runner.py")
BOOTSTRAP_HINT = "Run `scripts/bootstrap.sh` to create the virtualenvs."
# Lines of output quoted in the error when the runner died without saying why (e.g. a crash on import).
_ERROR_TAIL_LINES = 15
# Environment variables the runner may inherit. Everything else (Airflow's own secrets included) stays out.
_INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


@dataclass(frozen=True)
class _Connector:
    """How a source system is run: PyAirbyte's connector name and the venv (under
    CONNECTORS_VENV_DIR) holding its executable of the same name."""

    name: str
    venv: str

    def executable(self) -> Path:
        return settings.CONNECTORS_VENV_DIR / self.venv / "bin" / self.name


# Source system (the config's `system`) -> connector. A new Python connector = one line + a venv.
_CONNECTORS: dict[str, _Connector] = {
    "faker": _Connector(name="source-faker", venv="source-faker"),
}


class EmbeddedPyAirbyteEngine:
    """Runs one sync per call with PyAirbyte; raw tables keep PyAirbyte's layout in the destination schema."""

    name: str = "embedded"

    def sync(self, request: SyncRequest) -> SyncResult:
        connector = _connector_for(request.source.system)
        python, executable = _check_installed(connector)
        payload = build_runner_payload(request, connector.name, executable)
        secret = request.destination.password if isinstance(request.destination, PostgresDestination) else ""
        label = f"{request.tenant_id}/{request.source.name}"
        logger.info(
            "Syncing %s with %s (streams: %s) into %s",
            label,
            connector.name,
            ", ".join(request.source.streams),
            describe_destination(request.destination),
        )
        with tempfile.TemporaryDirectory(prefix=f"flexlake-pyairbyte-{request.source.name}-") as workdir:
            return run_runner_sync(
                RunnerCall(
                    python=python,
                    runner=RUNNER_SCRIPT,
                    stdin_text=json.dumps(payload),
                    env=_runner_env(Path(workdir)),
                    workdir=Path(workdir),
                    secret=secret,
                ),
                request=request,
                engine=self.name,
                described=f"{label} ({connector.name}, embedded PyAirbyte)",
            )


def build_runner_payload(request: SyncRequest, connector: str, executable: Path) -> dict[str, Any]:
    """The JSON the runner reads on stdin. It holds the destination password: never log or pass it on argv."""
    return {
        "connector": connector,
        "executable": str(executable),
        "config": _connector_config(request.source),
        "streams": list(request.source.streams),
        "destination": _destination_payload(request.destination),
    }


def _connector_config(source: SourceConfig) -> dict[str, Any]:
    """The connector's own config. Only faker runs embedded (schema validation keeps the others out)."""
    if not isinstance(source, FakerSource):
        raise IngestionError(f"source {source.name!r}: system {source.system!r} has no embedded connector")
    return source.options.model_dump(mode="json")


def _destination_payload(destination: RawDestination) -> dict[str, Any]:
    return runner_destination_payload(destination, "the embedded engine has no {warehouse} cache; use engine: airbyte")


def runner_destination_payload(destination: RawDestination, refusal: str) -> dict[str, Any]:
    """Where a side-venv runner (this engine's, the dlt engine's) writes: DuckDB or PostgreSQL, password included
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


def _connector_for(system: str) -> _Connector:
    try:
        return _CONNECTORS[system]
    except KeyError:
        known = ", ".join(sorted(_CONNECTORS))
        raise IngestionError(f"The embedded engine has no connector for {system!r}; it runs: {known}.") from None


def _check_installed(connector: _Connector) -> tuple[Path, Path]:
    python, executable = settings.PYAIRBYTE_PYTHON, connector.executable()
    if not os.access(python, os.X_OK):
        raise IngestionError(f"PyAirbyte's python was not found at {python}. {BOOTSTRAP_HINT}")
    if not os.access(executable, os.X_OK):
        raise IngestionError(f"Connector {connector.name} was not found at {executable}. {BOOTSTRAP_HINT}")
    return python, executable


def _runner_env(workdir: Path) -> dict[str, str]:
    """A small, explicit environment: offline, no telemetry, and every PyAirbyte scratch dir in `workdir`."""
    env = {key: os.environ[key] for key in _INHERITED_ENV if key in os.environ}
    env.update(
        AIRBYTE_OFFLINE_MODE="1",  # no registry download: connectors come from local venvs
        DO_NOT_TRACK="1",
        NO_LIVE_PROGRESS="1",  # plain progress lines instead of a Rich live view
        HOME=str(workdir),
        TMPDIR=str(workdir),
        AIRBYTE_PROJECT_DIR=str(workdir),
        AIRBYTE_CACHE_ROOT=str(workdir / ".cache"),
        AIRBYTE_TEMP_DIR=str(workdir),
        AIRBYTE_LOGGING_ROOT=str(workdir / "logs"),
    )
    return env


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
    call: RunnerCall, *, request: SyncRequest, engine: str, described: str, log: logging.Logger = logger
) -> SyncResult:
    """Run a runner (this module's or embedded_dlt's: one protocol, one set of markers) and read its result line.

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
    log: logging.Logger = logger,
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
