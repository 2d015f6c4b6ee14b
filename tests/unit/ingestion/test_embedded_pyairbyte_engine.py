"""The embedded PyAirbyte engine, with a fake runner python standing in for the PyAirbyte venv."""

import json
import logging
import stat
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.ingestion import (
    IngestionError,
    PostgresDestination,
    StreamStats,
    SyncRequest,
    get_engine,
)
from flexlake.ingestion.side_venv_runner import (
    ERROR_MARKER,
    RESULT_MARKER,
    parse_error_line,
    parse_result_line,
)
from flexlake.tenant_config.schema import FakerSource, FakerSourceOptions

SECRET = "s3cr3t-Pa55"
ENGINE_LOGGER = "flexlake.ingestion.embedded_pyairbyte"


def _executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_venvs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point settings at a fake connector venv; each test writes its own fake runner python."""
    connectors = tmp_path / "venvs"
    _executable(connectors / "source-faker" / "bin" / "source-faker", "exit 0\n")
    monkeypatch.setattr(settings, "CONNECTORS_VENV_DIR", connectors)
    return tmp_path


def _use_runner(monkeypatch: pytest.MonkeyPatch, path: Path, body: str) -> None:
    monkeypatch.setattr(settings, "PYAIRBYTE_PYTHON", _executable(path, body))


def _request() -> SyncRequest:
    return SyncRequest(
        tenant_id="acme",
        source=FakerSource(system="faker", name="shop", options=FakerSourceOptions(count=50, seed=3)),
        destination=PostgresDestination(
            host="127.0.0.1", port=5999, user="loader", password=SECRET, database="dw", schema="acme_raw_shop"
        ),
    )


def test_a_result_line_parses_into_records_per_stream() -> None:
    """The runner's marker line becomes StreamStats in the runner's stream order."""
    line = RESULT_MARKER + json.dumps({"streams": {"users": 200, "purchases": 180}, "table_rows": {}})
    assert parse_result_line(line) == (StreamStats("users", 200), StreamStats("purchases", 180))


@pytest.mark.parametrize(
    "line",
    ["INFO airbyte: Read 200 records", RESULT_MARKER + "{not json", RESULT_MARKER + '{"streams": 3}'],
)
def test_a_line_that_is_not_a_valid_result_parses_to_none(line: str) -> None:
    """Log lines and truncated or malformed result lines are not results."""
    assert parse_result_line(line) is None, f"{line!r} should not parse"


def test_an_error_line_parses_into_the_connector_message() -> None:
    """The runner's error marker line yields its error text; other lines yield None."""
    line = ERROR_MARKER + json.dumps({"error": "Config validation error: bad", "type": "X"})
    assert parse_error_line(line) == "Config validation error: bad"
    assert parse_error_line("ERROR something") is None


def test_a_successful_run_streams_logs_and_keeps_the_password_off_argv_and_out_of_logs(
    fake_venvs: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The request reaches the runner on stdin only; runner lines reach logging; the result is parsed."""
    record = fake_venvs / "record"
    result = RESULT_MARKER + json.dumps({"streams": {"users": 50, "products": 100}})
    body = (
        f'echo "$@" > {record}.argv\n'
        f"env > {record}.env\n"
        f"cat > {record}.stdin\n"
        'echo "INFO airbyte: Read started on stream users"\n'
        f'echo "connecting with {SECRET}" >&2\n'
        f"echo '{result}'\n"
    )
    _use_runner(monkeypatch, fake_venvs / "python", body)
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", "not-for-the-runner")
    caplog.set_level(logging.INFO, logger=ENGINE_LOGGER)

    sync_result = get_engine("embedded").sync(_request())

    assert sync_result.streams == (StreamStats("users", 50), StreamStats("products", 100)), sync_result
    assert sync_result.source_name == "shop" and sync_result.engine == "embedded", sync_result
    sent = json.loads(Path(f"{record}.stdin").read_text())
    assert sent["destination"]["password"] == SECRET, "the runner needs the password, on stdin"
    expected = {"count": 50, "seed": 3, "records_per_slice": 1000, "parallelism": 1, "always_updated": True}
    assert sent["config"] == expected, sent["config"]
    assert SECRET not in Path(f"{record}.argv").read_text(), "the password must never be on argv"
    env = Path(f"{record}.env").read_text()
    assert "AIRBYTE_OFFLINE_MODE=1" in env and "DO_NOT_TRACK=1" in env, env
    assert "AIRFLOW__CORE__FERNET_KEY" not in env, "Airflow's environment must not leak into the runner"
    assert "Read started on stream users" in caplog.text, caplog.text
    assert SECRET not in caplog.text, "the password must be masked in the task log"


def test_a_failing_runner_raises_an_ingestion_error_with_its_own_message(
    fake_venvs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runner that writes to stderr and exits 1 fails the sync with that text."""
    _use_runner(monkeypatch, fake_venvs / "python", 'echo "source-faker: count must be positive" >&2\nexit 1\n')
    with pytest.raises(IngestionError) as raised:
        get_engine("embedded").sync(_request())
    message = str(raised.value)
    assert "count must be positive" in message, message
    assert "exit code 1" in message, message


def test_the_runner_error_line_is_preferred_over_the_log_tail(
    fake_venvs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the runner reports the connector's error, that text is the error, not the traceback."""
    error = ERROR_MARKER + json.dumps({"error": "Config validation error: 0 is less than the minimum of 1"})
    _use_runner(
        monkeypatch,
        fake_venvs / "python",
        f"echo 'Traceback (most recent call last):'\necho '{error}'\nexit 1\n",
    )
    with pytest.raises(IngestionError, match="0 is less than the minimum of 1") as raised:
        get_engine("embedded").sync(_request())
    assert "Traceback" not in str(raised.value), str(raised.value)


def test_a_runner_that_exits_zero_without_a_result_is_a_failure(
    fake_venvs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit code 0 without a result line cannot be trusted as a sync."""
    _use_runner(monkeypatch, fake_venvs / "python", "echo 'half a sync'\nexit 0\n")
    with pytest.raises(IngestionError, match="half a sync"):
        get_engine("embedded").sync(_request())


def test_a_missing_pyairbyte_venv_says_to_run_bootstrap(fake_venvs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the PyAirbyte venv the error names the path and the bootstrap script."""
    monkeypatch.setattr(settings, "PYAIRBYTE_PYTHON", fake_venvs / "nowhere" / "python")
    with pytest.raises(IngestionError, match=r"scripts/bootstrap\.sh") as raised:
        get_engine("embedded").sync(_request())
    assert "nowhere" in str(raised.value), str(raised.value)


def test_a_missing_connector_venv_says_to_run_bootstrap(fake_venvs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the connector's venv the error names the connector and the bootstrap script."""
    _use_runner(monkeypatch, fake_venvs / "python", "exit 0\n")
    monkeypatch.setattr(settings, "CONNECTORS_VENV_DIR", fake_venvs / "empty")
    with pytest.raises(IngestionError, match=r"source-faker.*scripts/bootstrap\.sh"):
        get_engine("embedded").sync(_request())
