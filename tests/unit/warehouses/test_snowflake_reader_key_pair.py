"""The Snowflake reader signs in with a key pair (issue 18 item 5): the plan, the issued key and the stored connection.

On fakesnow, tests/integration/test_snowflake_provisioning.py signs in with such a connection through SnowflakeHook
(the SQL console's path). That Snowflake accepts `TYPE = SERVICE`, `UNSET PASSWORD` and the key needs an account.
"""

import base64
import json
from types import SimpleNamespace

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.provisioning import render_sql
from flexlake.warehouses.snowflake import SnowflakeWarehouse, key_pair_credentials

PASSPHRASE = "Generated-pass-phrase-1"


def _tenant(reader_access: str = "role") -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "enterprise",
            "warehouse": {
                "type": "snowflake",
                "connection_id": "sf_admin",
                "database": "analytics",
                "reader_access": reader_access,
            },
            "sources": [{"name": "shop", "system": "faker", "engine": "airbyte"}],
            "airbyte": {"connection_id": "airbyte"},
        }
    )


def test_the_reader_user_is_a_service_user_created_without_a_password() -> None:
    """CREATE USER names no password and no placeholder: nothing secret is bound into it."""
    plan = SnowflakeWarehouse().provisioning_plan(_tenant())
    (create,) = [s for s in plan.statements if render_sql(s.query).startswith("CREATE USER")]
    text = render_sql(create.query)
    assert "TYPE = SERVICE" in text and "PASSWORD" not in text and not create.uses_password, text


def test_issuing_credentials_binds_the_public_key_and_drops_any_old_password() -> None:
    """The credential statements set the bound public key, unset a password of an older reader, make it SERVICE."""
    plan = SnowflakeWarehouse().provisioning_plan(_tenant())
    issued = SnowflakeWarehouse().issue_reader_credentials(_tenant(), PASSPHRASE)
    texts = [render_sql(s.query, password=issued.bound) for s in plan.credential_statements]
    assert texts == [
        f"ALTER USER \"ACME_READER\" SET RSA_PUBLIC_KEY = '{issued.bound}'",
        'ALTER USER "ACME_READER" UNSET PASSWORD',
        'ALTER USER "ACME_READER" SET TYPE = SERVICE',
    ]
    assert "********" in plan.describe() and issued.bound not in plan.describe()


def test_the_bound_public_key_is_the_stored_private_keys_and_needs_the_passphrase() -> None:
    """The connection keeps the private key encrypted with the passphrase (its password); the SQL gets its public
    half as Snowflake takes it (the PEM body, no header lines)."""
    issued = key_pair_credentials(PASSPHRASE)
    pem = base64.b64decode(issued.extra["private_key_content"])
    assert b"ENCRYPTED PRIVATE KEY" in pem
    key = serialization.load_pem_private_key(pem, password=PASSPHRASE.encode())
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert base64.b64decode(issued.bound) == public
    assert issued.password == PASSPHRASE
    assert PASSPHRASE not in repr(issued) and issued.bound not in repr(issued)


def test_the_reader_connection_holds_the_key_the_role_and_the_marts() -> None:
    """What `flexlake provision` stores as flexlake_reader__acme: SnowflakeHook's key-pair fields, the reader role,
    the tenant's warehouse and database, the marts schema; the admin connection's secrets are not copied."""
    tenant = _tenant()
    warehouse = SnowflakeWarehouse()
    plan = warehouse.provisioning_plan(tenant)
    admin_extra = {"account": "xy12345", "role": "SYSADMIN", "private_key_content": "ADMIN-KEY"}
    admin = SimpleNamespace(extra_dejson=admin_extra)
    issued = warehouse.issue_reader_credentials(tenant, PASSPHRASE)
    connection = warehouse.reader_connection(tenant, admin, plan, issued)
    extra = json.loads(connection.extra)
    assert (connection.conn_id, connection.login, connection.schema) == (
        "flexlake_reader__acme",
        "ACME_READER",
        "ACME_MARTS",
    )
    assert extra["private_key_content"] == issued.extra["private_key_content"] != "ADMIN-KEY"
    assert (extra["account"], extra["role"], extra["warehouse"], extra["database"]) == (
        "xy12345",
        "ACME_READER",
        "ACME_WH",
        "ANALYTICS",
    )
    assert connection.password == PASSPHRASE and PASSPHRASE not in repr(connection)


def test_a_managed_reader_account_keeps_its_admin_password() -> None:
    """reader_access: reader_account: the generated password is the managed account's admin password, bound as is."""
    issued = SnowflakeWarehouse().issue_reader_credentials(_tenant("reader_account"), PASSPHRASE)
    assert (issued.bound, issued.password, issued.extra) == (PASSPHRASE, PASSPHRASE, {})
