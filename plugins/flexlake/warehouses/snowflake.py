"""Snowflake: the tenant's schemas in a database of the provider's account, its own warehouse sized by tier.

The tenant's Airflow connection is a `snowflake` connection, read by the provider's SnowflakeHook (provisioning,
row counts, freshness) and by Cosmos's Snowflake mappings (dbt): login; extras `account`, optionally `role`,
`warehouse`, `host`/`port`. Authentication follows the connection: a private key (`private_key_content`, base64 or
PEM, or `private_key_file`) selects key-pair, the password then being the key's passphrase if it is encrypted;
without a key the password signs in (Snowflake is retiring that for service users: docs/warehouses.md). dbt runs as
the tenant's transformer role on the tenant's warehouse (both created by provisioning), so its compute is billed and
suspended on its own.
"""

import base64
import dataclasses
import json
from functools import cached_property
from typing import Any

from cosmos.profiles.snowflake.base import SnowflakeBaseProfileMapping
from cosmos.profiles.snowflake.user_encrypted_privatekey_env_variable import (
    SnowflakeEncryptedPrivateKeyPemProfileMapping,
)
from cosmos.profiles.snowflake.user_encrypted_privatekey_file import SnowflakeEncryptedPrivateKeyFilePemProfileMapping
from cosmos.profiles.snowflake.user_pass import SnowflakeUserPasswordProfileMapping
from cosmos.profiles.snowflake.user_privatekey import SnowflakePrivateKeyPemProfileMapping
from cosmos.profiles.snowflake.user_privatekey_file import SnowflakePrivateKeyFilePemProfileMapping

from flexlake.raw_destination import ServerDestination
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import tenant_schema_names
from flexlake.warehouses.dbapi_warehouse import DbApiWarehouse
from flexlake.warehouses.provisioning import ProvisioningPlan
from flexlake.warehouses.reader_credentials import IssuedReaderCredentials, ReaderConnection
from flexlake.warehouses.sizing import sizing_for
from flexlake.warehouses.snowflake_provisioning import snowflake_plan, snowflake_warehouse_name


class SnowflakeWarehouse(DbApiWarehouse):
    type = "snowflake"

    def profile_mapping(self, tenant: TenantConfig, profile_args: dict[str, Any]) -> Any:
        return SnowflakeConnectionAuthProfileMapping(
            conn_id=self.config(tenant).connection_id,
            profile_args={
                **profile_args,
                "database": self.config(tenant).database.upper(),
                "warehouse": snowflake_warehouse_name(tenant.tenant_id),
                "role": transformer_role(tenant),
            },
        )

    def dbt_vars(self, tenant: TenantConfig) -> dict[str, Any]:
        """The server warehouse's vars, and for revenue marts kept as dynamic tables the materialization and the
        tier's target lag (include/dbt/macros/dynamic_tables.sql reads them)."""
        dbt_vars = super().dbt_vars(tenant)
        if self.config(tenant).revenue_marts == "dynamic_table":
            dbt_vars["flexlake_revenue_marts"] = "dynamic_table"
            dbt_vars["flexlake_dynamic_table_target_lag"] = sizing_for(tenant.tier).snowflake_dynamic_table_target_lag
        return dbt_vars

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        config = self.config(tenant)
        return snowflake_plan(
            tenant.tenant_id,
            config.database,
            tenant_schema_names(tenant),
            self.marts_schema(tenant),
            sizing=sizing_for(tenant.tier),
            reader_access=config.reader_access,
            dynamic_tables=config.revenue_marts == "dynamic_table",
        )

    def location_from(self, tenant: TenantConfig, source_name: str, connection: Any) -> ServerDestination:
        """Airbyte's Snowflake destination loads with the transformer role on the tenant's warehouse."""
        extras = connection.extra_dejson
        if uses_key_pair(extras):
            raise ValueError(
                f"connection {connection.conn_id!r} signs in with a private key, and the raw destination of source "
                f"{source_name!r} (tenant {tenant.tenant_id}) takes a password only: load it with the embedded "
                "engine (sources[].engine: dlt or pyairbyte), or give Airbyte a password connection of its own"
            )
        location = super().location_from(tenant, source_name, connection)
        return dataclasses.replace(
            location,
            database=location.database.upper(),
            account=extras.get("account"),
            warehouse=snowflake_warehouse_name(tenant.tenant_id),
            role=transformer_role(tenant),
        )

    def connect(self, tenant: TenantConfig, airflow_connection: Any) -> Any:
        """Through the provider's hook: account, role, warehouse, host/port and the private key (or password) as
        SnowflakeHook reads them from the connection; the tenant's database; autocommit (dbapi_warehouse.py)."""
        from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook  # noqa: PLC0415 - only when a task runs

        hook = SnowflakeHook(
            snowflake_conn_id=airflow_connection.conn_id, database=self.config(tenant).database.upper()
        )
        connection = hook.get_conn()
        hook.set_autocommit(connection, True)
        return connection

    def issue_reader_credentials(self, tenant: TenantConfig, password: str) -> IssuedReaderCredentials:
        """The `role` reader signs in with a key pair: a new RSA key whose public half the plan's credential
        statement binds, the private key (encrypted with the generated password as its passphrase) kept in the
        reader's connection, where SnowflakeHook reads it. A `reader_account` tenant's password is the managed
        account's admin password: kept as it is."""
        if self.config(tenant).reader_access != "role":
            return super().issue_reader_credentials(tenant, password)
        return key_pair_credentials(password)

    def reader_connection(
        self, tenant: TenantConfig, admin: Any, plan: ProvisioningPlan, issued: IssuedReaderCredentials
    ) -> Any:
        extras = admin.extra_dejson
        reader_extras = {
            "account": extras.get("account"),
            "database": self.config(tenant).database.upper(),
            "warehouse": snowflake_warehouse_name(tenant.tenant_id),
            "role": plan.reader_role,
            **{key: extras[key] for key in ("host", "port", "protocol") if extras.get(key)},
            **issued.extra,
        }
        assert plan.reader_connection_id and plan.reader_role
        return ReaderConnection(
            conn_id=plan.reader_connection_id,
            conn_type="snowflake",
            host=None,
            port=None,
            login=plan.reader_role,
            schema=self.marts_schema(tenant).upper(),
            password=issued.password,
            description=f"flexlake: read-only access to {self.marts_schema(tenant).upper()}",
            extra=json.dumps(reader_extras),
        )


def key_pair_credentials(passphrase: str) -> IssuedReaderCredentials:
    """A 2048-bit RSA key: its public key as Snowflake's RSA_PUBLIC_KEY takes it (the PEM body without its header
    lines), its private key as PKCS#8 PEM encrypted with `passphrase`, base64-encoded for `private_key_content`."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - only when credentials are issued
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_body = "".join(line for line in public_pem.decode().splitlines() if not line.startswith("-----"))
    return IssuedReaderCredentials(
        bound=public_body,
        password=passphrase,
        extra={"private_key_content": base64.b64encode(private_pem).decode()},
    )


def transformer_role(tenant: TenantConfig) -> str:
    """The role dbt and Airbyte work as (created by provisioning, see snowflake_provisioning.py)."""
    return f"{tenant.tenant_id}_transformer".upper()


def uses_key_pair(extras: dict[str, Any]) -> bool:
    """Whether a Snowflake connection's extras hold a private key (SnowflakeHook's two fields, short or long name)."""
    names = ("private_key_content", "private_key_file")
    return any(extras.get(name) or extras.get(f"extra__snowflake__{name}") for name in names)


class SnowflakeConnectionAuthProfileMapping(SnowflakeBaseProfileMapping):  # type: ignore[misc]  # Cosmos is untyped
    """Cosmos's Snowflake mapping that fits the connection, chosen when the task reads it (never at parse time:
    connections may live in a secrets backend): key-pair from `private_key_content` or `private_key_file`, encrypted
    when the connection has a password (the passphrase, as SnowflakeHook reads it), else user and password. dbt then
    gets the same credentials the hook uses; the secrets stay Cosmos's environment variables."""

    airflow_connection_type: str = "snowflake"
    dbt_profile_type: str = "snowflake"
    # What every method needs; the chosen mapping adds its secret (mock profiles use these only).
    required_fields = ["account", "user", "database", "warehouse", "schema"]
    airflow_param_mapping = SnowflakeUserPasswordProfileMapping.airflow_param_mapping

    @cached_property
    def chosen(self) -> SnowflakeBaseProfileMapping:
        """The Cosmos mapping for the connection's authentication."""
        extras = self.conn.extra_dejson
        encrypted = bool(self.conn.password)
        mapping: type[SnowflakeBaseProfileMapping]
        if extras.get("private_key_file") or extras.get("extra__snowflake__private_key_file"):
            mapping = (
                SnowflakeEncryptedPrivateKeyFilePemProfileMapping
                if encrypted
                else SnowflakePrivateKeyFilePemProfileMapping
            )
        elif uses_key_pair(extras):
            mapping = (
                SnowflakeEncryptedPrivateKeyPemProfileMapping if encrypted else SnowflakePrivateKeyPemProfileMapping
            )
        else:
            mapping = SnowflakeUserPasswordProfileMapping
        return mapping(self.conn_id, self.profile_args, self.disable_event_tracking, self.dbt_config_vars)

    def can_claim_connection(self) -> bool:
        return bool(self.chosen.can_claim_connection())

    @property
    def profile(self) -> dict[str, Any | None]:
        profile: dict[str, Any | None] = self.chosen.profile
        return profile

    @property
    def env_vars(self) -> dict[str, str]:
        env_vars: dict[str, str] = self.chosen.env_vars
        return env_vars
