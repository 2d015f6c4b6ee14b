"""The embedded engine: PyAirbyte inside the Airflow task, in its own virtualenv, as a subprocess.

PyAirbyte 0.71 cannot share a virtualenv with Airflow 3.3, so the task runs `pyairbyte_runner.py` with the
PyAirbyte venv's python, and each connector from its own venv as a local executable. The request goes to
the runner on stdin (never argv: it holds the warehouse password); the runner's output is streamed line by
line into this module's logger, hence into the Airflow task log, and its last line carries the result.
"""

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flexlake import settings
from flexlake.ingestion.base import IngestionError, SyncRequest, SyncResult
from flexlake.ingestion.side_venv_runner import (
    RunnerCall,
    describe_destination,
    run_runner_sync,
    runner_destination_payload,
)
from flexlake.raw_destination import PostgresDestination, RawDestination
from flexlake.tenant_config.schema import FakerSource, SourceConfig

logger = logging.getLogger(__name__)

RUNNER_SCRIPT = Path(__file__).with_name("pyairbyte_runner.py")
BOOTSTRAP_HINT = "Run `scripts/bootstrap.sh` to create the virtualenvs."
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


# Source system (the config's `system`) -> connector: one per system whose catalog row lists the `embedded` engine
# (tenant_config/source_systems.py; its test checks both ways). A new Python connector = one line + a venv.
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
                log=logger,
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
