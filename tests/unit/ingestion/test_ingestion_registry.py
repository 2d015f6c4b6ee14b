"""The engine registry and the values engines exchange with the DAG factory."""

import json
from pathlib import Path

import pytest
from flexlake.ingestion import (
    DuckDBDestination,
    PostgresDestination,
    StreamStats,
    SyncRequest,
    SyncResult,
    get_engine,
)
from flexlake.ingestion.embedded_pyairbyte import EmbeddedPyAirbyteEngine
from flexlake.tenant_config.schema import FakerSource

SECRET = "s3cr3t-Pa55"


def test_the_embedded_engine_is_registered_under_its_config_name() -> None:
    """get_engine('embedded') returns the PyAirbyte engine, whose name matches the registry key."""
    engine = get_engine("embedded")
    assert isinstance(engine, EmbeddedPyAirbyteEngine), f"got {engine!r}"
    assert engine.name == "embedded", f"engine name is {engine.name!r}"


def test_an_unknown_engine_name_raises_an_error_listing_the_known_engines() -> None:
    """A typo in an engine name says which engines exist."""
    with pytest.raises(LookupError) as raised:
        get_engine("airbyte_cloud")
    message = str(raised.value)
    assert "'airbyte_cloud'" in message, message
    assert "known engines: airbyte, dlt, embedded" in message, message


def test_the_postgres_password_stays_out_of_the_request_repr() -> None:
    """repr() of a destination or a request, as Airflow might log it, never shows the password."""
    destination = PostgresDestination(
        host="127.0.0.1", port=5432, user="loader", password=SECRET, database="dw", schema="acme_raw_shop"
    )
    request = SyncRequest(tenant_id="acme", source=FakerSource(system="faker", name="shop"), destination=destination)
    assert SECRET not in repr(destination), repr(destination)
    assert SECRET not in repr(request), repr(request)
    assert "acme_raw_shop" in repr(destination), "the repr should still say where the data goes"


def test_a_sync_result_serializes_to_json_for_xcom() -> None:
    """to_dict() is JSON-able and carries records per stream and their total."""
    result = SyncResult(
        source_name="shop",
        engine="embedded",
        streams=(StreamStats("users", 200), StreamStats("products", 100)),
        duration_seconds=12.34567,
    )
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["streams"] == [
        {"stream": "users", "records": 200},
        {"stream": "products", "records": 100},
    ], summary
    assert summary["total_records"] == 300, summary
    assert summary["duration_seconds"] == 12.346, summary


def test_destinations_are_frozen_values() -> None:
    """Destinations are hashable, immutable values that compare by content."""
    first = DuckDBDestination(path=Path("/data/acme/raw_shop.duckdb"), schema="acme_raw_shop")
    second = DuckDBDestination(path=Path("/data/acme/raw_shop.duckdb"), schema="acme_raw_shop")
    assert first == second and hash(first) == hash(second), "equal destinations should be equal values"
