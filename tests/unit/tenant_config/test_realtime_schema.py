"""The `realtime:` block: enterprise only, a topic each broker accepts, a floor cron, errors naming file and fix."""

from pathlib import Path
from typing import Any

import pytest
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config
from flexlake.tenant_config.realtime_schema import STALENESS_MINUTES, RealtimeConfig
from pydantic import ValidationError

SQS_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/flexlake-acme"
TOPICS = {"redis": "flexlake.acme", "kafka": "flexlake.acme", "sqs": SQS_URL}


def _tenant(tier: str = "enterprise", **realtime: Any) -> dict[str, Any]:
    return {
        "tenant_id": "acme",
        "display_name": "Acme",
        "tier": tier,
        "warehouse": {"type": "duckdb"},
        "sources": [{"name": "shop", "system": "faker"}],
        "realtime": {"queue": "redis", "topic": "flexlake.acme", **realtime},
    }


def _write(folder: Path, text: str) -> Path:
    path = folder / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _file_error(path: Path) -> str:
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    return str(raised.value)


@pytest.mark.parametrize("queue", ["redis", "kafka", "sqs"])
def test_each_queue_validates_with_its_default_connection_and_floor(queue: str) -> None:
    """queue + topic is enough: the provider's default connection, a 2-second debounce, an hourly floor."""
    tenant = TenantConfig.model_validate(_tenant(queue=queue, topic=TOPICS[queue]))
    realtime = tenant.realtime
    assert realtime is not None, "the block was dropped"
    expected = {"redis": "redis_default", "kafka": "kafka_default", "sqs": "aws_default"}[queue]
    assert realtime.broker_connection_id == expected, realtime
    assert (realtime.debounce_seconds, realtime.max_staleness_minutes) == (2, 60), realtime
    assert tenant.effective_schedule == "0 * * * *", "the floor is the tenant's cron (tags, docs, the timetable)"


@pytest.mark.parametrize(
    ("minutes", "cron"),
    [(5, "*/5 * * * *"), (30, "*/30 * * * *"), (60, "0 * * * *"), (180, "0 */3 * * *"), (1440, "0 0 * * *")],
)
def test_the_floor_becomes_a_cron_that_repeats_evenly(minutes: int, cron: str) -> None:
    """max_staleness_minutes → the cron of the floor schedule."""
    realtime = RealtimeConfig.model_validate({"queue": "redis", "topic": "t", "max_staleness_minutes": minutes})
    assert realtime.floor_cron == cron, realtime.floor_cron


def test_every_allowed_floor_is_a_cron_that_fires_exactly_that_often() -> None:
    """Each allowed value's cron fires at that interval (checked with the schedule rules' own walk)."""
    from flexlake.tenant_config.schedule import _shortest_interval  # noqa: PLC0415 - the walk the schedule uses

    for minutes in STALENESS_MINUTES:
        cron = RealtimeConfig.model_validate({"queue": "redis", "topic": "t", "max_staleness_minutes": minutes})
        interval = _shortest_interval(cron.floor_cron)
        assert interval is not None and interval.total_seconds() == minutes * 60, (minutes, cron.floor_cron, interval)


@pytest.mark.parametrize("tier", ["starter", "professional"])
def test_a_realtime_block_outside_enterprise_is_an_error_naming_file_field_and_fix(tmp_path: Path, tier: str) -> None:
    """The file, `realtime`, the tier it needs and both fixes are in the message."""
    path = _write(
        tmp_path,
        f"tenant_id: acme\ndisplay_name: Acme\ntier: {tier}\nwarehouse: {{type: duckdb}}\n"
        "sources: [{name: shop, system: faker}]\nrealtime: {queue: redis, topic: flexlake.acme}\n",
    )
    message = _file_error(path)
    assert "acme.yaml" in message and "realtime:" in message, message
    assert f"not {tier}" in message and "set tier: enterprise" in message and "remove the `realtime:`" in message


def test_a_schedule_beside_a_realtime_block_says_to_use_the_floor() -> None:
    """Two schedules would disagree: the error names max_staleness_minutes."""
    data = {**_tenant(), "schedule": "*/10 * * * *"}
    with pytest.raises(ValidationError, match=r"realtime\.max_staleness_minutes"):
        TenantConfig.model_validate(data)


@pytest.mark.parametrize(
    ("queue", "topic", "hint"),
    [
        ("redis", "flexlake acme", "Redis channel"),
        ("redis", "flexlake.*", "glob"),
        ("kafka", "flexlake/acme", "Kafka topic"),
        ("sqs", "flexlake-acme", "queue's URL"),
        ("sqs", "sqs://flexlake-acme", "queue's URL"),
    ],
)
def test_a_topic_the_broker_would_refuse_is_an_error_with_an_example(queue: str, topic: str, hint: str) -> None:
    """Each broker's own naming rule, said with an example of a good one."""
    with pytest.raises(ValidationError) as raised:
        TenantConfig.model_validate(_tenant(queue=queue, topic=topic))
    assert hint in str(raised.value) and "e.g." in str(raised.value), str(raised.value)


@pytest.mark.parametrize("minutes", [0, 7, 45, 90, 2880])
def test_a_floor_no_cron_repeats_evenly_lists_the_allowed_values(minutes: int) -> None:
    """45 minutes cannot be a cron: the error lists what can."""
    with pytest.raises(ValidationError, match="use one of 5, 10, 15"):
        TenantConfig.model_validate(_tenant(max_staleness_minutes=minutes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"queue": "rabbitmq"}, "realtime.queue"),
        ({"debounce_seconds": 0}, "realtime.debounce_seconds"),
        ({"connection_id": "redis://user:secret@host"}, "realtime.connection_id"),
        ({"topicc": "x"}, "realtime.topicc"),
    ],
)
def test_a_bad_realtime_field_is_named_in_the_file_error(tmp_path: Path, changes: dict[str, Any], field: str) -> None:
    """Closed vocabularies, bounds, connection ids (not URIs) and typos: the error names the dotted field."""
    import yaml  # noqa: PLC0415

    data = _tenant(**changes)
    path = _write(tmp_path, yaml.safe_dump(data))
    message = _file_error(path)
    assert field in message, message
    assert "secret" not in message, f"a credential leaked into the error: {message}"
