"""Ingestion engines: move a tenant source's raw data into its raw schema.

Adding an engine (e.g. the Airbyte server API) = one new module implementing `IngestionEngine` plus one
line in `_ENGINES`.
"""

from flexlake.ingestion.airbyte_api.engine import AirbyteServerEngine
from flexlake.ingestion.base import (
    DuckDBDestination,
    IngestionEngine,
    IngestionError,
    PostgresDestination,
    RawDestination,
    StreamStats,
    SyncRequest,
    SyncResult,
)
from flexlake.ingestion.embedded_dlt import EmbeddedDltEngine
from flexlake.ingestion.embedded_pyairbyte import EmbeddedPyAirbyteEngine

__all__ = [
    "DuckDBDestination",
    "IngestionEngine",
    "IngestionError",
    "PostgresDestination",
    "RawDestination",
    "StreamStats",
    "SyncRequest",
    "SyncResult",
    "get_engine",
]

_ENGINES: dict[str, IngestionEngine] = {
    "embedded": EmbeddedPyAirbyteEngine(),
    "airbyte": AirbyteServerEngine(),
    "dlt": EmbeddedDltEngine(),
}


def get_engine(name: str) -> IngestionEngine:
    """The engine registered under `name` (a source config's `engine` field)."""
    try:
        return _ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(_ENGINES))
        raise LookupError(f"Unknown ingestion engine {name!r}; known engines: {known}.") from None
