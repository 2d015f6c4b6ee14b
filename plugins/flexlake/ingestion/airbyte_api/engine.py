"""The registry's entry for `engine: airbyte`, light to import: the SDK loads only when a sync runs."""

from flexlake.ingestion.base import SyncRequest, SyncResult


class AirbyteServerEngine:
    """Syncs through an Airbyte server's public API (blocking wait; the tenant DAG defers instead)."""

    name: str = "airbyte"

    def sync(self, request: SyncRequest) -> SyncResult:
        from flexlake.ingestion.airbyte_api.sync import run_blocking_sync  # noqa: PLC0415 - keep parsing cheap

        return run_blocking_sync(request, self.name)
