"""The sync under faults: 429 storms, 5xx bursts, expiring tokens, 409, stuck and failed jobs, secrets."""

import asyncio
import logging
from pathlib import Path

import duckdb
import pytest
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.provisioning import provision
from flexlake.ingestion.airbyte_api.sync import start_sync, sync_result, wait_for_job
from flexlake.ingestion.airbyte_api.transport import AirbyteApiError
from flexlake.ingestion.base import IngestionError

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.unit.ingestion.airbyte_api.conftest import Clock, duckdb_destinations, make_tenant


@pytest.fixture
def connection_id(client: AirbyteClient, tmp_path: Path) -> str:
    result = provision(client, make_tenant(count=40), duckdb_destinations(tmp_path), {"shop": None}, apply=True)
    return result.connection_ids["shop"]


def _run(client: AirbyteClient, connection_id: str, timeout: float = 600) -> dict[str, object]:
    job = start_sync(client, connection_id)
    job = wait_for_job(client, job.job_id, poll_interval_seconds=0, timeout_seconds=timeout, sleep=lambda _s: None)
    return sync_result(client, "shop", job, "airbyte").to_dict()


def test_a_successful_job_writes_destinations_v2_tables_and_reports_stats(
    client: AirbyteClient, connection_id: str, tmp_path: Path
) -> None:
    """Users/products/purchases land with the four _airbyte_ columns; stats count records per stream."""
    result = _run(client, connection_id)
    streams = {item["stream"]: item["records"] for item in result["streams"]}  # type: ignore[attr-defined, index]
    assert streams == {"users": 40, "products": 100, "purchases": 40}, result
    with duckdb.connect(str(tmp_path / "raw_shop.duckdb"), read_only=True) as connection:
        columns = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns where table_schema = 'acme_raw_shop' "
                "and table_name = 'users'"
            ).fetchall()
        }
        (rows,) = connection.execute("select count(*) from acme_raw_shop.purchases").fetchone() or (0,)
    assert {"_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta", "_airbyte_generation_id", "id"} <= columns
    assert rows == 40


def test_a_429_storm_is_waited_out_honouring_retry_after(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, sleeps: list[float]
) -> None:
    """Four 429s with Retry-After: 7 on job polls are slept through with exactly that delay."""
    fake.inject(429, times=4, method="GET", path=r"^/jobs/\d+$", retry_after=7)
    _run(client, connection_id)
    assert sleeps.count(7.0) == 4, sleeps


def test_a_429_storm_longer_than_the_budget_fails_with_a_clear_message(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str
) -> None:
    """When retries run out the error says what was called and the HTTP status."""
    fake.inject(429, times=50, method="POST", path=r"^/jobs$", retry_after=1)
    with pytest.raises(AirbyteApiError, match="POST jobs failed: HTTP 429"):
        start_sync(client, connection_id)


def test_a_burst_of_5xx_is_retried_with_backoff(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, sleeps: list[float]
) -> None:
    """502, 503, 500 on the job poll are retried with growing delays, then the sync succeeds."""
    for status in (502, 503, 500):
        fake.inject(status, times=1, method="GET", path=r"^/jobs/\d+$")
    _run(client, connection_id)
    assert len(sleeps) == 3 and sleeps[0] < sleeps[2], sleeps


def test_a_token_expiring_mid_sync_is_refreshed(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, clock: Clock
) -> None:
    """Time passing beyond the TTL refreshes ahead; a token revoked early is replaced after one 401."""
    job = start_sync(client, connection_id)
    fetches = client.token_fetches
    clock.now += 170  # inside the refresh margin of a 180 s token
    client.get_job(job.job_id)
    assert client.token_fetches == fetches + 1, "the token must be refreshed before it expires"
    fake.expire_tokens()
    wait_for_job(client, job.job_id, poll_interval_seconds=0, timeout_seconds=60, sleep=lambda _s: None)
    assert client.token_fetches == fetches + 2
    assert any(exchange.status == 401 for exchange in fake.exchanges)


def test_a_409_attaches_to_the_running_job(fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str) -> None:
    """A sync already running (started elsewhere) is joined, not failed and not doubled."""
    fake.script_next_job("running", "running", "succeeded")
    running = client.create_sync_job(connection_id)
    attached = start_sync(client, connection_id)
    assert attached.job_id == running.job_id
    assert len(fake.jobs) == 1


def test_a_job_stuck_in_queued_past_the_timeout_is_cancelled(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str
) -> None:
    """Queued is in progress (not a failure); past the timeout the job is cancelled and the task fails."""
    fake.script_next_job("queued")
    ticks = iter(range(0, 10_000, 30))
    job = start_sync(client, connection_id)
    with pytest.raises(IngestionError, match="still queued after 120 s: cancelled it"):
        wait_for_job(
            client,
            job.job_id,
            poll_interval_seconds=30,
            timeout_seconds=120,
            sleep=lambda _s: None,
            clock=lambda: float(next(ticks)),
        )
    assert fake.jobs[job.job_id].status == "cancelled"


def test_a_failed_job_fails_with_airbytes_own_message(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str
) -> None:
    """The failure reason Airbyte reports is the task's error text."""
    fake.script_next_job("running", "failed", failure_reason="Stripe API key was revoked")
    with pytest.raises(IngestionError, match="failed: source: Stripe API key was revoked"):
        _run(client, connection_id)


def test_no_secret_appears_in_captured_logs(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the client secret nor a bearer token is logged, even under faults."""
    caplog.set_level(logging.DEBUG)
    fake.inject(500, times=2)
    fake.expire_tokens()
    _run(client, connection_id)
    logged = caplog.text
    assert fake.client_secret not in logged
    assert all(token not in logged for token in fake.tokens)
    assert fake.client_secret not in repr(client.settings)


def test_the_trigger_polls_asynchronously_and_cancels_at_its_deadline(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deferrable trigger reports the final status, and cancels a job still queued at the deadline."""
    from flexlake.ingestion.airbyte_api import trigger as trigger_module  # noqa: PLC0415

    async def fake_client(self: object) -> AirbyteClient:
        return client

    monkeypatch.setattr(trigger_module.AirbyteJobTrigger, "_client", fake_client)

    async def no_aclose() -> None:
        return None

    monkeypatch.setattr(client, "close", lambda: None)
    monkeypatch.setattr(client, "aclose", no_aclose)

    async def collect(trigger: trigger_module.AirbyteJobTrigger) -> list[dict[str, object]]:
        return [event.payload async for event in trigger.run()]

    job = start_sync(client, connection_id)
    done = trigger_module.AirbyteJobTrigger(job.job_id, "airbyte_default", 0, deadline=float("inf"))
    assert asyncio.run(collect(done)) == [{"status": "succeeded", "job_id": job.job_id}]
    fake.script_next_job("queued")
    stuck_job = start_sync(client, connection_id)
    stuck = trigger_module.AirbyteJobTrigger(stuck_job.job_id, "airbyte_default", 0, deadline=0)
    (event,) = asyncio.run(collect(stuck))
    assert event["status"] == "timeout" and fake.jobs[stuck_job.job_id].status == "cancelled"
    fake.script_next_job("running")
    killed_job = start_sync(client, connection_id)
    asyncio.run(trigger_module.AirbyteJobTrigger(killed_job.job_id, "airbyte_default", 0, 0).on_kill())
    assert fake.jobs[killed_job.job_id].status == "cancelled", "killing the task must cancel the job"
