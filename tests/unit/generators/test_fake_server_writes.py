"""The fake Airbyte server writes the generators' streams when a Shopify or Stripe connection's job succeeds."""

import zlib
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe

ROOT = "http://airbyte.fake/api/public/v1"


@pytest.mark.parametrize(
    ("source", "streams", "expected"),
    [
        ({"sourceType": "shopify", "shop": "acme-store"}, ["orders", "order_refunds"], "orders"),
        ({"sourceType": "stripe", "account_id": "acct_1", "seed": 9}, ["invoices", "charges"], "invoices"),
    ],
)
def test_a_successful_sync_writes_the_configured_generated_streams(
    tmp_path: Path, source: dict[str, Any], streams: list[str], expected: str
) -> None:
    """Only the connection's streams are written, with the generator's rows for the source's seed."""
    fake = FakeAirbyteServer(require_auth=False)
    path = str(tmp_path / "raw.duckdb")
    with httpx.Client(transport=fake.transport(), base_url=ROOT) as client:
        workspace = client.post("/workspaces", json={"name": "w"}).json()["workspaceId"]
        source_id = client.post(
            "/sources", json={"workspaceId": workspace, "name": "s", "configuration": source}
        ).json()["sourceId"]
        destination = {"destinationType": "duckdb", "destination_path": path, "schema": "raw_src"}
        destination_id = client.post(
            "/destinations", json={"workspaceId": workspace, "name": "d", "configuration": destination}
        ).json()["destinationId"]
        connection = client.post(
            "/connections",
            json={
                "sourceId": source_id,
                "destinationId": destination_id,
                "configurations": {"streams": [{"name": name} for name in streams]},
            },
        ).json()["connectionId"]
        fake.script_next_job("succeeded")
        job = client.post("/jobs", json={"connectionId": connection, "jobType": "sync"}).json()
    assert job["status"] == "succeeded", job
    dataset = (
        generate_shopify(zlib.crc32(b"acme-store"), store="acme-store")
        if source["sourceType"] == "shopify"
        else generate_stripe(9)
    )
    with duckdb.connect(path, read_only=True) as db:
        tables = {row[0] for row in db.execute("select table_name from information_schema.tables").fetchall()}
        count = db.execute(f"select count(*) from raw_src.{expected}").fetchone()
    assert tables == set(streams), tables
    assert count == (len(dataset.streams[expected].rows),)
    assert job["rowsSynced"] == sum(len(dataset.streams[name].rows) for name in streams)
