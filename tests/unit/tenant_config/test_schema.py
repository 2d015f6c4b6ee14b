"""The tenant models: what a valid tenant is, the defaults it gets, and the cross-field rules."""

import copy
from pathlib import Path
from typing import Any

import pytest
from flexlake.tenant_config import TenantConfig, load_tenant_config, load_tenant_configs
from pydantic import ValidationError

PROJECT_ROOT = Path(__file__).resolve().parents[3]
TENANT_CONFIGS_DIR = PROJECT_ROOT / "tenant_configs"
VALID_FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "tenant_configs" / "valid"
DEMO_TENANTS = {"acme_outdoor", "bluebird_books", "cobalt_cycles"}

MINIMAL: dict[str, Any] = {
    "tenant_id": "acme",
    "display_name": "Acme",
    "tier": "starter",
    "warehouse": {"type": "duckdb"},
    "sources": [{"name": "shop", "system": "faker"}],
}
POSTGRES: dict[str, Any] = {"type": "postgres", "connection_id": "flexlake_acme_dw", "database": "analytics"}


def _tenant(**changes: Any) -> dict[str, Any]:
    """The minimal tenant as a dict, with top-level fields replaced."""
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return data


def _rejection(data: dict[str, Any]) -> str:
    """The pydantic error message for data that must not validate."""
    with pytest.raises(ValidationError) as raised:
        TenantConfig.model_validate(data)
    return str(raised.value)


def test_a_minimal_tenant_validates_and_gets_the_schema_defaults() -> None:
    """Only required fields: the owner, engine, streams, options and dbt defaults are filled in."""
    config = TenantConfig.model_validate(MINIMAL)
    source = config.sources[0]
    assert config.owner == "flexlake", f"owner is {config.owner!r}"
    assert config.schedule is None, f"schedule is {config.schedule!r}"
    assert source.engine == "embedded", f"engine is {source.engine!r}"
    assert source.streams == ("users", "products", "purchases"), f"streams are {source.streams!r}"
    assert (source.options.count, source.options.seed) == (1000, 42), f"options are {source.options!r}"
    assert config.dbt.disabled_marts == () and config.dbt.vars.as_dbt_vars() == {}, f"dbt is {config.dbt!r}"


@pytest.mark.parametrize("path", sorted(TENANT_CONFIGS_DIR.glob("*.yaml")), ids=lambda path: path.name)
def test_every_file_in_tenant_configs_validates(path: Path) -> None:
    """The demo tenants and the documented _example.yaml are valid (the example may differ from its stem)."""
    config = load_tenant_config(path)
    assert config.tenant_id, f"{path.name} has no tenant_id"


def test_the_demo_folder_holds_the_three_demo_tenants_and_nothing_invalid() -> None:
    """tenant_configs/ loads to exactly the demo tenants; _example.yaml is documentation, not a tenant."""
    report = load_tenant_configs(TENANT_CONFIGS_DIR)
    assert not report.errors, "\n".join(map(str, report.errors))
    assert {tenant.tenant_id for tenant in report.tenants} == DEMO_TENANTS, f"got {report.tenants!r}"
    assert (TENANT_CONFIGS_DIR / "_example.yaml").is_file(), "the documented example is missing"


@pytest.mark.parametrize("path", sorted(VALID_FIXTURES.glob("*.yaml")), ids=lambda path: path.name)
def test_every_valid_fixture_validates(path: Path) -> None:
    """The files in tests/fixtures/tenant_configs/valid/ load without error."""
    config = load_tenant_config(path)
    assert config.tenant_id == path.stem, f"{path.name} loaded as {config.tenant_id!r}"


def test_the_every_field_fixture_keeps_every_value_it_sets() -> None:
    """Values written in a file win over the defaults, nested ones included."""
    config = load_tenant_config(VALID_FIXTURES / "every_field.yaml")
    assert config.effective_schedule == "0 6 * * *", f"schedule {config.effective_schedule!r}"
    assert config.owner == "data-platform", f"owner {config.owner!r}"
    assert config.schema_prefix == "ef", f"schema_prefix {config.schema_prefix!r}"
    assert [source.name for source in config.sources] == ["shop", "app"], f"sources {config.sources!r}"
    assert config.sources[0].streams == ("users", "purchases"), f"streams {config.sources[0].streams!r}"
    assert config.sources[0].options.records_per_slice == 10, f"options {config.sources[0].options!r}"
    assert config.dbt.vars.as_dbt_vars() == {"revenue_basis": "gross"}, f"vars {config.dbt.vars!r}"
    assert config.catalog_enabled is False, "catalog.enabled: false must switch the catalog off"


@pytest.mark.parametrize(
    "changes",
    [{"colour": "blue"}, {"warehouse": {"type": "duckdb", "file": "x.duckdb"}}, {"catalog": {"enable": True}}],
    ids=["top_level", "warehouse", "catalog"],
)
def test_unknown_keys_are_rejected_at_every_level(changes: dict[str, Any]) -> None:
    """extra='forbid' everywhere: an unknown key is a typo, never silently ignored."""
    message = _rejection(_tenant(**changes))
    assert "Extra inputs are not permitted" in message, message


def test_a_tenant_config_is_frozen_down_to_its_nested_values() -> None:
    """Assigning to a field of the tenant or of its warehouse raises: a config is a shared value."""
    config = TenantConfig.model_validate(MINIMAL)
    with pytest.raises(ValidationError, match="frozen"):
        config.tier = "enterprise"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        config.warehouse.path = "/tmp/other.duckdb"  # type: ignore[misc]
    assert isinstance(config.sources, tuple), f"sources is a {type(config.sources).__name__}, not a tuple"


@pytest.mark.parametrize(
    ("tier", "schedule"),
    [("starter", "@daily"), ("professional", "@hourly"), ("enterprise", "*/15 * * * *")],
)
def test_the_tier_sets_the_schedule(tier: str, schedule: str) -> None:
    """Without a schedule the tier's preset applies."""
    config = TenantConfig.model_validate(_tenant(tier=tier))
    assert config.effective_schedule == schedule, f"{tier} got {config.effective_schedule!r}"


def test_a_schedule_in_the_file_overrides_the_tier() -> None:
    """schedule: replaces the tier's preset."""
    config = TenantConfig.model_validate(_tenant(tier="enterprise", schedule="0 6 * * *"))
    assert config.effective_schedule == "0 6 * * *", f"got {config.effective_schedule!r}"


@pytest.mark.parametrize(("tier", "enabled"), [("starter", False), ("professional", True), ("enterprise", True)])
def test_the_catalog_defaults_to_on_for_the_paid_tiers(tier: str, enabled: bool) -> None:
    """No catalog setting: professional and enterprise publish a catalog, starter does not."""
    config = TenantConfig.model_validate(_tenant(tier=tier))
    assert config.catalog_enabled is enabled, f"{tier} catalog_enabled is {config.catalog_enabled!r}"


def test_a_paid_tier_can_switch_the_catalog_off_and_a_starter_can_say_no_explicitly() -> None:
    """catalog.enabled: false is allowed on every tier."""
    professional = TenantConfig.model_validate(_tenant(tier="professional", catalog={"enabled": False}))
    starter = TenantConfig.model_validate(_tenant(tier="starter", catalog={"enabled": False}))
    assert professional.catalog_enabled is False, "professional with enabled: false still has a catalog"
    assert starter.catalog_enabled is False, "starter with enabled: false has a catalog"


def test_a_starter_tenant_enabling_the_catalog_is_told_to_move_to_the_professional_tier() -> None:
    """The catalog is a paid feature; the message names the tier that includes it."""
    message = _rejection(_tenant(tier="starter", catalog={"enabled": True}))
    assert "catalog.enabled" in message, message
    assert "starter tier does not include a data catalog" in message, message
    assert "professional tier" in message, message


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
def test_the_embedded_engine_is_rejected_for_warehouses_pyairbyte_cannot_write(warehouse_type: str) -> None:
    """PyAirbyte has no cache for these warehouses: the file fails at validation naming the source, the reason
    and the engine that works, not hours later inside a sync task."""
    message = _rejection(_tenant(warehouse={**POSTGRES, "type": warehouse_type}))
    assert f"sources[0].engine: the embedded engine cannot write raw data into {warehouse_type}" in message, message
    assert "caches for duckdb and postgres only" in message, message
    assert "set engine: airbyte for source 'shop'" in message, message


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
def test_the_other_warehouses_are_accepted_with_an_airbyte_server(warehouse_type: str) -> None:
    """An Airbyte server has a destination for every warehouse: the same tenant with engine airbyte validates."""
    sources = [{"name": "shop", "system": "faker", "engine": "airbyte"}]
    airbyte = {"connection_id": "airbyte_cloud"}
    config = TenantConfig.model_validate(
        _tenant(warehouse={**POSTGRES, "type": warehouse_type}, sources=sources, airbyte=airbyte)
    )
    assert config.warehouse.type == warehouse_type, f"warehouse is {config.warehouse!r}"


def test_a_postgres_warehouse_is_accepted() -> None:
    """postgres is available in this release."""
    config = TenantConfig.model_validate(_tenant(warehouse=POSTGRES))
    assert config.warehouse.type == "postgres", f"warehouse is {config.warehouse!r}"


def test_two_sources_with_the_same_name_are_rejected() -> None:
    """Source names are unique within a tenant: each lands in its own raw schema."""
    sources = [{"name": "shop", "system": "faker"}, {"name": "shop", "system": "faker"}]
    message = _rejection(_tenant(sources=sources))
    assert "names must be unique" in message and "repeated: shop" in message, message


@pytest.mark.parametrize(
    "tenant_id",
    ["../etc", "a/b", "Acme", "x", "a" * 41, "1abc", "acme.prod", "acme-prod", "", "acme ", "acme\n"],
)
def test_a_tenant_id_that_is_not_a_safe_identifier_is_rejected(tenant_id: str) -> None:
    """tenant_id ends up in DAG ids, schema names and paths: lower-case letters, digits, _, 2-40 chars."""
    message = _rejection(_tenant(tenant_id=tenant_id))
    assert "tenant_id" in message, message


@pytest.mark.parametrize("tenant_id", ["ab", "a" * 40, "acme_2", "acme_outdoor"])
def test_a_tenant_id_at_the_edges_of_the_pattern_is_accepted(tenant_id: str) -> None:
    """2 and 40 characters, digits and underscores after the first letter are fine."""
    config = TenantConfig.model_validate(_tenant(tenant_id=tenant_id))
    assert config.tenant_id == tenant_id, f"got {config.tenant_id!r}"


def test_the_schema_prefix_defaults_to_the_tenant_id() -> None:
    """Both a DuckDB and a postgres warehouse without schema_prefix use the tenant id."""
    duckdb = TenantConfig.model_validate(MINIMAL)
    postgres = TenantConfig.model_validate(_tenant(warehouse=POSTGRES))
    assert duckdb.schema_prefix == "acme", f"duckdb prefix {duckdb.schema_prefix!r}"
    assert postgres.schema_prefix == "acme", f"postgres prefix {postgres.schema_prefix!r}"


def test_an_explicit_schema_prefix_wins_over_the_tenant_id() -> None:
    """warehouse.schema_prefix names the tenant's schemas when set."""
    config = TenantConfig.model_validate(_tenant(warehouse={**POSTGRES, "schema_prefix": "acme_v2"}))
    assert config.schema_prefix == "acme_v2", f"got {config.schema_prefix!r}"


@pytest.mark.parametrize(
    "warehouse",
    [{**POSTGRES, "schema_prefix": "pg_acme"}, POSTGRES],
    ids=["explicit_prefix", "prefix_from_tenant_id"],
)
def test_a_postgres_schema_prefix_starting_with_pg_is_rejected(warehouse: dict[str, Any]) -> None:
    """PostgreSQL reserves pg_* schema names, whether the prefix is set or comes from the tenant id."""
    message = _rejection(_tenant(tenant_id="pg_acme", warehouse=warehouse))
    assert "warehouse.schema_prefix" in message and "reserved by postgres" in message, message


def test_a_duckdb_tenant_may_have_a_pg_prefix() -> None:
    """The pg_ reservation is PostgreSQL's; DuckDB does not have it."""
    config = TenantConfig.model_validate(_tenant(tenant_id="pg_acme"))
    assert config.schema_prefix == "pg_acme", f"got {config.schema_prefix!r}"


SHOPIFY: dict[str, Any] = {
    "system": "shopify",
    "name": "eu_store",
    "shop": "acme-eu",
    "credentials_connection_id": "acme_shopify_eu",
    "start_date": "2025-01-01",
}
AIRBYTE_SERVER: dict[str, Any] = {"connection_id": "airbyte_default"}


def test_shopify_and_stripe_sources_run_on_the_airbyte_server_with_all_streams_by_default() -> None:
    stripe = {"system": "stripe", "name": "billing", "account_id": "acct_123", **_credentials("acme_stripe")}
    config = TenantConfig.model_validate(_tenant(sources=[SHOPIFY, stripe], airbyte=AIRBYTE_SERVER))
    shopify_source, stripe_source = config.sources
    assert shopify_source.engine == "airbyte" and "order_refunds" in shopify_source.streams
    assert stripe_source.engine == "airbyte" and "invoice_line_items" in stripe_source.streams


def test_a_saas_source_on_the_embedded_engine_is_rejected_with_the_alternative() -> None:
    message = _rejection(_tenant(sources=[{**SHOPIFY, "engine": "embedded"}], airbyte=AIRBYTE_SERVER))
    assert "has no connector for this source; use engine: airbyte" in message, message


def test_a_saas_source_needs_its_credentials_connection() -> None:
    source = {key: value for key, value in SHOPIFY.items() if key != "credentials_connection_id"}
    message = _rejection(_tenant(sources=[source], airbyte=AIRBYTE_SERVER))
    assert "credentials_connection_id" in message, message


def _credentials(connection_id: str) -> dict[str, Any]:
    return {"credentials_connection_id": connection_id, "start_date": "2025-01-01"}
