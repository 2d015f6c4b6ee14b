"""The dlt engine (`engine: dlt`): dlt inside the Airflow task, in its own virtualenv, as a subprocess.

The hosted tier may not run PyAirbyte or Airbyte's connectors (Elastic License 2.0, docs/licensing.md); dlt and
everything in its venv (requirements-dlt.txt) are Apache/MIT/BSD. The task runs `dlt_runner.py` with the dlt
venv's python (dlt's dependencies are not Airflow's to carry), with the runner protocol of the PyAirbyte engine:
the request on stdin (it holds the warehouse password), output streamed into the task log, a result line last.
Raw tables land in the layout PyAirbyte writes, so the staging models read either engine's tables unchanged.
"""

import json
import logging
import os
import tempfile
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
from flexlake.tenant_config.source_systems import systems_on_engine

logger = logging.getLogger(__name__)

RUNNER_SCRIPT = Path(__file__).with_name("dlt_runner.py")
DLT_VENV = "dlt"  # under settings.CONNECTORS_VENV_DIR, created by scripts/bootstrap.sh from requirements-dlt.txt
# The systems dlt_runner.py has a source for: the catalog's (tenant validation keeps the others off this engine).
DLT_SYSTEMS = systems_on_engine("dlt")
BOOTSTRAP_HINT = "Run `scripts/bootstrap.sh` to create the virtualenvs (the dlt one from requirements-dlt.txt)."
_INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")


def dlt_python() -> Path:
    """The dlt venv's python; read at call time so that settings (and tests) can move the venvs."""
    return settings.CONNECTORS_VENV_DIR / DLT_VENV / "bin" / "python"


class EmbeddedDltEngine:
    """Runs one sync per call with dlt; each sync appends every record with its extraction time."""

    name: str = "dlt"

    def sync(self, request: SyncRequest) -> SyncResult:
        python = _check_installed()
        label = f"{request.tenant_id}/{request.source.name}"
        secret = request.destination.password if isinstance(request.destination, PostgresDestination) else ""
        logger.info(
            "Syncing %s with dlt (streams: %s) into %s",
            label,
            ", ".join(request.source.streams),
            describe_destination(request.destination),
        )
        with tempfile.TemporaryDirectory(prefix=f"flexlake-dlt-{request.source.name}-") as workdir:
            return run_runner_sync(
                RunnerCall(
                    python=python,
                    runner=RUNNER_SCRIPT,
                    stdin_text=json.dumps(build_runner_payload(request, Path(workdir) / "pipelines")),
                    env=_runner_env(Path(workdir)),
                    workdir=Path(workdir),
                    secret=secret,
                ),
                request=request,
                engine=self.name,
                described=f"{label} (dlt)",
                log=logger,
            )


def build_runner_payload(request: SyncRequest, pipelines_dir: Path) -> dict[str, Any]:
    """The JSON the runner reads on stdin. It holds the destination password: never log or pass it on argv."""
    return {
        "config": _source_config(request.source),
        "streams": list(request.source.streams),
        # dlt keeps its pipeline state in the destination too (_dlt_pipeline_state): a scratch dir suffices.
        "pipeline_name": f"flexlake_{request.tenant_id}_{request.source.name}",
        "pipelines_dir": str(pipelines_dir),
        "destination": _destination_payload(request.destination),
    }


def _source_config(source: SourceConfig) -> dict[str, Any]:
    if not isinstance(source, FakerSource):
        known = ", ".join(sorted(DLT_SYSTEMS))
        raise IngestionError(
            f"source {source.name!r}: the dlt engine has no source for system {source.system!r} (it has: {known}); "
            "set engine: airbyte for it"
        )
    return {"count": source.options.count, "seed": source.options.seed}


def _destination_payload(destination: RawDestination) -> dict[str, Any]:
    return runner_destination_payload(destination, "the dlt engine writes DuckDB and PostgreSQL only, not {warehouse}")


def _check_installed() -> Path:
    python = dlt_python()
    if not os.access(python, os.X_OK):
        raise IngestionError(f"dlt's python was not found at {python}. {BOOTSTRAP_HINT}")
    return python


def _runner_env(workdir: Path) -> dict[str, str]:
    """A small, explicit environment: no telemetry, dlt's home and scratch dirs in `workdir`, no proxy."""
    env = {key: os.environ[key] for key in _INHERITED_ENV if key in os.environ}
    env.update(
        HOME=str(workdir),
        TMPDIR=str(workdir),
        DLT_DATA_DIR=str(workdir / "dlt"),
        RUNTIME__DLTHUB_TELEMETRY="false",  # dlt sends anonymous usage events by default
        RUNTIME__LOG_LEVEL="WARNING",  # dlt's own lines: warnings and errors; the runner logs the summary
    )
    return env
