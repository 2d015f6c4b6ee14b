"""The watcher trigger of a Redis realtime tenant: stays subscribed, one asset event per burst of messages.

The redis provider's AwaitMessageTrigger (what `MessageQueueTrigger(scheme="redis+pubsub")` dispatches to) fires on
one message and ends; the triggerer starts it again about two seconds later, and Redis pub/sub delivers nothing to a
channel nobody is subscribed to, so every message in that gap was lost (measured with tests/integration/
test_realtime_events.py: the second of two messages a second apart never became an event). An asset watcher's
trigger may fire any number of times while it runs, so this one subscribes once and keeps listening: after the first
message of a burst it reads the channel for `debounce_seconds` more and fires one event carrying every message
(dag_factory/realtime_schedule.py reads their sources). Messages published while no triggerer runs are still lost;
that is pub/sub, and why the floor schedule exists (docs/deploy.md, Event-driven runs).
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

# How often an idle channel is read. Messages published in between wait in the subscription's socket, not lost; a
# read that finds none returns at once, so no thread of the triggerer is held while a channel is quiet.
POLL_SECONDS = 0.5
CLASSPATH = "flexlake.dag_factory.redis_channel_trigger.RedisChannelTrigger"


class RedisChannelTrigger(BaseEventTrigger):
    """Fire {"channel": ..., "messages": [...]} once per burst on a Redis pub/sub channel."""

    def __init__(self, *, channel: str, redis_conn_id: str, debounce_seconds: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Airflow's trigger classes are untyped
        self.channel = channel
        self.redis_conn_id = redis_conn_id
        self.debounce_seconds = debounce_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return CLASSPATH, {
            "channel": self.channel,
            "redis_conn_id": self.redis_conn_id,
            "debounce_seconds": self.debounce_seconds,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow.providers.redis.hooks.redis import RedisHook  # noqa: PLC0415 - the triggerer's import only

        client = RedisHook(redis_conn_id=self.redis_conn_id).get_conn()  # type: ignore[no-untyped-call]
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await asyncio.to_thread(pubsub.subscribe, self.channel)
        self.log.info("subscribed to Redis channel %s (connection %s)", self.channel, self.redis_conn_id)
        try:
            while True:
                first = await _read(pubsub)
                if first is None:
                    await asyncio.sleep(POLL_SECONDS)
                    continue
                messages = [first, *await _read_for(pubsub, self.debounce_seconds)]
                yield TriggerEvent({"channel": self.channel, "messages": messages})  # type: ignore[no-untyped-call]
        finally:
            await asyncio.to_thread(pubsub.close)


async def _read_for(pubsub: Any, seconds: float) -> list[str]:
    """Every message that arrives within `seconds` (the debounce window after a burst's first message)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    messages: list[str] = []
    while (left := deadline - loop.time()) > 0:
        message = await _read(pubsub)
        if message is None:
            await asyncio.sleep(min(left, POLL_SECONDS))
        else:
            messages.append(message)
    return messages


async def _read(pubsub: Any) -> str | None:
    """The next waiting message's data as text, or None when none is waiting (redis-py reads in a thread)."""
    message = await asyncio.to_thread(pubsub.get_message, timeout=0.0)
    if not message or message.get("type") != "message":
        return None
    data = message["data"]
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
