"""A deferred Airbyte sync in a live Airflow (scripts/airflow_up.sh: api-server, scheduler, dag-processor,
triggerer) never leaves a job running behind it: killed from the UI/API, or past its timeout.

The Airbyte server is the fake public API on 127.0.0.1 (tests/fakes/airbyte_server/, contract-checked
against airbyte-api 1.0.1 in tests/unit/ingestion/airbyte_api); both jobs are scripted to stay `running`.
  - kill_shop: its sync task is marked failed through the REST API while deferred -> the triggerer calls
    the trigger's on_kill -> the job is cancelled on the server.
  - slow_shop (airbyte.sync_timeout_minutes: 1): the trigger cancels the job at the deadline and the task
    fails.
"""

import json
import time
from collections.abc import Callable, Iterator

import pytest

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.integration.airflow_servers import (
    AirflowStack,
    running_airflow_stack,
    unpause_and_trigger,
    wait_for_dag_listed,
)

pytestmark = pytest.mark.integration

SYNC_TASK = "airbyte_sync__shop"
TENANT_YAML = """\
tenant_id: {tenant_id}
display_name: {tenant_id}
tier: starter
warehouse: {{type: duckdb}}
airbyte: {{connection_id: airbyte_live, poll_interval_seconds: 5{extra}}}
sources: [{{system: faker, name: shop, engine: airbyte, options: {{count: 20}}}}]
"""


def _wait(what: str, condition: Callable[[], bool], timeout: float, poll: float = 2.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(poll)
    return time.monotonic() - started


def _job_status(fake: FakeAirbyteServer, tenant_id: str) -> str | None:
    names = {cid: connection["name"] for cid, connection in fake.connections.items()}
    statuses = [job.status for job in fake.jobs.values() if tenant_id in names.get(job.connection_id, "")]
    return statuses[-1] if statuses else None


def _job_polls(fake: FakeAirbyteServer, tenant_id: str) -> int:
    """How often the tenant's latest job was read (GET /jobs/{id}): the trigger polls it every 5 s."""
    names = {cid: connection["name"] for cid, connection in fake.connections.items()}
    polls = [job.polls for job in fake.jobs.values() if tenant_id in names.get(job.connection_id, "")]
    return polls[-1] if polls else 0


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AirflowStack, FakeAirbyteServer]]:
    root = tmp_path_factory.mktemp("airbyte_live")
    tenants = root / "tenants_source"
    tenants.mkdir()
    (tenants / "kill_shop.yaml").write_text(TENANT_YAML.format(tenant_id="kill_shop", extra=""))
    (tenants / "slow_shop.yaml").write_text(
        TENANT_YAML.format(tenant_id="slow_shop", extra=", sync_timeout_minutes: 1")
    )
    fake = FakeAirbyteServer()
    fake.script_next_job("running")
    fake.script_next_job("running")
    with fake.serve() as api_root:
        connection = {"conn_type": "airbyte", "host": api_root, "login": fake.client_id, "password": fake.client_secret}
        extra_env = {"AIRFLOW_CONN_AIRBYTE_LIVE": json.dumps(connection), "FLEXLAKE_TASK_RETRIES": "0"}
        with running_airflow_stack(root / "stack", tenant_configs_source=tenants, extra_env=extra_env) as stack:
            yield stack, fake


def _trigger(stack: AirflowStack, dag_id: str) -> str:
    wait_for_dag_listed(stack, dag_id, timeout=180)
    return unpause_and_trigger(stack, dag_id)


def _task_state(stack: AirflowStack, dag_id: str, run_id: str) -> str:
    from airflow_client.client import TaskInstanceApi  # noqa: PLC0415

    with stack.api_client() as client:
        instance = TaskInstanceApi(client).get_task_instance(dag_id, run_id, SYNC_TASK)
    return str(getattr(instance.state, "value", instance.state))


def test_killing_a_deferred_sync_cancels_its_job_and_a_timeout_does_too(
    live: tuple[AirflowStack, FakeAirbyteServer],
) -> None:
    from airflow_client.client import PatchTaskInstanceBody, TaskInstanceApi  # noqa: PLC0415

    stack, fake = live
    runs = {dag_id: _trigger(stack, dag_id) for dag_id in ("flexlake__kill_shop", "flexlake__slow_shop")}
    kill_run = runs["flexlake__kill_shop"]
    _wait("kill_shop's sync deferred", lambda: _task_state(stack, "flexlake__kill_shop", kill_run) == "deferred", 300)
    assert _job_status(fake, "kill_shop") == "running"
    # Kill a sync the triggerer is watching (what a user sees as running). "deferred" is set before the
    # triggerer picks the trigger up; on a loaded machine a kill in that gap finds no trigger to clean up.
    polls_at_deferral = _job_polls(fake, "kill_shop")
    _wait("kill_shop's trigger polling", lambda: _job_polls(fake, "kill_shop") > polls_at_deferral, 120)

    with stack.api_client() as client:
        TaskInstanceApi(client).patch_task_instance(
            "flexlake__kill_shop", kill_run, SYNC_TASK, PatchTaskInstanceBody(new_state="failed")
        )
    cancelled_after = _wait("kill_shop's job cancelled", lambda: _job_status(fake, "kill_shop") == "cancelled", 90)
    assert _task_state(stack, "flexlake__kill_shop", kill_run) == "failed"

    slow_run = runs["flexlake__slow_shop"]
    _wait("slow_shop's sync failed", lambda: _task_state(stack, "flexlake__slow_shop", slow_run) == "failed", 300)
    assert _job_status(fake, "slow_shop") == "cancelled", "the timeout must cancel the job on the server"
    print(f"kill -> job cancelled in {cancelled_after:.1f} s")
