"""Provisioning is idempotent: twice = no change and no duplicates; one config change = one patch."""

import logging

import pytest
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.provisioning import provision
from flexlake.ingestion.base import IngestionError

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.unit.ingestion.airbyte_api.conftest import WAREHOUSE_PASSWORD, make_tenant, postgres_destinations


def _writes(fake: FakeAirbyteServer) -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, path in fake.requests
        if method in {"POST", "PATCH", "DELETE"} and not path.endswith("/applications/token")
    ]


def test_provisioning_twice_changes_nothing_the_second_time(fake: FakeAirbyteServer, client: AirbyteClient) -> None:
    """The second apply only lists: no create, no patch, one object of each kind."""
    first = provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    assert [change.action for change in first.changes] == ["create"] * 5
    writes_before = len(_writes(fake))
    second = provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    assert second.pending == [], second.render()
    assert len(_writes(fake)) == writes_before, "a second apply must not write"
    assert (len(fake.workspaces), len(fake.sources), len(fake.destinations), len(fake.connections)) == (1, 1, 1, 1)
    assert second.connection_ids == first.connection_ids


def test_a_changed_stream_list_is_one_connection_patch(fake: FakeAirbyteServer, client: AirbyteClient) -> None:
    """Dropping a stream patches the connection once and touches nothing else."""
    provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    writes_before = len(_writes(fake))
    result = provision(
        client, make_tenant(streams=("users", "products")), postgres_destinations(), {"shop": None}, apply=True
    )
    assert [(change.kind, change.action) for change in result.pending] == [("connection", "update")]
    assert _writes(fake)[writes_before:] == [("PATCH", f"/api/public/v1/connections/{result.connection_ids['shop']}")]
    (connection,) = fake.connections.values()
    assert [stream["name"] for stream in connection["configurations"]["streams"]] == ["users", "products"]


def test_a_changed_source_option_is_one_source_patch(fake: FakeAirbyteServer, client: AirbyteClient) -> None:
    """A new faker count is shown as a field diff and applied as a single PATCH of the source."""
    provision(client, make_tenant(count=50), postgres_destinations(), {"shop": None}, apply=True)
    plan = provision(client, make_tenant(count=80), postgres_destinations(), {"shop": None}, apply=False)
    assert [(change.kind, change.details) for change in plan.pending] == [("source", ("count: 50 -> 80",))]
    writes_before = len(_writes(fake))
    provision(client, make_tenant(count=80), postgres_destinations(), {"shop": None}, apply=True)
    assert [method for method, _ in _writes(fake)[writes_before:]] == ["PATCH"]
    (source,) = fake.sources.values()
    assert source["configuration"]["count"] == 80


def test_plan_writes_nothing_and_masks_the_warehouse_password(
    fake: FakeAirbyteServer, client: AirbyteClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A plan on an empty server lists five creations, shows no secret and writes nothing."""
    caplog.set_level(logging.DEBUG)
    plan = provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=False)
    assert [change.action for change in plan.changes] == ["create"] * 5
    assert _writes(fake) == []
    rendered = plan.render()
    assert WAREHOUSE_PASSWORD not in rendered and "**********" in rendered, rendered
    assert WAREHOUSE_PASSWORD not in caplog.text


def test_a_duplicate_name_is_an_error_not_a_guess(fake: FakeAirbyteServer, client: AirbyteClient) -> None:
    """Two sources with flexlake's name make provisioning stop and name both ids."""
    provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    (source,) = list(fake.sources.values())
    fake.sources["dup"] = {**source, "sourceId": "dup"}
    with pytest.raises(IngestionError, match="2 sources named"):
        provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)


def test_a_create_that_failed_with_502_after_committing_is_not_repeated(
    fake: FakeAirbyteServer, client: AirbyteClient
) -> None:
    """A 502 on POST /sources after the server committed is followed by a lookup, not a second create."""
    fake.inject(502, method="POST", path="^/sources$", after_commit=True)
    provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    assert any(exchange.status == 502 for exchange in fake.exchanges), "the fault was not hit"
    assert len(fake.sources) == 1, "the source must not be created twice"
