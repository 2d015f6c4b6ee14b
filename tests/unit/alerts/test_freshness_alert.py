"""A stale source alerts once per run: the freshness the run's published summary recorded, read back by run id,
sent to Slack (a local HTTP sink) through the same path as the other alerts."""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from flexlake import settings
from flexlake.alerts.callbacks import choose_message, send
from flexlake.alerts.outcome import RunOutcome
from flexlake.alerts.run_outcome import read_run_freshness
from flexlake.catalog import catalog_root, publish_run, run_key
from flexlake.freshness import check_source_freshness, freshness_breaches
from flexlake.tenant_config import TenantConfig, load_tenant_config
from flexlake.tenant_config.alerts_schema import AlertsConfig
from flexlake.warehouses.duckdb import DuckDBWarehouse

from tests.unit.alerts.conftest import write_tenant
from tests.unit.alerts.test_channels import TOKEN, _Sink

RUN_ID = "scheduled__2026-12-07T11:00:00+00:00"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def stale_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TenantConfig:
    """A starter DuckDB tenant whose raw users were last extracted 60 h ago (error after 50 h), its catalog local."""
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", (tmp_path / "catalog").as_uri())
    monkeypatch.setattr(settings, "CATALOG_CONN_ID", None)
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    path = write_tenant(tmp_path, "alerts:\n  slack_connection_id: h17f_unit_slack\n")
    tenant = load_tenant_config(path)
    raw = DuckDBWarehouse().raw_path(tenant, "shop")
    raw.parent.mkdir(parents=True)
    with duckdb.connect(str(raw)) as connection:
        connection.execute("create schema acme_raw_shop")
        connection.execute(
            "create table acme_raw_shop.users as select timestamp '2026-12-05 00:00' as _airbyte_extracted_at"
        )
    return tenant


def _publish(tenant: TenantConfig, run_id: str) -> None:
    root = catalog_root(settings.CATALOG_BASE_URI, tenant.tenant_id)
    publish_run(root, run_key(run_id), {"run_id": run_id, "freshness": check_source_freshness(tenant, NOW)}, None)


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Sink]]:
    from http.server import HTTPServer  # noqa: PLC0415

    _Sink.posts, _Sink.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    connection = {"conn_type": "http", "host": "http://127.0.0.1", "port": server.server_port, "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_H17F_UNIT_SLACK", json.dumps(connection))
    yield _Sink
    server.shutdown()
    server.server_close()


def test_a_stale_source_sends_one_slack_message_naming_tenant_source_and_run(
    stale_tenant: TenantConfig, sink: type[_Sink]
) -> None:
    """Published summary -> read back by run id -> one message: the source, its age, the threshold, the link."""
    _publish(stale_tenant, RUN_ID)
    breaches = freshness_breaches(read_run_freshness("acme", RUN_ID))
    outcome = RunOutcome("flexlake__acme", RUN_ID, freshness_breaches=breaches)
    assert stale_tenant.alerts is not None
    message = choose_message(stale_tenant, stale_tenant.alerts, outcome, "http://airflow/run", failed=False)
    assert message is not None
    assert send(message, stale_tenant.alerts) == []
    assert len(sink.posts) == 1, sink.posts
    text = sink.posts[0][1]["text"]
    assert text.startswith("[flexlake] Acme Books (acme): run succeeded, 1 source(s) stale"), text
    assert "shop (error): newest raw record 2026-12-05T00:00:00+00:00, 60.0 h old; error after 50.0 h" in text, text
    assert "starter tier" in text and "Run: http://airflow/run" in text, text


def test_the_summary_read_is_this_runs_not_the_latest(stale_tenant: TenantConfig) -> None:
    """Two runs published: each run id reads its own version; a run that published nothing reads None."""
    _publish(stale_tenant, RUN_ID)
    other = "manual__2026-12-07T11:30:00+00:00"
    root = catalog_root(settings.CATALOG_BASE_URI, "acme")
    publish_run(root, run_key(other), {"run_id": other, "freshness": {"status": "ok", "sources": {}}}, None)
    assert read_run_freshness("acme", RUN_ID)["status"] == "error"  # type: ignore[index]
    assert read_run_freshness("acme", other) == {"status": "ok", "sources": {}}
    assert read_run_freshness("acme", "manual__never_published") is None


def test_an_unreadable_summary_is_said_not_swallowed(stale_tenant: TenantConfig) -> None:
    """A corrupt summary.json still gives one line, so the operator knows freshness went unchecked."""
    _publish(stale_tenant, RUN_ID)
    (summary,) = Path(settings.CATALOG_BASE_URI.removeprefix("file://")).glob(f"acme/*__{run_key(RUN_ID)}/summary.json")
    summary.write_text("{not json")
    (line,) = freshness_breaches(read_run_freshness("acme", RUN_ID))
    assert line == "freshness could not be checked: the run's summary could not be read (JSONDecodeError)", line


def test_without_freshness_in_notify_on_a_stale_run_sends_nothing(stale_tenant: TenantConfig) -> None:
    """notify_on: [failure, test_warnings]: a stale source is in the summary, not in anyone's inbox."""
    alerts: Any = AlertsConfig.model_validate({"slack_connection_id": "x", "notify_on": ["failure", "test_warnings"]})
    outcome = RunOutcome("flexlake__acme", RUN_ID, freshness_breaches=("shop (error): ...",))
    assert choose_message(stale_tenant, alerts, outcome, "L", failed=False) is None
