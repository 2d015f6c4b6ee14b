"""Snowflake key-pair authentication for dbt: the Cosmos mapping follows what the tenant's connection holds.

A connection with a private key (`private_key_content`, base64 as the provider writes it or PEM;
`private_key_file`) renders dbt's key-pair profile, encrypted when the connection has a password (the passphrase);
without a key, user and password. The key reaches dbt as an environment variable only, never in profiles.yml, and
the mapping's repr does not show it. What SnowflakeHook sends to the driver is tested on fakesnow
(tests/integration/test_snowflake_provisioning.py).
"""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse

PASSPHRASE = "pass-phrase-9"


def _pem(passphrase: str | None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def _tenant() -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "starter",
            "warehouse": {"type": "snowflake", "connection_id": "acme_sf", "database": "analytics"},
            "sources": [{"name": "shop", "system": "faker", "engine": "airbyte"}],
            "airbyte": {"connection_id": "airbyte_cloud"},
        }
    )


def _connection(monkeypatch: pytest.MonkeyPatch, password: str | None, **extra: str) -> None:
    value = {"conn_type": "snowflake", "login": "SVC_ACME", "extra": {"account": "xy12345", **extra}}
    if password:
        value["password"] = password
    monkeypatch.setenv("AIRFLOW_CONN_ACME_SF", json.dumps(value))


def _mapping() -> Any:
    return get_warehouse("snowflake").profile_config(_tenant()).profile_mapping


@pytest.mark.parametrize("encoding", ["base64", "pem"])
@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_a_private_key_in_the_connection_selects_dbts_key_pair_profile(
    monkeypatch: pytest.MonkeyPatch, encoding: str, passphrase: str | None
) -> None:
    pem = _pem(passphrase)
    content = base64.b64encode(pem.encode()).decode() if encoding == "base64" else pem
    _connection(monkeypatch, passphrase, private_key_content=content)
    mapping = _mapping()
    profile = mapping.profile
    assert "password" not in profile, profile
    assert profile["private_key"] == "{{ env_var('COSMOS_CONN_SNOWFLAKE_PRIVATE_KEY') }}", profile
    assert ("private_key_passphrase" in profile) == bool(passphrase), profile
    assert mapping.env_vars["COSMOS_CONN_SNOWFLAKE_PRIVATE_KEY"] == pem  # Cosmos hands dbt the PEM text
    if passphrase:
        assert mapping.env_vars["COSMOS_CONN_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"] == passphrase
    assert {profile[key] for key in ("user", "account", "database", "role")} == {
        "SVC_ACME",
        "xy12345",
        "ANALYTICS",
        "ACME_TRANSFORMER",
    }
    _assert_no_secret(mapping, pem, passphrase)


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_a_private_key_file_selects_dbts_key_path_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, passphrase: str | None
) -> None:
    key_file = tmp_path / "rsa_key.p8"
    key_file.write_text(_pem(passphrase))
    _connection(monkeypatch, passphrase, private_key_file=str(key_file))
    mapping = _mapping()
    profile = mapping.profile
    assert profile["private_key_path"] == str(key_file), profile
    assert "password" not in profile and "private_key" not in profile, profile
    assert ("private_key_passphrase" in profile) == bool(passphrase), profile
    _assert_no_secret(mapping, key_file.read_text(), passphrase)


def test_without_a_key_the_password_signs_in(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "s3cret-pw")
    mapping = _mapping()
    assert mapping.profile["password"] == "{{ env_var('COSMOS_CONN_SNOWFLAKE_PASSWORD') }}"
    assert "private_key" not in mapping.profile
    _assert_no_secret(mapping, "s3cret-pw", None)


def test_airbytes_password_destination_refuses_a_key_pair_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The passphrase is not a password: a key-pair connection is not handed to Airbyte's destination as one."""
    pem = _pem(PASSPHRASE)
    _connection(monkeypatch, PASSPHRASE, private_key_content=pem)
    with pytest.raises(ValueError, match=r"acme_sf.*private key.*engine") as error:
        get_warehouse("snowflake").raw_location(_tenant(), "shop")
    _assert_text_free(str(error.value), pem, PASSPHRASE)


def _assert_no_secret(mapping: Any, secret: str, passphrase: str | None) -> None:
    """Neither profiles.yml nor the mapping's repr carries the key or the passphrase."""
    contents = mapping.get_profile_file_contents("flexlake", "snowflake")
    _assert_text_free(contents, secret, passphrase)
    _assert_text_free(repr(mapping) + repr(mapping.chosen), secret, passphrase)


def _assert_text_free(text: str, secret: str, passphrase: str | None) -> None:
    body = "".join(secret.strip().splitlines()[1:-1])[:40] or secret  # a line of the key, or the password
    assert body not in text.replace("\n", ""), text
    if passphrase:
        assert passphrase not in text, text
