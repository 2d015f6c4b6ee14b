"""engine: dlt in a tenant file: faker only, DuckDB and PostgreSQL only, each refusal naming the field and the fix."""

from typing import Any

import pytest
from flexlake.tenant_config import TenantConfig
from pydantic import ValidationError

WAREHOUSE_LOGIN: dict[str, Any] = {"connection_id": "flexlake_acme_dw", "database": "analytics"}
SHOPIFY: dict[str, Any] = {
    "system": "shopify",
    "name": "eu_store",
    "shop": "acme-eu",
    "credentials_connection_id": "acme_shopify_eu",
    "start_date": "2025-01-01",
}


def _tenant(warehouse: dict[str, Any], *sources: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": "acme",
        "display_name": "Acme",
        "tier": "starter",
        "warehouse": warehouse,
        "sources": list(sources) or [{"name": "shop", "system": "faker", "engine": "dlt"}],
    }


def _rejection(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as raised:
        TenantConfig.model_validate(data)
    return str(raised.value)


@pytest.mark.parametrize("warehouse", [{"type": "duckdb"}, {"type": "postgres", **WAREHOUSE_LOGIN}])
def test_a_faker_source_on_dlt_validates_for_duckdb_and_postgres(warehouse: dict[str, Any]) -> None:
    """dlt lands faker's raw tables in DuckDB and PostgreSQL, and needs no `airbyte:` block."""
    config = TenantConfig.model_validate(_tenant(warehouse))
    assert config.sources[0].engine == "dlt", f"engine is {config.sources[0].engine!r}"
    assert config.airbyte is None


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
def test_dlt_is_refused_for_warehouses_it_has_no_destination_for(warehouse_type: str) -> None:
    """The error names the source's engine field, what dlt writes, and the engine that can."""
    message = _rejection(_tenant({"type": warehouse_type, **WAREHOUSE_LOGIN}))
    assert f"sources[0].engine: the dlt engine cannot write raw data into {warehouse_type}" in message, message
    assert "caches for duckdb and postgres only" in message, message
    assert "set engine: airbyte for source 'shop'" in message, message


@pytest.mark.parametrize("system", ["shopify", "stripe"])
def test_dlt_is_refused_for_a_system_it_has_no_source_for(system: str) -> None:
    """Shopify and Stripe have no dlt source yet: the engine field is named, and engine airbyte is the fix."""
    source = {**SHOPIFY, "engine": "dlt"}
    if system == "stripe":
        source = {key: value for key, value in source.items() if key != "shop"}
        source.update(system="stripe", name="billing", account_id="acct_123")
    data = {**_tenant({"type": "duckdb"}, source), "airbyte": {"connection_id": "airbyte_default"}}
    message = _rejection(data)
    assert "engine: the dlt engine has a source for system faker only" in message, message
    assert "use engine: airbyte" in message, message


def test_a_misspelt_engine_lists_dlt_among_the_choices() -> None:
    """A typo in the engine is refused with the three engine names."""
    message = _rejection(_tenant({"type": "duckdb"}, {"name": "shop", "system": "faker", "engine": "dtl"}))
    assert "'embedded', 'airbyte' or 'dlt'" in message, message


def test_faker_always_updated_false_is_refused_on_dlt_which_keeps_no_connector_state() -> None:
    """dlt re-emits every faker record on every sync: the option would silently do nothing there."""
    source = {"name": "shop", "system": "faker", "engine": "dlt", "options": {"always_updated": False}}
    message = _rejection(_tenant({"type": "duckdb"}, source))
    assert "options.always_updated: false needs the connector's incremental state" in message, message
    assert "use engine embedded or airbyte" in message and "'shop'" in message, message
    embedded = {**source, "engine": "embedded"}
    assert TenantConfig.model_validate(_tenant({"type": "duckdb"}, embedded)).sources[0].options.always_updated is False
