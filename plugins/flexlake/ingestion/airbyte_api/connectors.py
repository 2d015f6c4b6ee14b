"""Tenant config → the SDK's typed connector models (never a bare dict: the SDK coerces a dict without
`sourceType` into whichever connector model happens to fit first).

A source system of the catalog (tenant_config/source_systems.py) maps to one Airbyte connector through
`_SOURCE_BUILDERS`; Shopify and Stripe read their
secret from the password of the source's Airflow connection (`credentials_connection_id`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from airbyte_api import models

from flexlake.ingestion.base import IngestionError
from flexlake.raw_destination import DuckDBDestination, PostgresDestination, RawDestination, ServerDestination
from flexlake.tenant_config.schema import FakerSource, ShopifySource, SourceConfig, StripeSource
from flexlake.tenant_config.source_systems import SOURCE_SYSTEM_CATALOG

MASK = "**********"
# Configuration keys that hold secrets, across the connectors we build. Masked by Airbyte in responses,
# masked by us in plans and logs, and ignored when comparing configurations.
SECRET_KEYS = frozenset(
    {"password", "client_secret", "api_key", "access_token", "api_password", "motherduck_api_key", "secret_key"}
)


@dataclass(frozen=True)
class SourceCredentials:
    """The source system's Airflow connection, read at task time. Secrets excluded from repr."""

    login: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)


SourceBuilder = Callable[[Any, SourceCredentials | None], models.SourceConfiguration]


def _faker(source: FakerSource, _credentials: SourceCredentials | None) -> models.SourceConfiguration:
    options = source.options
    return models.SourceFaker(
        count=options.count,
        seed=options.seed,
        records_per_slice=options.records_per_slice,
        parallelism=options.parallelism,
    )


def _shopify(source: ShopifySource, credentials: SourceCredentials | None) -> models.SourceConfiguration:
    """The store's Admin API access token is the connection's password (auth method api_password)."""
    return models.SourceShopify(
        shop=source.shop,
        credentials=models.APIPassword(api_password=_secret(source, credentials)),
        start_date=source.start_date,
    )


def _stripe(source: StripeSource, credentials: SourceCredentials | None) -> models.SourceConfiguration:
    """The account's secret key (sk_...) is the connection's password."""
    return models.SourceStripe(
        account_id=source.account_id,
        client_secret=_secret(source, credentials),
        start_date=datetime.combine(source.start_date, time.min, tzinfo=UTC),
    )


def _secret(source: SourceConfig, credentials: SourceCredentials | None) -> str:
    if credentials is None or not credentials.password:
        raise IngestionError(
            f"source {source.name!r}: the Airflow connection {source.credentials_connection_id!r} has no password; "
            f"put the {source.system} secret (API access token / secret key) in its password field"
        )
    return credentials.password


# One builder per system of the catalog (tenant_config/source_systems.py) that an Airbyte server runs; its test
# fails when a system lacks one.
_SOURCE_BUILDERS: dict[str, SourceBuilder] = {
    "faker": _faker,
    "shopify": _shopify,
    "stripe": _stripe,
}
_NEEDS_CREDENTIALS = frozenset(name for name, system in SOURCE_SYSTEM_CATALOG.items() if system.needs_credentials)


def source_configuration(source: SourceConfig, credentials: SourceCredentials | None) -> models.SourceConfiguration:
    """The typed configuration of the source's Airbyte connector; a clear error for unsupported systems."""
    builder = _SOURCE_BUILDERS.get(source.system)
    if builder is None:
        known = ", ".join(sorted(_SOURCE_BUILDERS))
        raise IngestionError(
            f"source {source.name!r}: system {source.system!r} has no Airbyte connector mapping; supported: {known}"
        )
    if source.system in _NEEDS_CREDENTIALS and credentials is None:
        raise IngestionError(
            f"source {source.name!r}: system {source.system!r} needs credentials_connection_id "
            "(an Airflow connection holding its credentials)"
        )
    return builder(source, credentials)


def destination_configuration(destination: RawDestination) -> models.DestinationConfiguration:
    """Airbyte's destination for one raw schema: DuckDB file + schema, or PostgreSQL schema.

    A DuckDB path must be one the Airbyte server can write (self-hosted Airbyte mounts `/local`).
    """
    if isinstance(destination, DuckDBDestination):
        return models.DestinationDuckdb(destination_path=str(destination.path), schema_=destination.schema)
    if isinstance(destination, PostgresDestination):
        return models.DestinationPostgres(
            host=destination.host,
            port=destination.port,
            database=destination.database,
            username=destination.user,
            password=destination.password or None,
            schema_=destination.schema,
        )
    if isinstance(destination, ServerDestination):
        return _server_destination(destination)
    raise IngestionError(f"the Airbyte engine cannot write to a {type(destination).__name__}")


def _server_destination(destination: ServerDestination) -> models.DestinationConfiguration:
    """Airbyte's typed destination models for the other warehouses (insert loading: no stage to configure)."""
    if destination.warehouse_type == "snowflake":
        return models.DestinationSnowflake(
            host=f"{destination.account}.snowflakecomputing.com",
            database=destination.database,
            schema_=destination.schema,
            warehouse=destination.warehouse or "",
            role=destination.role or "",
            username=destination.user,
            credentials=models.DestinationSnowflakeUsernameAndPassword(password=destination.password),
        )
    if destination.warehouse_type == "redshift":
        return models.DestinationRedshift(
            host=destination.host,
            port=destination.port or 5439,
            database=destination.database,
            schema_=destination.schema,
            username=destination.user,
            password=destination.password,
        )
    if destination.warehouse_type == "sqlserver":
        return models.DestinationMssql(
            host=destination.host,
            port=destination.port or 1433,
            database=destination.database,
            schema_=destination.schema,
            user=destination.user,
            password=destination.password,
            load_type=models.DestinationMssqlInsertLoad(),
            ssl_method=models.DestinationMssqlEncryptedVerifyCertificate(),
        )
    raise IngestionError(f"no Airbyte destination for warehouse type {destination.warehouse_type!r}")


def comparable(configuration: Any) -> Any:
    """A configuration as JSON, without secrets (masked or not): what provisioning compares and shows."""
    data = (
        configuration.model_dump(by_alias=True, mode="json") if hasattr(configuration, "model_dump") else configuration
    )
    return _strip_secrets(data)


def _strip_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip_secrets(item)
            for key, item in value.items()
            if key not in SECRET_KEYS and item != MASK and item is not None
        }
    if isinstance(value, list):
        return [_strip_secrets(item) for item in value]
    return value


def masked(configuration: Any) -> Any:
    """A configuration as JSON with every secret replaced by the mask: safe for plans and logs."""
    data = (
        configuration.model_dump(by_alias=True, mode="json") if hasattr(configuration, "model_dump") else configuration
    )
    return _mask(data)


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: MASK if key in SECRET_KEYS and item else _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value
