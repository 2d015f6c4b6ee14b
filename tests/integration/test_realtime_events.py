"""Event-driven runs for real: messages on a Redis channel start an enterprise tenant's runs (issue 16).

One stack for the module: Redis (the session's `redis_server`, Debian's redis-server) and scripts/airflow_up.sh
(api-server, scheduler, dag-processor, triggerer) with one realtime DuckDB tenant whose broker connection comes from
an AIRFLOW_CONN_ variable. The test publishes with redis-py, as a producer would, and asserts what Airflow made of
the messages through the REST API: runs, their asset events and the payloads.

It proves the scheduling, not the data: each run is marked failed through the API once its events are checked (its
first tasks may have started; no run reaches the end of its dbt build). That keeps the module near 2 minutes (117-120 s
here, 50-70 s of it starting Airflow); the runs are the DAG every tenant runs (test_tenant_dag_runs.py).
- a burst of messages before a run → exactly one run; one asset event carries every message of the burst (the
  watcher's debounce), naming the burst's one source;
- messages during a run → no second run while it runs, exactly one run after it, which syncs every source (it
  started late: realtime_schedule.sources_named_by_events says why);
- through the test's parse loops the watcher keeps one trigger row, started once, with one Redis subscription: the
  dag-processor does not re-create the trigger each loop (apache/airflow #64625);
- two schedulers (HA, which needs a metadata DB with row locks: PostgreSQL here) make exactly one run per message
  (apache/airflow #63507: both read the same AssetDagRunQueue row; fixed by its row lock, #60773, in 3.2.0).
Each test starts its own stack (function scope), so no two stacks run at once on the 2 cores.
"""

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flexlake.dag_factory.realtime_schedule import (
    PROMPT_START_SECONDS,
    events_asset_name,
    sources_named_by_events,
    sources_named_by_payloads,
)

from tests.integration.airflow_servers import AirflowStack, running_airflow_stack, wait_for_dag_listed
from tests.integration.conftest import PostgresServer, RedisServer

pytestmark = pytest.mark.integration

log = logging.getLogger(__name__)

TENANT = "rt_events"
DAG_ID = f"flexlake__{TENANT}"
CHANNEL = f"flexlake.{TENANT}"
CONNECTION_ID = "flexlake_events_redis"
# debounce 2 s: a burst is one event even when the triggerer's loop stalls for a second. The floor (daily, at
# midnight UTC) never fires here.
TENANT_FILE = f"""\
tenant_id: {TENANT}
display_name: Realtime Events
tier: enterprise
warehouse: {{type: duckdb}}
sources:
  - {{system: faker, name: shop, engine: dlt, options: {{count: 20, seed: 1}}}}
  - {{system: faker, name: store, engine: dlt, options: {{count: 20, seed: 2}}}}
realtime:
  queue: redis
  connection_id: {CONNECTION_ID}
  topic: {CHANNEL}
  debounce_seconds: 2
  max_staleness_minutes: 1440
"""
BURST = 5
WAIT_SECONDS = 60
# Messages one at a time, each run stopped before the next: every round is one chance for both schedulers to see the
# same queued event (the scheduler loop runs about once a second).
HA_ROUNDS = 8
SCHEDULER_LOOP_SECONDS = 3
# A PATCH of a run that races the schedulers may fail with a database error: tries before the test fails (`_stop`).
STOP_ATTEMPTS = 3
# Longer than several parse loops (min_file_process_interval 5 s below), so a re-created trigger would show.
PARSE_INTERVAL_SECONDS = 5


@contextlib.contextmanager
def _realtime_stack(
    redis_server: RedisServer, root: Path, request: pytest.FixtureRequest, extra_env: dict[str, str] | None = None
) -> Iterator[AirflowStack]:
    """airflow_up.sh with only the realtime tenant, its broker connection, and a 5-second parse interval."""
    tenants = root / "tenants_source"
    tenants.mkdir()
    (tenants / f"{TENANT}.yaml").write_text(TENANT_FILE)
    env = {
        f"AIRFLOW_CONN_{CONNECTION_ID.upper()}": redis_server.url(0),
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(PARSE_INTERVAL_SECONDS),
        "FLEXLAKE_TASK_RETRIES": "0",
        **(extra_env or {}),
    }
    failed_before = request.session.testsfailed
    with running_airflow_stack(root, tenant_configs_source=tenants, extra_env=env) as stack:
        yield stack
        if request.session.testsfailed > failed_before:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"\nAirflow stack logs (a test failed):\n{stack.log_tails(60)}")


@pytest.fixture
def realtime_stack(redis_server: RedisServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[AirflowStack]:
    """The stack on its SQLite metadata DB, one scheduler (as `make up` runs it)."""
    with _realtime_stack(redis_server, tmp_path, request) as stack:
        yield stack


@pytest.fixture
def two_scheduler_stack(
    redis_server: RedisServer, postgres_server: PostgresServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[AirflowStack, PostgresServer]]:
    """The stack on a PostgreSQL metadata DB of its own, and a second `airflow scheduler` beside the first."""
    metadata = PostgresServer(**{**postgres_server.connection_kwargs, "dbname": f"airflow_ha_{int(time.time())}"})
    _create_database(postgres_server, metadata.dbname)
    sql_alchemy_conn = metadata.url.replace("postgresql://", "postgresql+psycopg2://", 1)
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn}
    with _realtime_stack(redis_server, tmp_path, request, env) as stack, _second_scheduler(stack):
        yield stack, metadata


def _create_database(server: PostgresServer, name: str) -> None:
    import psycopg2  # noqa: PLC0415 - only the HA test needs the driver

    connection = psycopg2.connect(**server.connection_kwargs)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
    finally:
        connection.close()


@contextlib.contextmanager
def _second_scheduler(stack: AirflowStack) -> Iterator[subprocess.Popen[bytes]]:
    """`airflow scheduler` again, with the first one's exact command and environment (read from /proc), but its own
    log-server port (the LocalExecutor's scheduler serves task logs on it). Stopped with SIGINT, as airflow_up.sh
    stops its components."""
    first = stack.component_process("scheduler")
    assert first is not None, f"no scheduler running\n{stack.log_tails()}"
    env = {**first.environ(), "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port())}
    with (stack.log_dir / "scheduler-2.log").open("wb") as output:
        process = subprocess.Popen(
            first.cmdline(), env=env, cwd=first.cwd(), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()  # its own session: os.killpg would reach its workers too
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # LocalExecutor workers it left behind


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(what: str, check: Callable[[], Any], stack: AirflowStack, timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.3)
    raise AssertionError(f"not after {timeout:.0f} s: {what}\n{stack.log_tails()}")


def _subscribers(client: redis.Redis) -> int:
    return int(dict(client.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0))


def _trigger_starts(stack: AirflowStack, trigger_id: int) -> int:
    """How often the triggerer started the watcher's trigger (its log says so at each start)."""
    log_file = stack.airflow_home / "logs" / "components" / "triggerer.log"
    return log_file.read_text(errors="replace").count(f"trigger ID {trigger_id} starting")


def _runs(stack: AirflowStack) -> list[Any]:
    from airflow_client.client import DagRunApi  # noqa: PLC0415

    with stack.api_client() as client:
        return list(DagRunApi(client).get_dag_runs(DAG_ID, order_by=["run_after"]).dag_runs)


def _started_run(stack: AirflowStack, index: int) -> Any:
    """The index-th run once it has started (its start_date is what the sync tasks see), else None."""
    runs = _runs(stack)
    return runs[index] if len(runs) > index and runs[index].start_date is not None else None


def _asset_events(stack: AirflowStack) -> list[Any]:
    from airflow_client.client import AssetApi  # noqa: PLC0415

    with stack.api_client() as client:
        return list(AssetApi(client).get_asset_events(name_pattern=events_asset_name(TENANT), limit=100).asset_events)


def _run_events(stack: AirflowStack, run_id: str) -> list[Any]:
    from airflow_client.client import DagRunApi  # noqa: PLC0415

    with stack.api_client() as client:
        return list(DagRunApi(client).get_upstream_asset_events(DAG_ID, run_id).asset_events)


def _stop(stack: AirflowStack, run_id: str) -> None:
    """Mark a run failed (its events are what is under test, not its tasks); the scheduler then frees the slot.

    With two schedulers updating the run's task instances at that moment, Airflow 3.3.2's PATCH can fail with a
    database error (HTTP 500, seen once in 2026-12-07's runs); a user clicks again, and so does this."""
    from airflow_client.client import DagRunApi, DagRunMutableStates, DAGRunPatchBody  # noqa: PLC0415
    from airflow_client.client.exceptions import ServiceException  # noqa: PLC0415

    for attempt in range(STOP_ATTEMPTS):
        try:
            with stack.api_client() as client:
                DagRunApi(client).patch_dag_run(DAG_ID, run_id, DAGRunPatchBody(state=DagRunMutableStates.FAILED))
            return
        except ServiceException:
            if attempt == STOP_ATTEMPTS - 1:
                raise
            time.sleep(1.0)


def _unpause(stack: AirflowStack) -> None:
    from airflow_client.client import DAGApi, DAGPatchBody  # noqa: PLC0415

    with stack.api_client() as client:
        DAGApi(client).patch_dag(DAG_ID, DAGPatchBody(is_paused=False))


def _watcher_trigger_ids(stack: AirflowStack) -> list[int]:
    """The trigger rows behind the tenant asset's watchers, read from the stack's metadata DB (SQLite)."""
    database = stack.airflow_home / "airflow.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as connection:
        rows = connection.execute(
            "SELECT w.trigger_id FROM asset_watcher w JOIN asset a ON a.id = w.asset_id WHERE a.name = ?",
            (events_asset_name(TENANT),),
        ).fetchall()
    return sorted(row[0] for row in rows)


def _payload_sources(events: list[Any]) -> list[str] | None:
    return sources_named_by_payloads(event.extra or {} for event in events)


def _run_sources(run: Any, events: list[Any]) -> list[str] | None:
    """What the run's sync tasks sync (sources_named_by_events), from the run and its events as the API shows them."""
    context = {"dag_run": run, "triggering_asset_events": {events_asset_name(TENANT): events}}
    return sources_named_by_events(context)


def test_a_burst_makes_one_run_and_messages_during_it_exactly_one_more(
    realtime_stack: AirflowStack, redis_server: RedisServer
) -> None:
    """A burst before a run → one run naming its source; two messages during it → exactly one run after it."""
    stack = realtime_stack
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    wait_for_dag_listed(stack, DAG_ID, timeout=WAIT_SECONDS)
    _unpause(stack)  # a paused DAG's asset has no active watcher, and its events queue no run
    (trigger_id,) = _wait_for("the watcher's trigger row", lambda: _watcher_trigger_ids(stack), stack)
    _wait_for(f"the watcher subscribed to {CHANNEL}", lambda: _subscribers(client) == 1, stack)

    published = time.monotonic()
    receivers = [client.publish(CHANNEL, json.dumps({"sources": ["shop"]})) for _ in range(BURST)]  # back to back
    assert receivers == [1] * BURST, f"not every message of the burst reached the watcher: {receivers}"
    first = _wait_for("a run started by the burst", lambda: _runs(stack), stack)[0]
    log.info("burst → run %s listed after %.1f s", first.dag_run_id, time.monotonic() - published)
    time.sleep(2)  # a late event of the burst would make a second run now
    runs = _runs(stack)
    assert [run.dag_run_id for run in runs] == [first.dag_run_id], f"the burst made {len(runs)} runs: {runs}"
    assert str(getattr(first.run_type, "value", first.run_type)) == "asset_triggered", first
    first_events = _run_events(stack, first.dag_run_id)
    assert _payload_sources(first_events) == ["shop"], [event.extra for event in first_events]
    delivered = sum(len(event.extra["payload"]["messages"]) for event in first_events)
    assert delivered == BURST, f"{delivered} of {BURST} messages reached the run: {[e.extra for e in first_events]}"

    # During the run: two messages naming different sources, 2.5 s apart (past the debounce): two asset events.
    ids_before = {event.id for event in _asset_events(stack)}
    client.publish(CHANNEL, json.dumps({"sources": ["store"]}))
    time.sleep(2.5)
    client.publish(CHANNEL, json.dumps({"sources": ["shop"]}))

    def both_stored() -> list[Any] | None:
        new = [event for event in _asset_events(stack) if event.id not in ids_before]
        return new if len(new) >= 2 else None

    new_events = _wait_for("both messages stored as asset events", both_stored, stack)
    assert [run.dag_run_id for run in _runs(stack)] == [first.dag_run_id], "a second run started during the first"

    # Stop the first run only once the first event queued during it is older than a prompt start (the realistic
    # case: a run ends minutes after the events queued behind it), so the run after it is created late whatever the
    # machine's speed. Measured from the event's own timestamp (the second run's run_after), not from the publish:
    # the watcher's debounce and the triggerer's loop store it seconds later (4.4 s short of late in a CI run).
    queued_first = min(event.timestamp for event in new_events)
    late = queued_first + dt.timedelta(seconds=PROMPT_START_SECONDS + 1)
    time.sleep(max(0.0, (late - dt.datetime.now(dt.UTC)).total_seconds()))
    _stop(stack, first.dag_run_id)
    second = _wait_for("the run after the first, started", lambda: _started_run(stack, 1), stack)
    second_events = _run_events(stack, second.dag_run_id)
    for run in (_runs(stack)[0], second):
        log.info("%s: run_after %s queued %s started %s", run.dag_run_id, run.run_after, run.queued_at, run.start_date)
    assert {event.id for event in second_events}.isdisjoint({event.id for event in first_events}), "event reused"
    # Airflow 3.3.2 gives the run only the events up to the first one queued during the first run (realtime_schedule
    # .sources_named_by_events says why); the run started long after that event, so it syncs every source.
    assert "store" in (_payload_sources(second_events) or []), [event.extra for event in second_events]
    assert _run_sources(second, second_events) is None, "a run created after waiting must sync every source"

    _stop(stack, second.dag_run_id)
    time.sleep(3)  # the scheduler would create a third run within a loop or two
    runs = _runs(stack)
    assert len(runs) == 2, f"expected exactly one run after the first, got {[run.dag_run_id for run in runs]}"

    # apache/airflow #64625: through every parse loop of the test, one trigger row, started once, one subscription.
    assert time.monotonic() - published > 2 * PARSE_INTERVAL_SECONDS, "too short to span two parse loops"
    assert _watcher_trigger_ids(stack) == [trigger_id], (trigger_id, _watcher_trigger_ids(stack))
    assert _trigger_starts(stack, trigger_id) == 1, f"trigger {trigger_id} was started again"
    assert _subscribers(client) == 1, "the watcher's subscription changed"


def _latest_of_at_least(stack: AirflowStack, count: int) -> Any:
    """The latest run once there are at least `count`, else None."""
    runs = _runs(stack)
    return runs[-1] if len(runs) >= count else None


def _live_scheduler_jobs(metadata: PostgresServer) -> list[int]:
    """The scheduler jobs heartbeating in the last 30 s (each scheduler process is one job row)."""
    rows = metadata.fetch(
        "select id from job where job_type = 'SchedulerJob' and state = 'running' "
        "and latest_heartbeat > now() - interval '30 seconds' order by id",
    )
    return [row[0] for row in rows]


def test_two_schedulers_make_exactly_one_run_per_message(
    two_scheduler_stack: tuple[AirflowStack, PostgresServer], redis_server: RedisServer
) -> None:
    """With two schedulers on PostgreSQL, each message makes one run, whichever scheduler creates it (#63507)."""
    stack, metadata = two_scheduler_stack
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    wait_for_dag_listed(stack, DAG_ID, timeout=WAIT_SECONDS)
    schedulers = _wait_for(
        "two live schedulers", lambda: (jobs := _live_scheduler_jobs(metadata)) and len(jobs) == 2 and jobs, stack
    )
    _unpause(stack)
    _wait_for(f"the watcher subscribed to {CHANNEL}", lambda: _subscribers(client) == 1, stack)

    for round_number in range(1, HA_ROUNDS + 1):
        assert client.publish(CHANNEL, json.dumps({"sources": ["shop"]})) == 1, "the watcher did not get the message"
        run = _wait_for(f"run {round_number}", functools.partial(_latest_of_at_least, stack, round_number), stack)
        time.sleep(SCHEDULER_LOOP_SECONDS)  # the other scheduler's duplicate, if any, is created within a loop
        runs = _runs(stack)
        assert len(runs) == round_number, f"message {round_number} made {len(runs) - round_number + 1} runs: {runs}"
        _stop(stack, run.dag_run_id)

    events = _asset_events(stack)
    assert len(events) == HA_ROUNDS, f"{len(events)} asset events for {HA_ROUNDS} messages"
    made = {event.id: [run.run_id for run in event.created_dagruns] for event in events}
    assert all(len(run_ids) == 1 for run_ids in made.values()), f"an event made more than one run: {made}"
    creators = metadata.fetch(f"select creating_job_id, count(*) from dag_run where dag_id = '{DAG_ID}' group by 1")
    log.info("runs created per scheduler job %s (live jobs %s)", dict(creators), schedulers)
    assert _live_scheduler_jobs(metadata) == schedulers, "a scheduler stopped during the test: it did not race"
