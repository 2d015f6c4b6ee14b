"""A realtime tenant's schedule: an Asset its broker's messages update, or the floor cron, whichever comes first.

Airflow does the event-driven part (AIP-82): the Asset's `AssetWatcher` holds a trigger the triggerer runs; each
message becomes an asset event, and the scheduler creates a run from every event queued since the last run. With
`max_active_runs=1` a burst therefore becomes one run, and events during a run queue exactly one run after it (one
AssetDagRunQueue row per asset and DAG). Which sources a run syncs comes from those events' payloads
(`sources_named_by_events`).

The trigger per broker:
- redis: flexlake's RedisChannelTrigger (dag_factory/redis_channel_trigger.py), which stays subscribed and fires one
  event per burst. common.messaging's `MessageQueueTrigger(scheme="redis+pubsub")` ends after each message and lost
  the messages published before the triggerer started it again (that module says how this was measured);
- sqs: `MessageQueueTrigger(scheme="sqs")`, the amazon provider's SqsSensorTrigger: one event per received batch,
  messages deleted once received;
- kafka: the kafka provider's `KafkaSharedStreamTrigger`, the one trigger with Airflow 3.3's shared stream polling
  (MessageQueueTrigger does not pass `shared_stream_key` on): tenants on one topic and connection share one consumer
  in the triggerer, and offsets are committed only once the event is stored.

Trigger kwargs are plain, sorted values: the dag-processor keys a watcher's trigger row on a hash of them, and a
value that changed at every parse would re-create the trigger each loop (the symptom of apache/airflow #64625).
"""

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable
from airflow.triggers.base import BaseEventTrigger

from flexlake.dag_factory.redis_channel_trigger import RedisChannelTrigger
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.realtime_schema import RealtimeConfig

log = logging.getLogger(__name__)

SOURCES_KEY = "sources"
# SQS: up to 10 messages per receive (the API's maximum) and 10 receives per poll, so a burst is one event.
SQS_MAX_MESSAGES = 10
SQS_BATCHES = 10
# A run that starts later than this after its first event may have missed messages (sources_named_by_events): the
# scheduler creates and starts an unblocked run within a loop or two (~1-2 s measured here).
PROMPT_START_SECONDS = 5


def tenant_schedule(
    tenant: TenantConfig, timetable: CronTriggerTimetable
) -> CronTriggerTimetable | AssetOrTimeSchedule:
    """The DAG's `schedule`: the tenant's cron timetable, or for a realtime tenant its events with that timetable
    (then built from realtime.max_staleness_minutes) as the floor."""
    if tenant.realtime is None:
        return timetable
    return AssetOrTimeSchedule(timetable=timetable, assets=[tenant_events_asset(tenant)])


def tenant_events_asset(tenant: TenantConfig) -> Asset:
    """The Asset a realtime tenant's messages update: one per tenant, watched by its broker's trigger."""
    realtime = _realtime(tenant)
    return Asset(
        name=events_asset_name(tenant.tenant_id),
        group="flexlake_events",
        watchers=[AssetWatcher(name=f"{realtime.queue}_{tenant.tenant_id}", trigger=broker_trigger(realtime))],
    )


def events_asset_name(tenant_id: str) -> str:
    return f"flexlake_events__{tenant_id}"


def broker_trigger(realtime: RealtimeConfig) -> BaseEventTrigger:
    """The trigger that turns the tenant's messages into asset events, with the block's connection and topic.

    The providers are imported per broker: common.messaging loads every queue provider when imported (~1.7 s), a
    cost only a parse that builds an SQS tenant should pay."""
    connection_id = realtime.broker_connection_id
    if realtime.queue == "kafka":
        from airflow.providers.apache.kafka.triggers.shared_stream import KafkaSharedStreamTrigger  # noqa: PLC0415

        return KafkaSharedStreamTrigger(topics=[realtime.topic], kafka_config_id=connection_id)
    if realtime.queue == "sqs":
        from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger  # noqa: PLC0415

        return MessageQueueTrigger(
            scheme="sqs",
            sqs_queue=realtime.topic,
            aws_conn_id=connection_id,
            max_messages=SQS_MAX_MESSAGES,
            num_batches=SQS_BATCHES,
            waiter_delay=realtime.debounce_seconds,
        )
    return RedisChannelTrigger(
        channel=realtime.topic, redis_conn_id=connection_id, debounce_seconds=float(realtime.debounce_seconds)
    )


def _realtime(tenant: TenantConfig) -> RealtimeConfig:
    if tenant.realtime is None:
        raise ValueError(f"tenant {tenant.tenant_id} has no realtime block")
    return tenant.realtime


# --- which sources a run syncs ------------------------------------------------------------------------------------


def sources_named_by_events(context: Mapping[str, Any]) -> list[str] | None:
    """The sources the asset events that started this run name, sorted; None (sync all) when the run was not started
    by events (cron floor, manual trigger), when any event names none (a message without a list means "all"), or
    when the run started late.

    Late: on Airflow 3.3.2 a run's events are those up to the *first* event queued for it (the AssetDagRunQueue row
    keeps its first created_at, on PostgreSQL and SQLite alike), and the row is deleted when the run is created. The
    messages that came after the first one and before the run was created belong to no run; when the run was created
    at once that window is the scheduler's reaction time, when it waited behind another run (max_active_runs=1) it is
    that whole run. A run that started more than PROMPT_START_SECONDS after its first event syncs every source.
    """
    events = [event for _, asset_events in _triggering_events(context) for event in asset_events]
    if not events or _started_late(context.get("dag_run")):
        return None
    return sources_named_by_payloads(getattr(event, "extra", None) or {} for event in events)


def _started_late(dag_run: Any) -> bool:
    run_after, start_date = getattr(dag_run, "run_after", None), getattr(dag_run, "start_date", None)
    if run_after is None or start_date is None:
        return True
    return bool((start_date - run_after).total_seconds() > PROMPT_START_SECONDS)


def sources_named_by_payloads(extras: Iterable[Mapping[str, Any]]) -> list[str] | None:
    """The union of the sources named by the messages inside asset events' `extra` (as the triggerer stores them:
    {"from_trigger": true, "payload": <the trigger's event>}); None as soon as one message names none."""
    named: set[str] = set()
    for extra in extras:
        for body in message_bodies(extra.get("payload")):
            sources = _sources_in(body)
            if sources is None:
                return None
            named.update(sources)
    return sorted(named)


def message_bodies(payload: Any) -> list[Any]:
    """The messages in one trigger event: SQS's batch (each message's Body), RedisChannelTrigger's `messages`,
    Redis pub/sub's `data` (the redis provider's trigger), Kafka's value."""
    if isinstance(payload, Mapping) and isinstance(payload.get("message_batch"), list):
        return [
            message.get("Body") if isinstance(message, Mapping) else message for message in payload["message_batch"]
        ]
    if isinstance(payload, Mapping) and isinstance(payload.get("messages"), list):
        return list(payload["messages"])
    if isinstance(payload, Mapping) and "channel" in payload and "data" in payload:
        return [payload["data"]]
    return [payload]


def _sources_in(body: Any) -> list[str] | None:
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return None  # a plain-text message ("refresh") names no source
    names = body.get(SOURCES_KEY) if isinstance(body, Mapping) else None
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        return None
    return names


def _triggering_events(context: Mapping[str, Any]) -> list[tuple[Any, list[Any]]]:
    events = context.get("triggering_asset_events")
    if not events:
        return []
    try:
        return [(asset, list(asset_events)) for asset, asset_events in events.items()]
    except (AttributeError, TypeError):
        log.warning("unexpected triggering_asset_events %r: syncing every source", type(events).__name__)
        return []
