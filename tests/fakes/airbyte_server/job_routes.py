"""Routes of sync jobs: create (409 on a busy connection), poll (one scripted status per poll), cancel, list, and
the OSS Config API's job details (failure reason and per-stream stats). A job reaching `succeeded` writes its
connection's streams into the destination (destination_writes); a write error fails the job, as on a server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.fakes.airbyte_server.destination_writes import write_job_tables
from tests.fakes.airbyte_server.models import IN_PROGRESS, HttpError, Job, JobScript, RouteSpec
from tests.fakes.airbyte_server.state import ServerState, find
from tests.fakes.airbyte_server.wire import iso, page, require

Answer = tuple[int, Any, str | None]


class JobRoutes:
    """The jobs endpoints over one state store; `write_tables=False` leaves destinations untouched."""

    def __init__(self, state: ServerState, *, write_tables: bool) -> None:
        self.state = state
        self.write_tables = write_tables

    def table(self) -> list[RouteSpec]:
        return [
            ("GET", "/jobs", self._list_jobs),
            ("POST", "/jobs", self._create_job),
            ("GET", "/jobs/(?P<id>\\d+)", self._get_job),
            ("DELETE", "/jobs/(?P<id>\\d+)", self._cancel_job),
        ]

    def _create_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        connection = find(self.state.connections, require(body, "connectionId"), "connection")
        busy = [job for job in self.state.jobs.values() if job.connection_id == connection["connectionId"]]
        if any(job.status in IN_PROGRESS for job in busy):
            raise HttpError(409, "conflict", f"A sync is already running for connection {connection['connectionId']}.")
        script = self.state.next_script()
        now = self.state.clock()
        job = Job(
            job_id=next(self.state.job_ids),
            connection_id=connection["connectionId"],
            job_type=str(body.get("jobType") or "sync"),
            script=script,
            started_at=now,
            status=script.steps[0],
            updated_at=now,
        )
        self.state.jobs[job.job_id] = job
        self._on_status(job)
        return 200, _job_json(job), "JobResponse"

    def _get_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        job = self.state.find_job(params["id"])
        job.polls += 1
        if job.status in IN_PROGRESS and job.step + 1 < len(job.script.steps):
            job.step += 1
            job.status = job.script.steps[job.step]
            job.updated_at = self.state.clock()
            self._on_status(job)
        return 200, _job_json(job), "JobResponse"

    def _cancel_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        job = self.state.find_job(params["id"])
        if job.status not in IN_PROGRESS:
            raise HttpError(409, "conflict", f"job {job.job_id} is already {job.status}")
        job.status, job.updated_at = "cancelled", self.state.clock()
        return 200, _job_json(job), "JobResponse"

    def _list_jobs(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        query = parse_qs(request.url.query.decode())
        jobs = list(self.state.jobs.values())
        if "connectionId" in query:
            jobs = [job for job in jobs if job.connection_id == query["connectionId"][0]]
        if "status" in query:
            jobs = [job for job in jobs if job.status == query["status"][0]]
        if "jobType" in query:
            jobs = [job for job in jobs if job.job_type == query["jobType"][0]]
        descending = query.get("orderBy", ["createdAt|DESC"])[0].endswith("DESC")
        jobs.sort(key=lambda job: job.job_id, reverse=descending)
        return 200, page(request, [_job_json(job) for job in jobs], self.state.base_url), "JobsResponse"

    def config_api_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        """`POST /api/v1/jobs/get` (OSS Config API): a minimal subset, not validated against any model."""
        job = self.state.find_job(str(require(body, "id")))
        failures = (
            [{"failureOrigin": "source", "externalMessage": job.script.failure_reason}]
            if job.status == "failed" and job.script.failure_reason
            else []
        )
        attempt = {
            "id": 0,
            "status": job.status,
            "streamStats": [
                {"streamName": name, "stats": {"recordsCommitted": rows}} for name, rows in job.stream_stats.items()
            ],
            "failureSummary": {"failures": failures} if failures else None,
        }
        return 200, {"job": {"id": job.job_id, "status": job.status}, "attempts": [{"attempt": attempt}]}, None

    def _on_status(self, job: Job) -> None:
        if job.status != "succeeded" or not self.write_tables:
            return
        try:
            write_job_tables(self.state, job)
        except Exception as error:  # a destination error fails the job, as on a real server
            job.status = "failed"
            job.script = JobScript(job.script.steps, failure_reason=f"Destination write failed: {error}")


def _job_json(job: Job) -> dict[str, Any]:
    seconds = max(0, int(job.updated_at - job.started_at))
    payload: dict[str, Any] = {
        "jobId": job.job_id,
        "status": job.status,
        "jobType": job.job_type,
        "connectionId": job.connection_id,
        "startTime": iso(job.started_at),
        "lastUpdatedAt": iso(job.updated_at),
        "duration": f"PT{seconds}S",
    }
    if job.status == "succeeded":
        payload["rowsSynced"], payload["bytesSynced"] = job.rows, job.bytes
    return payload
