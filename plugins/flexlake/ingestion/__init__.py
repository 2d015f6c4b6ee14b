"""Ingestion engines: move a tenant source's raw data into its raw schema.

Adding an engine (e.g. the Airbyte server API) = one new module implementing `IngestionEngine` plus one
line in `_ENGINES`.
"""

from flexlake.ingestion.airbyte_api.engine import AirbyteServerEngine
from flexlake.ingestion.base import IngestionEngine, IngestionError, StreamStats, SyncRequest, SyncResult
from flexlake.ingestion.embedded_dlt import EmbeddedDltEngine
from flexlake.ingestion.embedded_pyairbyte import EmbeddedPyAirbyteEngine

# The destinations are flexlake.raw_destination's (the warehouses build them); re-exported for engine callers.
from flexlake.raw_destination import DuckDBDestination, PostgresDestination, RawDestination

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
