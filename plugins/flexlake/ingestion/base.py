"""The interface every ingestion engine implements, and the values it exchanges with the DAG factory.

An engine moves the raw data of one tenant source into one destination schema and reports what it
moved. The destination is a flexlake.raw_destination value, exactly as the tenant's warehouse built it. The
DAG factory only knows `IngestionEngine.sync(SyncRequest) -> SyncResult`; which engine runs (embedded
PyAirbyte, dlt or an Airbyte server) is the source config's `engine` field.
"""

from dataclasses import dataclass
from typing import Protocol

from flexlake.raw_destination import RawDestination
from flexlake.tenant_config.schema import AirbyteServerOptions, SourceConfig


@dataclass(frozen=True)
class SyncRequest:
    """One source to sync into one raw schema. `server`: the tenant's `airbyte:` block (engine `airbyte` only)."""

    tenant_id: str
    source: SourceConfig
    destination: RawDestination
    server: AirbyteServerOptions | None = None


@dataclass(frozen=True)
class StreamStats:
    """Records of one stream moved by one sync (read from the source in this run)."""

    stream: str
    records: int


@dataclass(frozen=True)
class SyncResult:
    source_name: str
    engine: str
    streams: tuple[StreamStats, ...]
    duration_seconds: float

    @property
    def total_records(self) -> int:
        return sum(stats.records for stats in self.streams)

    def to_dict(self) -> dict[str, object]:
        """A JSON-able summary, for XCom and the catalog summary."""
        return {
            "source_name": self.source_name,
            "engine": self.engine,
            "streams": [{"stream": stats.stream, "records": stats.records} for stats in self.streams],
            "total_records": self.total_records,
            "duration_seconds": round(self.duration_seconds, 3),
        }


class IngestionEngine(Protocol):
    name: str

    def sync(self, request: SyncRequest) -> SyncResult: ...


class IngestionError(RuntimeError):
    """A sync failed; the message carries the connector's own error text, so the Airflow task shows it."""
