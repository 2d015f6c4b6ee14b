"""Where an Airbyte server is and how to log in, read from an Airflow connection.

The connection format is the one of apache-airflow-providers-airbyte, so users' existing connections work:
host = API root (`https://api.airbyte.com/v1`, `http://HOST:8000/api/public/v1`), login / password =
client id / secret, schema = token URL relative to the host (default `v1/applications/token`), extras
`timeout`.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from flexlake.ingestion.base import IngestionError

DEFAULT_TOKEN_URL = "v1/applications/token"


@dataclass(frozen=True)
class ServerSettings:
    """How to reach one Airbyte server. Built from an Airflow connection; the secret stays out of repr."""

    api_root: str
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_url: str = DEFAULT_TOKEN_URL
    timeout_seconds: float = 60.0

    @property
    def token_endpoint(self) -> str:
        # Same join as the provider: relative to the API root without its last segment.
        return urljoin(self.api_root.rstrip("/"), self.token_url)

    @property
    def config_api_root(self) -> str | None:
        """Self-hosted OSS only: the internal Config API beside the public one (job failure reasons)."""
        root = self.api_root.rstrip("/")
        return root.removesuffix("/public/v1") + "/v1" if root.endswith("/api/public/v1") else None


def server_settings_from_airflow(connection_id: str) -> ServerSettings:
    """Read the Airbyte server's Airflow connection (provider-compatible format). Task time only."""
    from airflow.sdk import BaseHook  # noqa: PLC0415 - Airflow only where a task runs

    connection = BaseHook.get_connection(connection_id)
    return server_settings_from_fields(
        host=connection.host,
        login=connection.login,
        password=connection.password,
        schema=connection.schema,
        extra=connection.extra_dejson,
        connection_id=connection_id,
    )


def server_settings_from_fields(
    *, host: str | None, login: str | None, password: str | None, schema: str | None, extra: Any, connection_id: str
) -> ServerSettings:
    if not host or not host.startswith(("http://", "https://")):
        raise IngestionError(
            f"Airflow connection {connection_id!r}: host must be the Airbyte API root URL, e.g. "
            "https://api.airbyte.com/v1 or http://HOST:8000/api/public/v1"
        )
    timeout = float(extra.get("timeout") or 60.0) if isinstance(extra, dict) else 60.0
    return ServerSettings(
        api_root=host.rstrip("/"),
        client_id=login or None,
        client_secret=password or None,
        token_url=schema or DEFAULT_TOKEN_URL,
        timeout_seconds=timeout,
    )
