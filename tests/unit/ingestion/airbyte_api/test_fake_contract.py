"""The fake Airbyte server answers with what airbyte-api 1.0.1's models accept, so it cannot drift."""

import json
from pathlib import Path

import httpx
import pytest
from airbyte_api import models
from airbyte_api.utils import unmarshal_json
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.provisioning import provision
from flexlake.ingestion.airbyte_api.sync import start_sync, wait_for_job

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.unit.ingestion.airbyte_api.conftest import API_ROOT, duckdb_destinations, make_tenant, postgres_destinations


def _exercise_every_endpoint(fake: FakeAirbyteServer, client: AirbyteClient, folder: Path) -> None:
    client.health()
    for index in range(3):
        client.create_workspace(f"extra-{index}", recover=lambda: None)
    result = provision(client, make_tenant(), duckdb_destinations(folder), {"shop": None}, apply=True)
    connection_id = result.connection_ids["shop"]
    fake.script_next_job("running", "running")
    job = start_sync(client, connection_id)
    client.list_jobs(connection_id)
    client.cancel_job(job.job_id)
    fake.script_next_job("pending", "succeeded")
    fake.inject(429, times=1, retry_after=0)
    job = start_sync(client, connection_id)
    wait_for_job(client, job.job_id, poll_interval_seconds=0, timeout_seconds=60, sleep=lambda _s: None)
    client.sdk.connections.get_connection(request={"connection_id": connection_id})
    workspace_id = result.workspace_id or ""
    client.sdk.sources.get_source(request={"source_id": client.list_sources(workspace_id)[0].source_id})
    client.list_destinations(workspace_id)


def test_every_json_response_of_the_fake_parses_into_the_sdk_model_it_claims(
    fake: FakeAirbyteServer, client: AirbyteClient, tmp_path: Path
) -> None:
    """Each 200 JSON body is unmarshalled by the SDK itself into the model the real API documents."""
    _exercise_every_endpoint(fake, client, tmp_path)
    claimed = [exchange for exchange in fake.exchanges if exchange.model]
    kinds = {exchange.model for exchange in claimed}
    assert {
        "SourceResponse",
        "SourcesResponse",
        "DestinationResponse",
        "DestinationsResponse",
        "ConnectionResponse",
        "ConnectionsResponse",
        "JobResponse",
        "JobsResponse",
        "WorkspaceResponse",
        "WorkspacesResponse",
        "TagResponse",
        "TagsResponse",
    } <= kinds, kinds
    for exchange in claimed:
        assert_matches_the_sdk_model(exchange.body, exchange.model or "", f"{exchange.method} {exchange.path}")


# Source responses carry the connector's configuration, which the SDK's undiscriminated union cannot parse
# reliably (see flexlake/ingestion/airbyte_api/source_configurations.py): the envelope is checked against
# the SDK model, each configuration against its own connector model named by sourceType.
_SOURCE_MODELS = {"faker": models.SourceFaker, "shopify": models.SourceShopify, "stripe": models.SourceStripe}


def assert_matches_the_sdk_model(body: str, model_name: str, what: str) -> None:
    payload = json.loads(body)
    if model_name in {"SourceResponse", "SourcesResponse"}:
        items = payload["data"] if model_name == "SourcesResponse" else [payload]
        for item in items:
            _SOURCE_MODELS[item["sourceType"]].model_validate(item["configuration"])
            item["configuration"] = {}
    parsed = unmarshal_json(json.dumps(payload), getattr(models, model_name))
    assert parsed is not None, f"{what} did not parse as {model_name}"


def test_typed_configurations_come_back_as_the_same_connector_model(
    fake: FakeAirbyteServer, client: AirbyteClient
) -> None:
    """A faker source reads back as SourceFaker (raw: the SDK cannot type it) and a Postgres destination as
    DestinationPostgres, secret masked."""
    result = provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    workspace_id = result.workspace_id or ""
    (source,) = client.list_sources(workspace_id)
    (destination,) = client.list_destinations(workspace_id)
    assert models.SourceFaker.model_validate(client.source_configuration(source)).count == 50
    assert isinstance(destination.configuration, models.DestinationPostgres)
    assert destination.configuration.password == "**********", "the fake must mask secrets like Airbyte"


def test_errors_are_problem_json_and_a_busy_connection_answers_409(
    fake: FakeAirbyteServer, client: AirbyteClient
) -> None:
    """A second sync on a busy connection gets 409 with an application/problem+json body."""
    result = provision(client, make_tenant(), postgres_destinations(), {"shop": None}, apply=True)
    fake.script_next_job("running")
    client.create_sync_job(result.connection_ids["shop"])
    token = next(iter(fake.tokens))
    response = httpx.Client(transport=fake.transport()).post(
        f"{API_ROOT}/jobs",
        json={"connectionId": result.connection_ids["shop"], "jobType": "sync"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 409


@pytest.mark.parametrize("form", [True, False])
def test_the_token_endpoint_accepts_json_and_form_bodies(fake: FakeAirbyteServer, form: bool) -> None:
    """POST /applications/token issues a bearer token for a JSON or a form body."""
    body = {"client_id": fake.client_id, "client_secret": fake.client_secret, "grant_type": "client_credentials"}
    with httpx.Client(transport=fake.transport()) as http:
        response = http.post(f"{API_ROOT}/applications/token", **({"data": body} if form else {"json": body}))
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert fake.token_requests == ["form" if form else "json"]


def test_lists_paginate_with_next_links(fake: FakeAirbyteServer, client: AirbyteClient) -> None:
    """250 workspaces come back in full through limit/offset pages and `next` links."""
    for index in range(250):
        fake.workspaces[f"w{index}"] = {
            "workspaceId": f"w{index}",
            "name": f"w{index}",
            "dataResidency": "auto",
            "notifications": {},
        }
    assert len(client.list_workspaces()) == 250
    pages = [path for method, path in fake.requests if method == "GET" and path.endswith("/workspaces")]
    assert len(pages) == 3, pages
