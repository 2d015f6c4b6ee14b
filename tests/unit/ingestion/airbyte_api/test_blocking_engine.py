"""`get_engine("airbyte").sync(request)`: the blocking path, driven by `SyncRequest.server`."""

from collections.abc import Callable
from pathlib import Path

import pytest
from flexlake.ingestion import SyncRequest, get_engine
from flexlake.ingestion.airbyte_api import sync as sync_module
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.provisioning import provision
from flexlake.ingestion.base import IngestionError

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.unit.ingestion.airbyte_api.conftest import duckdb_destinations, make_tenant


def _request(tmp_path: Path, *, with_server: bool) -> SyncRequest:
    tenant = make_tenant(count=25)
    return SyncRequest(
        tenant_id=tenant.tenant_id,
        source=tenant.sources[0],
        destination=duckdb_destinations(tmp_path)["shop"],
        server=tenant.airbyte if with_server else None,
    )


def test_the_blocking_engine_finds_the_provisioned_connection_and_reports_its_stats(
    fake: FakeAirbyteServer,
    client: AirbyteClient,
    client_factory: Callable[[str], AirbyteClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the tenant's airbyte block on the request, the engine syncs the connection named for the source."""
    provision(client, make_tenant(count=25), duckdb_destinations(tmp_path), {"shop": None}, apply=True)
    monkeypatch.setattr(sync_module, "client_from_airflow", client_factory)
    fake.script_next_job("succeeded")  # done at the first poll: the engine's 30 s poll interval never sleeps
    result = get_engine("airbyte").sync(_request(tmp_path, with_server=True))
    assert result.engine == "airbyte" and result.total_records == 25 + 100 + 25, result


def test_the_blocking_engine_without_the_airbyte_block_says_what_is_missing(tmp_path: Path) -> None:
    """A request without `server` fails before any call, naming the tenant file's airbyte: block."""
    with pytest.raises(IngestionError, match="needs the tenant's airbyte: block"):
        get_engine("airbyte").sync(_request(tmp_path, with_server=False))
