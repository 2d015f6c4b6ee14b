"""Shopify and Stripe sources provisioned on the in-process fake Airbyte server (stands in for Airbyte's
public API; its responses are checked against airbyte-api 1.0.1's models in test_fake_contract.py)."""

import logging

import pytest
from airbyte_api import models
from airbyte_api.utils import unmarshal_json
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.connectors import SourceCredentials, source_configuration
from flexlake.ingestion.airbyte_api.provisioning import provision
from flexlake.ingestion.base import IngestionError
from flexlake.raw_destination import PostgresDestination
from flexlake.tenant_config import TenantConfig

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.unit.ingestion.airbyte_api.conftest import WAREHOUSE_PASSWORD
from tests.unit.ingestion.airbyte_api.test_fake_contract import assert_matches_the_sdk_model

SHOPIFY_TOKEN = "shpat_0123-never-log"
STRIPE_KEY = "sk_live_4567-never-log"


def _tenant() -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "professional",
            "warehouse": {"type": "postgres", "connection_id": "acme_wh", "database": "analytics"},
            "airbyte": {"connection_id": "airbyte_default"},
            "sources": [
                {
                    "system": "shopify",
                    "name": "store_eu",
                    "shop": "acme-eu",
                    "credentials_connection_id": "acme_shopify_eu",
                    "start_date": "2025-01-01",
                    "streams": ["orders", "customers"],
                },
                {
                    "system": "stripe",
                    "name": "billing",
                    "account_id": "acct_1Acme",
                    "credentials_connection_id": "acme_stripe",
                    "start_date": "2025-01-01",
                },
            ],
        }
    )


def _destinations() -> dict[str, PostgresDestination]:
    return {
        name: PostgresDestination(
            host="db.internal",
            port=5432,
            user="loader",
            password=WAREHOUSE_PASSWORD,
            database="analytics",
            schema=f"acme_raw_{name}",
        )
        for name in ("store_eu", "billing")
    }


def _credentials() -> dict[str, SourceCredentials | None]:
    return {"store_eu": SourceCredentials(password=SHOPIFY_TOKEN), "billing": SourceCredentials(password=STRIPE_KEY)}


def test_shopify_and_stripe_get_their_typed_connector_models() -> None:
    shopify, stripe = (source_configuration(source, _credentials()[source.name]) for source in _tenant().sources)
    assert type(shopify).__name__ == "SourceShopify" and shopify.shop == "acme-eu"
    assert shopify.credentials is not None and shopify.credentials.api_password == SHOPIFY_TOKEN
    assert type(stripe).__name__ == "SourceStripe" and stripe.account_id == "acct_1Acme"
    assert stripe.client_secret == STRIPE_KEY and stripe.start_date is not None and stripe.start_date.year == 2025


def test_a_credentials_connection_without_a_password_names_the_connection_and_the_fix() -> None:
    shopify = _tenant().sources[0]
    with pytest.raises(IngestionError, match="'acme_shopify_eu' has no password; put the shopify secret"):
        source_configuration(shopify, SourceCredentials(login="someone"))
    with pytest.raises(IngestionError, match="needs credentials_connection_id"):
        source_configuration(shopify, None)


def test_provisioning_creates_them_once_and_never_shows_their_secrets(
    fake: FakeAirbyteServer, client: AirbyteClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    plan = provision(client, _tenant(), _destinations(), _credentials(), apply=False)
    rendered = plan.render()
    first = provision(client, _tenant(), _destinations(), _credentials(), apply=True)
    second = provision(client, _tenant(), _destinations(), _credentials(), apply=True)
    assert second.pending == [], second.render()
    assert sorted(source["configuration"]["sourceType"] for source in fake.sources.values()) == ["shopify", "stripe"]
    assert len(fake.connections) == 2 and second.connection_ids == first.connection_ids
    streams = {c["name"]: [s["name"] for s in c["configurations"]["streams"]] for c in fake.connections.values()}
    assert any(names == ["orders", "customers"] for names in streams.values()), streams
    for secret in (SHOPIFY_TOKEN, STRIPE_KEY, WAREHOUSE_PASSWORD):
        assert secret not in rendered and secret not in first.render() and secret not in caplog.text, secret
    for exchange in (exchange for exchange in fake.exchanges if exchange.model):
        assert_matches_the_sdk_model(exchange.body, exchange.model or "", f"{exchange.method} {exchange.path}")


def test_the_sdk_alone_cannot_read_a_shopify_source_back_so_the_client_keeps_the_raw_one(
    fake: FakeAirbyteServer, client: AirbyteClient
) -> None:
    """airbyte-api 1.0.1 fails on a Shopify source's configuration; the client's stash returns it intact."""
    result = provision(client, _tenant(), _destinations(), _credentials(), apply=True)
    sources = {source.name: source for source in client.list_sources(result.workspace_id or "")}
    shopify = client.source_configuration(sources["flexlake__acme__store_eu"])
    assert shopify["shop"] == "acme-eu" and shopify["credentials"]["api_password"] == "**********", shopify
    raw = [e.body for e in fake.exchanges if e.model == "SourcesResponse"][-1]
    with pytest.raises(Exception, match="discriminator"):
        unmarshal_json(raw, models.SourcesResponse)
