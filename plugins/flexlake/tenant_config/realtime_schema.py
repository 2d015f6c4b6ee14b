"""The tenant file's `realtime:` block: the enterprise tier's event-driven runs (issue 16).

A message on the tenant's queue starts a run (dag_factory/realtime_schedule.py turns the block into an Asset watched
by the broker's trigger); `max_staleness_minutes` is a floor schedule for when no message comes. The broker's address
and credentials stay in an Airflow connection: the file names the connection and the topic only.

The floor is a cron, like every other schedule here, so its allowed values are the intervals a cron repeats evenly
(a 45-minute "every" does not exist in cron: it would drift at each hour).
"""

import re
from typing import Literal

from pydantic import Field, model_validator

from flexlake.tenant_config.warehouse_schema import CONNECTION_ID_PATTERN, StrictModel

RealtimeQueue = Literal["redis", "kafka", "sqs"]
# Floors a cron repeats evenly: divisors of an hour, and whole hours dividing a day.
STALENESS_MINUTES = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440)
# What each broker accepts as a topic: a Redis channel is any string without spaces (pub/sub patterns excluded: the
# trigger subscribes literally); Kafka's topic rule (its own validation: 249 characters of [a-zA-Z0-9._-]); an SQS
# queue is addressed by its URL (boto3's receive_message takes QueueUrl), e.g. for LocalStack an http:// one.
TOPIC_PATTERNS: dict[str, tuple[str, str]] = {
    "redis": (r"^[^\s*?\[\]]{1,200}$", "a Redis channel name without spaces or glob characters, e.g. flexlake.acme"),
    "kafka": (r"^[A-Za-z0-9._-]{1,249}$", "a Kafka topic: letters, digits, '.', '_', '-', e.g. flexlake.acme"),
    "sqs": (
        r"^https?://[^\s/]+/[0-9]{1,20}/[A-Za-z0-9_-]{1,80}(\.fifo)?$",
        "the queue's URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/flexlake-acme",
    ),
}
DEFAULT_CONNECTIONS: dict[str, str] = {"redis": "redis_default", "kafka": "kafka_default", "sqs": "aws_default"}


class RealtimeConfig(StrictModel):
    """Event-driven runs: a message on `topic` runs the tenant's DAG; at most one run at a time, bursts coalesce."""

    queue: RealtimeQueue = Field(
        description="The broker: redis (pub/sub channel), kafka (topic) or sqs (queue). The Airflow image carries "
        "the three providers (docs/deploy.md, Event-driven runs)."
    )
    connection_id: str | None = Field(
        default=None,
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow connection of the broker (type redis, kafka or aws). Default: redis_default, "
        "kafka_default or aws_default.",
    )
    topic: str = Field(
        min_length=1,
        max_length=300,
        description="The Redis channel, Kafka topic or SQS queue URL the tenant's events are published to. A message "
        'may name the sources to sync, {"sources": ["shop"]}; any other message syncs all.',
    )
    debounce_seconds: int = Field(
        default=2,
        ge=1,
        le=300,
        description="redis: after a burst's first message, how long the watcher keeps reading before it fires "
        "one event for all of them; sqs: how often an idle queue is polled (each poll takes up to 100 messages as one "
        "event); kafka: unused (one event per message). Events queued before a run starts always make one run.",
    )
    max_staleness_minutes: int = Field(
        default=60,
        description="The floor schedule: a run at least this often even without messages. One of "
        + ", ".join(map(str, STALENESS_MINUTES))
        + ".",
    )

    @model_validator(mode="after")
    def _topic_fits_the_queue(self) -> "RealtimeConfig":
        pattern, expected = TOPIC_PATTERNS[self.queue]
        if not re.fullmatch(pattern, self.topic):
            raise ValueError(f"topic {self.topic[:100]!r} is not {expected} (queue {self.queue})")
        return self

    @model_validator(mode="after")
    def _staleness_is_a_cron_interval(self) -> "RealtimeConfig":
        if self.max_staleness_minutes not in STALENESS_MINUTES:
            raise ValueError(
                f"max_staleness_minutes {self.max_staleness_minutes} is not an interval a cron repeats "
                f"evenly; use one of {', '.join(map(str, STALENESS_MINUTES))}"
            )
        return self

    @property
    def broker_connection_id(self) -> str:
        return self.connection_id or DEFAULT_CONNECTIONS[self.queue]

    @property
    def floor_cron(self) -> str:
        """The floor schedule as cron (UTC): every N minutes, or every N hours on the hour."""
        minutes = self.max_staleness_minutes
        if minutes < 60:
            return f"*/{minutes} * * * *"
        hours = minutes // 60
        return "0 * * * *" if hours == 1 else "0 0 * * *" if hours == 24 else f"0 */{hours} * * *"
