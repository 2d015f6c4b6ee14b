"""An in-process fake Airbyte server and a client wired to it (no sleeping between retries)."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.server_settings import ServerSettings
from flexlake.ingestion.airbyte_api.transport import RetryPolicy
from flexlake.raw_destination import DuckDBDestination, PostgresDestination, RawDestination
from flexlake.tenant_config import TenantConfig

from tests.fakes.airbyte_server import FakeAirbyteServer

API_ROOT = "http://airbyte.fake/api/public/v1"
WAREHOUSE_PASSWORD = "Wh-pw-5c1d-never-log"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeAirbyteServer:
    return FakeAirbyteServer(token_ttl_seconds=180, clock=clock)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeAirbyteServer, clock: Clock, sleeps: list[float]) -> Iterator[AirbyteClient]:
    settings = ServerSettings(api_root=API_ROOT, client_id=fake.client_id, client_secret=fake.client_secret)

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    retry = RetryPolicy(max_attempts=6, sleep=sleeps.append, async_sleep=no_sleep)
    transport = fake.transport()
    airbyte = AirbyteClient(settings, retry=retry, transport=transport, async_transport=transport, clock=clock)
    yield airbyte
    airbyte.close()


@pytest.fixture
def client_factory(fake: FakeAirbyteServer, clock: Clock) -> Callable[[str], AirbyteClient]:
    """Stands in for `client_from_airflow`: a fresh client wired to the fake each call (callers close theirs)."""

    def client_from_airflow(connection_id: str) -> AirbyteClient:
        settings = ServerSettings(api_root=API_ROOT, client_id=fake.client_id, client_secret=fake.client_secret)
        retry = RetryPolicy(max_attempts=3, sleep=lambda _s: None)
        transport = fake.transport()
        return AirbyteClient(settings, retry=retry, transport=transport, async_transport=transport, clock=clock)

    return client_from_airflow


def make_tenant(streams: tuple[str, ...] = ("users", "products", "purchases"), count: int = 50) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "starter",
            "warehouse": {"type": "postgres", "connection_id": "acme_wh", "database": "analytics"},
            "airbyte": {"connection_id": "airbyte_default"},
            "sources": [
                {
                    "system": "faker",
                    "name": "shop",
                    "engine": "airbyte",
                    "streams": list(streams),
                    "options": {"count": count, "seed": 7},
                },
            ],
        }
    )


def postgres_destinations() -> dict[str, RawDestination]:
    return {
        "shop": PostgresDestination(
            host="db.internal",
            port=5432,
            user="loader",
            password=WAREHOUSE_PASSWORD,
            database="analytics",
            schema="acme_raw_shop",
        )
    }


def duckdb_destinations(folder: Path) -> dict[str, RawDestination]:
    return {"shop": DuckDBDestination(path=folder / "raw_shop.duckdb", schema="acme_raw_shop")}
