"""The dlt engine, with a fake runner python standing in for the dlt venv."""

import json
import logging
import stat
from datetime import date
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.ingestion import (
    DuckDBDestination,
    IngestionError,
    PostgresDestination,
    StreamStats,
    SyncRequest,
    get_engine,
)
from flexlake.ingestion.embedded_dlt import EmbeddedDltEngine, build_runner_payload
from flexlake.ingestion.side_venv_runner import ERROR_MARKER, RESULT_MARKER
from flexlake.tenant_config.schema import FakerSource, FakerSourceOptions, ShopifySource

SECRET = "s3cr3t-Pa55"
ENGINE_LOGGER = "flexlake.ingestion.embedded_dlt"


@pytest.fixture
def dlt_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point settings at a venv folder whose bin/python each test writes (a shell script)."""
    monkeypatch.setattr(settings, "CONNECTORS_VENV_DIR", tmp_path / "venvs")
    return tmp_path / "venvs" / "dlt" / "bin" / "python"


def _write_python(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _request(destination: PostgresDestination | DuckDBDestination | None = None) -> SyncRequest:
    return SyncRequest(
        tenant_id="acme",
        source=FakerSource(
            system="faker",
            name="shop",
            engine="dlt",
            streams=("users", "purchases"),
            options=FakerSourceOptions(count=50, seed=3),
        ),
        destination=destination
        or PostgresDestination(
            host="127.0.0.1", port=5999, user="loader", password=SECRET, database="dw", schema="acme_raw_shop"
        ),
    )


def test_the_dlt_engine_is_registered_under_its_config_name() -> None:
    """get_engine('dlt') returns the dlt engine, whose name (in XCom and the run summary) is dlt."""
    engine = get_engine("dlt")
    assert isinstance(engine, EmbeddedDltEngine), f"got {engine!r}"
    assert engine.name == "dlt", f"engine name is {engine.name!r}"


def test_the_payload_carries_the_seed_count_streams_and_a_pipeline_per_tenant_source(tmp_path: Path) -> None:
    """The runner gets faker's count and seed, the streams, a pipeline name per tenant source, the DuckDB path."""
    destination = DuckDBDestination(tmp_path / "raw_shop.duckdb", "acme_raw_shop")
    payload = build_runner_payload(_request(destination), tmp_path / "pipelines")
    assert payload["config"] == {"count": 50, "seed": 3}, payload
    assert payload["streams"] == ["users", "purchases"], payload
    assert payload["pipeline_name"] == "flexlake_acme_shop", payload
    assert payload["destination"] == {
        "type": "duckdb",
        "path": str(tmp_path / "raw_shop.duckdb"),
        "schema": "acme_raw_shop",
    }, payload


def test_a_source_dlt_has_no_generator_for_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """model_construct bypasses tenant validation: the engine itself still names the system and the fix."""
    shopify = ShopifySource.model_construct(
        system="shopify",
        name="eu",
        engine="dlt",
        shop="acme",
        credentials_connection_id="c",
        start_date=date(2025, 1, 1),
        streams=("orders",),
    )
    request = SyncRequest(tenant_id="acme", source=shopify, destination=DuckDBDestination(tmp_path / "r", "s"))
    with pytest.raises(IngestionError, match=r"no source for system 'shopify'.*set engine: airbyte"):
        build_runner_payload(request, tmp_path)


def test_a_successful_run_streams_logs_and_keeps_secrets_off_argv_logs_and_the_environment(
    dlt_venv: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The request reaches the runner on stdin only, telemetry is off, the password is masked in the log."""
    record = dlt_venv.parent / "record"
    result = RESULT_MARKER + json.dumps({"streams": {"users": 50, "purchases": 50}})
    _write_python(
        dlt_venv,
        f'echo "$@" > {record}.argv\nenv > {record}.env\ncat > {record}.stdin\n'
        f'echo "INFO flexlake.dlt_runner: imported dlt"\necho "connecting with {SECRET}" >&2\necho \'{result}\'\n',
    )
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", "not-for-the-runner")
    caplog.set_level(logging.INFO, logger=ENGINE_LOGGER)

    sync_result = get_engine("dlt").sync(_request())

    assert sync_result.streams == (StreamStats("users", 50), StreamStats("purchases", 50)), sync_result
    assert sync_result.engine == "dlt" and sync_result.source_name == "shop", sync_result
    sent = json.loads(Path(f"{record}.stdin").read_text())
    assert sent["destination"]["password"] == SECRET, "the runner needs the password, on stdin"
    assert SECRET not in Path(f"{record}.argv").read_text(), "the password must never be on argv"
    env = Path(f"{record}.env").read_text()
    assert "RUNTIME__DLTHUB_TELEMETRY=false" in env, env
    assert "AIRFLOW__CORE__FERNET_KEY" not in env, "Airflow's environment must not leak into the runner"
    engine_lines = [r.getMessage() for r in caplog.records if r.name == ENGINE_LOGGER]
    assert any("imported dlt" in line for line in engine_lines), "runner lines go to the dlt engine's logger"
    assert SECRET not in caplog.text, "the password must be masked in the task log"


def test_a_failing_runner_raises_an_ingestion_error_with_the_runner_message(
    dlt_venv: Path,
) -> None:
    """The runner's error line becomes the task's error, naming the tenant source and the engine."""
    error = ERROR_MARKER + json.dumps({"error": "DatabaseTerminalException: permission denied for schema"})
    _write_python(dlt_venv, f"echo 'Traceback (most recent call last):'\necho '{error}'\nexit 1\n")
    with pytest.raises(IngestionError) as raised:
        get_engine("dlt").sync(_request())
    message = str(raised.value)
    assert "acme/shop (dlt) failed, exit code 1" in message, message
    assert "permission denied for schema" in message and "Traceback" not in message, message


def test_a_missing_dlt_venv_says_to_run_bootstrap(dlt_venv: Path) -> None:
    """No venv: the error names the python it looked for and the command that creates it."""
    with pytest.raises(IngestionError, match=r"dlt's python was not found at .*venvs/dlt/bin/python.*bootstrap"):
        get_engine("dlt").sync(_request())
