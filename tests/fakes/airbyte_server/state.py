"""The fake Airbyte server's state store: the resources the API created, the jobs, the issued tokens and the
scripts waiting for the next jobs. Routes read and change it under the app's lock."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.airbyte_server.models import DEFAULT_SCRIPT, HttpError, Job, JobScript


@dataclass
class ServerState:
    """Everything the fake remembers between requests; `base_url` is where clients reach it (for `next` links)."""

    clock: Callable[[], float] = time.time
    base_url: str = "http://airbyte.fake"
    workspaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[int, Job] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (clock seconds)
    scripts: list[JobScript] = field(default_factory=list)
    job_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def actors(self, kind: str) -> dict[str, dict[str, Any]]:
        """The sources or the destinations (kind is the API's plural)."""
        return self.sources if kind == "sources" else self.destinations

    def next_script(self) -> JobScript:
        """The script queued by `script_next_job`, else pending → running → succeeded."""
        return self.scripts.pop(0) if self.scripts else JobScript(DEFAULT_SCRIPT)

    def find_job(self, job_id: str) -> Job:
        job = self.jobs.get(int(job_id))
        if job is None:
            raise HttpError(404, "not-found", f"job {job_id} not found")
        return job


def find(store: dict[str, dict[str, Any]], item_id: str, what: str) -> dict[str, Any]:
    """The item of a store by id, or the API's 404 naming what was missing."""
    item = store.get(item_id)
    if item is None:
        raise HttpError(404, "not-found", f"{what} {item_id} not found")
    return item
