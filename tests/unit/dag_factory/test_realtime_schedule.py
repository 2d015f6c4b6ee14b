"""A realtime tenant's schedule: its Asset, the broker's trigger and parameters, the floor, and which sources a run
syncs from the events that started it."""

import inspect
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable
from airflow.serialization.encoders import encode_trigger
from airflow.triggers.base import BaseEventTrigger
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.realtime_schedule import (
    PROMPT_START_SECONDS,
    broker_trigger,
    events_asset_name,
    message_bodies,
    sources_named_by_events,
    sources_named_by_payloads,
    tenant_schedule,
)
from flexlake.dag_factory.redis_channel_trigger import RedisChannelTrigger
from flexlake.dag_factory.tenant_dag import tenant_timetable
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.realtime_schema import RealtimeConfig

SQS_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/flexlake-acme"
RUN_AFTER = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _tenant(realtime: dict[str, Any] | None) -> TenantConfig:
    data: dict[str, Any] = {
        "tenant_id": "acme",
        "display_name": "Acme",
        "tier": "enterprise",
        "warehouse": {"type": "duckdb"},
        "sources": [{"name": "shop", "system": "faker"}, {"name": "store", "system": "faker"}],
    }
    if realtime is not None:
        data["realtime"] = realtime
    return TenantConfig.model_validate(data)


def _realtime(**fields: Any) -> RealtimeConfig:
    return RealtimeConfig.model_validate(fields)


def _encoded(trigger: BaseEventTrigger) -> dict[str, Any]:
    """The trigger as the dag-processor stores it (classpath and kwargs of the trigger the triggerer runs)."""
    return encode_trigger(trigger)


def test_a_tenant_without_a_realtime_block_keeps_its_cron_timetable() -> None:
    """The tier's cron, the same object tenant_timetable built."""
    tenant = _tenant(None)
    timetable = tenant_timetable(tenant)
    assert tenant_schedule(tenant, timetable) is timetable


def test_a_realtime_tenant_is_scheduled_by_its_events_asset_or_the_floor_cron() -> None:
    """AssetOrTimeSchedule: the tenant's asset (with one watcher) or the floor cron from max_staleness_minutes."""
    tenant = _tenant({"queue": "redis", "topic": "flexlake.acme", "max_staleness_minutes": 30})
    schedule = tenant_schedule(tenant, tenant_timetable(tenant))
    assert isinstance(schedule, AssetOrTimeSchedule), type(schedule)
    assert isinstance(schedule.timetable, CronTriggerTimetable), schedule.timetable
    assert schedule.timetable.expression == "*/30 * * * *", schedule.timetable.expression
    (asset,) = schedule.asset_condition.objects
    assert asset.name == events_asset_name("acme") == "flexlake_events__acme", asset
    assert [watcher.name for watcher in asset.watchers] == ["redis_acme"], asset.watchers


def test_the_factory_builds_the_realtime_tenant_dag_with_its_asset_and_watcher(tmp_path: Path) -> None:
    """The real factory builds the DAG with the asset schedule; max_active_runs=1 is what coalesces the runs."""
    (tmp_path / "rt_acme.yaml").write_text(
        "tenant_id: rt_acme\ndisplay_name: RT Acme\ntier: enterprise\nwarehouse: {type: duckdb}\n"
        "sources: [{name: shop, system: faker, engine: dlt}]\n"
        "realtime: {queue: redis, connection_id: acme_events, topic: flexlake.rt_acme, max_staleness_minutes: 15}\n"
    )
    dag = build_tenant_dags(tmp_path)["flexlake__rt_acme"]
    assert dag.max_active_runs == 1, dag.max_active_runs
    assert isinstance(dag.timetable, AssetOrTimeSchedule), type(dag.timetable)
    assets = list(dag.timetable.asset_condition.objects)
    assert [asset.name for asset in assets] == ["flexlake_events__rt_acme"], assets
    trigger = _encoded(assets[0].watchers[0].trigger)
    assert trigger["kwargs"]["redis_conn_id"] == "acme_events", trigger
    assert "schedule:*/15 * * * *" in dag.tags, dag.tags


def test_redis_builds_the_channel_trigger_with_the_block_values() -> None:
    """Channel, connection and debounce go to flexlake's RedisChannelTrigger unchanged."""
    trigger = broker_trigger(
        _realtime(queue="redis", topic="flexlake.acme", connection_id="events", debounce_seconds=3)
    )
    assert _encoded(trigger) == {
        "classpath": "flexlake.dag_factory.redis_channel_trigger.RedisChannelTrigger",
        "kwargs": {"channel": "flexlake.acme", "redis_conn_id": "events", "debounce_seconds": 3.0},
    }


def test_sqs_builds_common_messagings_trigger_for_the_queue_url() -> None:
    """MessageQueueTrigger(scheme="sqs") resolves to the amazon provider's SqsSensorTrigger with the block's values."""
    trigger = broker_trigger(_realtime(queue="sqs", topic=SQS_URL, connection_id="aws_events", debounce_seconds=7))
    encoded = _encoded(trigger)
    assert encoded["classpath"] == "airflow.providers.amazon.aws.triggers.sqs.SqsSensorTrigger", encoded
    kwargs = encoded["kwargs"]
    assert (kwargs["sqs_queue"], kwargs["aws_conn_id"], kwargs["waiter_delay"]) == (SQS_URL, "aws_events", 7), kwargs
    assert (kwargs["max_messages"], kwargs["num_batches"]) == (10, 10), kwargs
    assert kwargs["delete_message_on_reception"] is True, "a message left on the queue would start every run again"


def test_kafka_builds_the_shared_stream_trigger_so_tenants_on_one_topic_share_a_consumer() -> None:
    """KafkaSharedStreamTrigger on the topic and connection; two tenants on it get the same shared-stream key."""
    first = broker_trigger(_realtime(queue="kafka", topic="flexlake.events", connection_id="kafka_events"))
    second = broker_trigger(_realtime(queue="kafka", topic="flexlake.events", connection_id="kafka_events"))
    encoded = _encoded(first)
    assert encoded["classpath"].endswith("kafka.triggers.shared_stream.KafkaSharedStreamTrigger"), encoded
    assert (encoded["kwargs"]["topics"], encoded["kwargs"]["kafka_config_id"]) == (["flexlake.events"], "kafka_events")
    assert first.shared_stream_key() == second.shared_stream_key() is not None


@pytest.mark.parametrize(
    "realtime",
    [
        {"queue": "redis", "topic": "flexlake.acme"},
        {"queue": "kafka", "topic": "flexlake.acme"},
        {"queue": "sqs", "topic": SQS_URL},
    ],
    ids=["redis", "kafka", "sqs"],
)
def test_two_parses_give_the_same_trigger_hash_so_the_trigger_row_is_kept(realtime: dict[str, Any]) -> None:
    """apache/airflow #64625: the dag-processor re-creates a watcher's trigger whose hash changes between parses."""
    hashes = set()
    for _ in range(2):
        encoded = _encoded(broker_trigger(_realtime(**realtime)))
        hashes.add(BaseEventTrigger.hash(encoded["classpath"], encoded["kwargs"]))
    assert len(hashes) == 1, hashes


def test_the_pinned_scheduler_locks_the_asset_queue_rows_before_creating_a_run() -> None:
    """apache/airflow #63507 (duplicate runs with two schedulers) is fixed in 3.2.0 by a SKIP LOCKED row lock on
    asset_dag_run_queue; an Airflow upgrade that loses it fails here (two schedulers cannot run on SQLite)."""
    source = inspect.getsource(SchedulerJobRunner._create_dag_runs_asset_triggered)
    assert "with_row_locks" in source and "skip_locked=True" in source, "the ADRQ row lock is gone"


# --- the sources a run syncs ---------------------------------------------------------------------------------------


def _event(payload: Any) -> SimpleNamespace:
    return SimpleNamespace(extra={"from_trigger": True, "payload": payload})


def _redis(*messages: Any) -> dict[str, Any]:
    return {"channel": "flexlake.acme", "messages": [json.dumps(m) if not isinstance(m, str) else m for m in messages]}


def _context(*events: SimpleNamespace, started_after: float = 1.0) -> dict[str, Any]:
    run = SimpleNamespace(run_after=RUN_AFTER, start_date=RUN_AFTER + timedelta(seconds=started_after))
    return {"dag_run": run, "triggering_asset_events": {"flexlake_events__acme": list(events)}}


def test_a_run_syncs_the_union_of_the_sources_its_events_name() -> None:
    """Two events, three messages: every source named once, sorted."""
    context = _context(
        _event(_redis({"sources": ["store"]}, {"sources": ["shop"]})), _event(_redis({"sources": ["shop"]}))
    )
    assert sources_named_by_events(context) == ["shop", "store"]


@pytest.mark.parametrize(
    "message", ["refresh", "{}", json.dumps({"sources": []}), json.dumps({"sources": "shop"}), json.dumps([1])]
)
def test_one_message_naming_no_source_makes_the_run_sync_every_source(message: str) -> None:
    """Plain text, an empty or malformed list: "all" wins over the other messages' names."""
    context = _context(_event(_redis({"sources": ["shop"]}, message)))
    assert sources_named_by_events(context) is None


def test_a_run_not_started_by_events_syncs_every_source() -> None:
    """The floor cron and manual runs have no triggering events."""
    assert sources_named_by_events(_context()) is None
    assert sources_named_by_events({}) is None


def test_a_run_that_started_late_syncs_every_source() -> None:
    """Messages after a run's first event and before it was created belong to no run on Airflow 3.3.2."""
    event = _event(_redis({"sources": ["shop"]}))
    assert sources_named_by_events(_context(event, started_after=PROMPT_START_SECONDS - 1)) == ["shop"]
    assert sources_named_by_events(_context(event, started_after=PROMPT_START_SECONDS + 1)) is None


@pytest.mark.parametrize(
    ("payload", "bodies"),
    [
        ({"message_batch": [{"Body": '{"sources": ["shop"]}'}, {"Body": "x"}]}, ['{"sources": ["shop"]}', "x"]),
        ({"type": "message", "channel": "c", "data": "x", "pattern": None}, ["x"]),
        ({"channel": "c", "messages": ["a", "b"]}, ["a", "b"]),
        ('{"sources": ["shop"]}', ['{"sources": ["shop"]}']),
    ],
    ids=["sqs-batch", "redis-provider", "redis-channel-trigger", "kafka-value"],
)
def test_each_brokers_event_shape_yields_its_messages(payload: Any, bodies: list[Any]) -> None:
    """SQS batches, both Redis triggers' events and a Kafka value are read as messages."""
    assert message_bodies(payload) == bodies


def test_an_sqs_batch_names_the_sources_of_all_its_messages() -> None:
    """One SQS event carries a whole batch."""
    batch = {"message_batch": [{"Body": json.dumps({"sources": [name]})} for name in ("store", "shop", "store")]}
    assert sources_named_by_payloads([{"payload": batch}]) == ["shop", "store"]


# --- the Redis watcher (its debounce against a real Redis: tests/integration/test_realtime_events.py) ----------


def test_the_redis_trigger_serializes_to_what_it_was_built_with() -> None:
    """The triggerer rebuilds the trigger from serialize(): every constructor value survives."""
    trigger = RedisChannelTrigger(channel="c", redis_conn_id="r", debounce_seconds=1.5)
    classpath, kwargs = trigger.serialize()
    rebuilt = RedisChannelTrigger(**kwargs)
    assert classpath.endswith("RedisChannelTrigger") and rebuilt.serialize() == (classpath, kwargs)


def test_a_sync_task_of_a_source_no_event_names_is_skipped_and_the_named_one_runs() -> None:
    """skip_unless_synced (run_params.py) consults the events when the run's conf names no sources."""
    from airflow.sdk.exceptions import AirflowSkipException  # noqa: PLC0415
    from flexlake.dag_factory.run_params import skip_unless_synced  # noqa: PLC0415

    context = {**_context(_event(_redis({"sources": ["shop"]}))), "params": {"sources": None, "skip_sync": False}}
    skip_unless_synced(["shop"])(context)  # runs
    with pytest.raises(AirflowSkipException, match="syncs only shop"):
        skip_unless_synced(["store"])(context)
