"""Every source system of the catalog (tenant_config/source_systems.py) has all its parts, and nothing else has any.

One test per part, parametrized over the catalog: a new row without its source model, connector, engine support
or dbt folders fails here, naming the system and the missing part.
"""

from pathlib import Path
from typing import Any, get_args

import pytest
from flexlake.ingestion.airbyte_api.connectors import _SOURCE_BUILDERS, SourceCredentials, source_configuration
from flexlake.ingestion.embedded_dlt import DLT_SYSTEMS
from flexlake.ingestion.embedded_pyairbyte import _CONNECTORS
from flexlake.operator_tools.tenant_document import AIRBYTE_ONLY_SYSTEMS
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.dbt_schema import PassThroughColumn
from flexlake.tenant_config.schema import SOURCE_SYSTEMS, SUBSCRIPTION_SYSTEMS, SourceConfig
from flexlake.tenant_config.source_systems import ENGINES, SOURCE_SYSTEM_CATALOG, SourceSystem, systems_on_engine
from pydantic import ValidationError

MODELS_DIR = Path(__file__).resolve().parents[3] / "include" / "dbt" / "models"
SYSTEMS = sorted(SOURCE_SYSTEM_CATALOG)
# The system-specific required fields of a minimal source, per system (a new system adds its line).
REQUIRED_FIELDS: dict[str, dict[str, Any]] = {
    "faker": {},
    "shopify": {"shop": "acme-store", "credentials_connection_id": "acme_shopify", "start_date": "2024-01-01"},
    "stripe": {"account_id": "acct_123", "credentials_connection_id": "acme_stripe", "start_date": "2024-01-01"},
}


def _source_models() -> dict[str, Any]:
    """The tenant file's source models by their `system` discriminator value."""
    union = get_args(SourceConfig)[0]
    return {get_args(model.model_fields["system"].annotation)[0]: model for model in get_args(union)}


def _tenant(system: str, **source: Any) -> dict[str, Any]:
    assert system in REQUIRED_FIELDS, f"{system}: add its required source fields to REQUIRED_FIELDS"
    return {
        "tenant_id": "acme",
        "display_name": "Acme",
        "tier": "starter",
        "warehouse": {"type": "duckdb"},
        "sources": [{"name": "shop", "system": system, **REQUIRED_FIELDS[system], **source}],
        "airbyte": {"connection_id": "airbyte_default"},
    }


def test_the_catalog_is_the_schemas_list_of_systems() -> None:
    """The tenant file's `system:` enums (sources and pass-through columns) and SOURCE_SYSTEMS are the catalog's."""
    assert sorted(_source_models()) == SYSTEMS, f"source models {sorted(_source_models())} != catalog {SYSTEMS}"
    assert sorted(get_args(PassThroughColumn.model_fields["system"].annotation)) == SYSTEMS
    assert sorted(SOURCE_SYSTEMS) == SYSTEMS, SOURCE_SYSTEMS


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_systems_source_model_offers_its_streams_and_defaults_to_its_first_engine(system: str) -> None:
    """Streams enum and default = the catalog's streams; the default engine is the catalog's first."""
    entry = SOURCE_SYSTEM_CATALOG[system]
    model = _source_models()[system]
    stream_enum = get_args(get_args(model.model_fields["streams"].annotation)[0])
    assert stream_enum == entry.streams, f"{system}: schema streams {stream_enum} != catalog {entry.streams}"
    source = TenantConfig.model_validate(_tenant(system)).sources[0]
    assert source.streams == entry.streams, f"{system}: default streams {source.streams}"
    assert source.engine == entry.default_engine, f"{system}: default engine {source.engine}"


@pytest.mark.parametrize(("system", "engine"), [(system, engine) for system in SYSTEMS for engine in ENGINES])
def test_a_source_runs_exactly_on_the_engines_its_catalog_row_lists(system: str, engine: str) -> None:
    """An engine the row lists validates; any other is refused naming the engine field and the row's engines."""
    data = _tenant(system, engine=engine)
    if engine in SOURCE_SYSTEM_CATALOG[system].engines:
        TenantConfig.model_validate(data)
        return
    with pytest.raises(ValidationError) as raised:
        TenantConfig.model_validate(data)
    message = str(raised.value)
    assert "engine: the" in message, message
    assert f"use engine: {' or '.join(SOURCE_SYSTEM_CATALOG[system].engines)}" in message, message


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_system_an_airbyte_server_runs_has_a_connector_builder(system: str) -> None:
    """Its typed Airbyte source configuration is built (credentials from the connection when the row says so)."""
    entry: SourceSystem = SOURCE_SYSTEM_CATALOG[system]
    if "airbyte" not in entry.engines:
        assert system not in _SOURCE_BUILDERS, f"{system}: a builder for a system the server engine cannot run"
        return
    assert system in _SOURCE_BUILDERS, f"{system}: no builder in ingestion/airbyte_api/connectors.py"
    source = TenantConfig.model_validate(_tenant(system, engine="airbyte")).sources[0]
    credentials = SourceCredentials(password="secret-token") if entry.needs_credentials else None
    configuration = source_configuration(source, credentials).model_dump(by_alias=True, mode="json")
    assert system in str(configuration.get("sourceType", "")).lower(), f"{system}: built {configuration}"


def test_the_builders_are_exactly_the_server_engines_systems() -> None:
    """No builder is left for a system the catalog no longer has."""
    assert set(_SOURCE_BUILDERS) == systems_on_engine("airbyte"), sorted(_SOURCE_BUILDERS)


def test_the_embedded_engines_support_is_the_catalogs() -> None:
    """PyAirbyte has a connector venv for, and dlt a source for, exactly the systems listing those engines."""
    assert set(_CONNECTORS) == systems_on_engine("embedded"), f"PyAirbyte connectors: {sorted(_CONNECTORS)}"
    assert systems_on_engine("dlt") == DLT_SYSTEMS, f"dlt systems: {sorted(DLT_SYSTEMS)}"
    # dlt_runner.py generates source-faker's records only (dlt_faker_source.GENERATORS): a second dlt system
    # needs its own source there first.
    assert {"faker"} >= DLT_SYSTEMS, f"dlt_runner.py has no source for {sorted(DLT_SYSTEMS - {'faker'})}"


def test_the_operator_tools_know_which_systems_need_the_airbyte_server() -> None:
    """`flexlake new-tenant` writes engine: airbyte for exactly the systems without an in-task engine."""
    in_task = systems_on_engine("embedded") | systems_on_engine("dlt")
    assert set(SOURCE_SYSTEM_CATALOG) - in_task == AIRBYTE_ONLY_SYSTEMS, sorted(AIRBYTE_ONLY_SYSTEMS)


@pytest.mark.parametrize("system", SYSTEMS)
def test_each_system_has_its_dbt_staging_and_adapter_folders(system: str) -> None:
    """include/dbt/models/staging/<system>/ declares its raw source and has models; adapters/<system>/ has models."""
    for folder in SOURCE_SYSTEM_CATALOG[system].dbt_folders:
        path = MODELS_DIR / folder
        assert list(path.glob("*.sql")), f"{system}: no dbt models in include/dbt/models/{folder}/"
    sources_yml = MODELS_DIR / "staging" / system / f"_{system}__sources.yml"
    assert sources_yml.is_file(), f"{system}: no {sources_yml.relative_to(MODELS_DIR.parent)} declaring its raw streams"


def test_every_dbt_adapter_folder_belongs_to_a_catalog_system() -> None:
    """A staging or adapters folder of a system the catalog does not know would never be selected."""
    for layer in ("staging", "adapters"):
        folders = {path.name for path in (MODELS_DIR / layer).iterdir() if path.is_dir()}
        assert folders == set(SYSTEMS), f"include/dbt/models/{layer}/: {sorted(folders)} != catalog {SYSTEMS}"


def test_the_systems_with_subscriptions_are_those_with_a_subscriptions_adapter() -> None:
    """has_subscriptions (the subscriptions mart is built) matches the dbt adapters that feed it."""
    with_adapter = {
        system for system in SYSTEMS if (MODELS_DIR / "adapters" / system / f"{system}__subscriptions.sql").is_file()
    }
    assert with_adapter == SUBSCRIPTION_SYSTEMS, (
        f"adapters {sorted(with_adapter)} != catalog {sorted(SUBSCRIPTION_SYSTEMS)}"
    )
