"""A fake Airbyte server: the public API (v1) endpoints flexlake uses, in-process or on 127.0.0.1.

What it stands for
  The Airbyte public API as served by Airbyte Cloud (`https://api.airbyte.com/v1`) or self-hosted OSS
  (`http://HOST:8000/api/public/v1`), for the calls flexlake makes through the `airbyte-api` 1.0.1 SDK:
  `GET /health`; `POST /applications/token` (JSON or form body, bearer tokens with a short TTL that is
  enforced: an expired token gets 401); workspaces (list/get/create); tags (list/create); sources and
  destinations (create/list/get/patch/delete, secrets masked as `**********` in every response);
  connections (create/list/get/patch/delete, filter by workspace and tag); jobs (create/get/list/cancel).
  List calls paginate with `limit`/`offset` and a `next` URL; errors are `application/problem+json`.
  A sync on a connection that already has a job in progress gets 409.
  Each JSON response names the SDK model it claims to be (`exchanges`), and the contract tests parse
  every one with the SDK's own unmarshalling, so the fake cannot drift from airbyte-api 1.0.1's models.

  Jobs follow a script (`script_next_job`): one status per poll of `GET /jobs/{id}`, the last one sticks
  (so `("queued",)` is a job stuck in the queue). When a job reaches `succeeded` the fake writes
  Destinations-V2-shaped tables (`_airbyte_raw_id`, `_airbyte_extracted_at`, `_airbyte_meta`,
  `_airbyte_generation_id` + the stream's columns) for the connection's streams into the destination:
  a DuckDB file (`destination_path`, `schema`) or a PostgreSQL schema (host, port, database, username,
  password, schema). The rows are faker-like users / products / purchases generated deterministically
  from the source's `count` and `seed` (not byte-identical to source-faker's).

  Fault injection (`inject`): any status (429 with Retry-After, 5xx) on the next N matching requests.
  OSS only: `POST /api/v1/jobs/get` of the internal Config API, the one place Airbyte reports a failed
  job's reason and per-stream stats (its shape is a minimal subset, not validated against any model).

What it does not do
  Run connectors, check connections, discover schemas (a connection's streams are taken as given),
  OAuth flows, permissions/users/organizations, schedules (every connection is driven by its caller),
  incremental state, typing/deduping (final tables): only raw-ish V2 tables in the destination schema.
  Connector configurations are validated only by their `sourceType` / `destinationType` being known.
  Shopify and Stripe sources write the data product's generated streams (tests/generators: the real
  connectors' layouts and awkward cases, two append syncs' worth, seeded by the source's `seed` or else
  its shop / account id) for the connection's configured streams; other systems produce no rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import random
import re
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

API_ROOT = "/api/public/v1"
CONFIG_API_ROOT = "/api/v1"
MASK = "**********"
SECRET_KEYS = frozenset(
    {"password", "api_key", "access_token", "client_secret", "secret_key", "motherduck_api_key", "api_password"}
)
IN_PROGRESS = frozenset({"pending", "queued", "running", "incomplete"})
DEFAULT_SCRIPT = ("pending", "running", "succeeded")
KNOWN_SOURCE_TYPES = frozenset({"faker", "shopify", "stripe", "postgres"})
KNOWN_DESTINATION_TYPES = frozenset({"duckdb", "postgres"})
_GENERATED_SOURCES = frozenset({"shopify", "stripe"})
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100


@dataclass(frozen=True)
class Exchange:
    """One response the fake sent: the SDK model its JSON claims to be (None for non-JSON / errors)."""

    method: str
    path: str
    status: int
    body: str
    model: str | None


@dataclass
class _Fault:
    status: int
    times: int
    method: str | None
    path_pattern: re.Pattern[str] | None
    retry_after: float | None
    after_commit: bool = False


@dataclass
class _JobScript:
    steps: tuple[str, ...]
    failure_reason: str | None = None


@dataclass
class _Job:
    job_id: int
    connection_id: str
    job_type: str
    script: _JobScript
    started_at: float
    step: int = 0
    status: str = "pending"
    rows: int = 0
    bytes: int = 0
    updated_at: float = 0.0
    stream_stats: dict[str, int] = field(default_factory=dict)
    polls: int = 0


class _HttpError(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


Handler = Callable[[httpx.Request, dict[str, str], Any], tuple[int, Any, str | None]]


class FakeAirbyteServer:
    """State and routing of the fake; `transport()` for in-process clients, `serve()` for a real port."""

    def __init__(
        self,
        *,
        client_id: str = "flexlake-test-client",
        client_secret: str = "s3cret-client-value",
        token_ttl_seconds: float = 180.0,
        clock: Callable[[], float] = time.time,
        require_auth: bool = True,
        write_tables: bool = True,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.token_ttl_seconds = token_ttl_seconds
        self.clock = clock
        self.require_auth = require_auth
        self.write_tables = write_tables
        self.workspaces: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.destinations: dict[str, dict[str, Any]] = {}
        self.connections: dict[str, dict[str, Any]] = {}
        self.jobs: dict[int, _Job] = {}
        self.tokens: dict[str, float] = {}
        self.token_requests: list[str] = []  # "json" or "form", one per token issued
        self.exchanges: list[Exchange] = []
        self.requests: list[tuple[str, str]] = []
        self._faults: list[_Fault] = []
        self._scripts: list[_JobScript] = []
        self._job_ids = itertools.count(1)
        self._lock = threading.RLock()
        self._base_url = "http://airbyte.fake"
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = self._route_table()

    # --- scripting ----------------------------------------------------------------------------------

    def script_next_job(self, *steps: str, failure_reason: str | None = None) -> None:
        """The statuses the next created job reports, one per poll; the last one sticks."""
        self._scripts.append(_JobScript(steps=tuple(steps), failure_reason=failure_reason))

    def inject(
        self,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
        after_commit: bool = False,
    ) -> None:
        """Answer the next `times` requests matching method / path regex (under the API root) with `status`.

        after_commit: the request is carried out first, then answered with the error (a 502 from a proxy
        after the server committed a create).
        """
        pattern = re.compile(path) if path else None
        self._faults.append(_Fault(status, times, method, pattern, retry_after, after_commit))

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as if the TTL ran out mid-sync)."""
        with self._lock:
            for token in self.tokens:
                self.tokens[token] = self.clock() - 1

    # --- transports ---------------------------------------------------------------------------------

    def transport(self, base_url: str = "http://airbyte.fake") -> httpx.MockTransport:
        """An httpx transport for sync and async clients, in-process; API root: base_url + /api/public/v1."""
        self._base_url = base_url
        return httpx.MockTransport(self.handle)

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Listen on 127.0.0.1 (a free port) in a thread; yields the public API root URL."""
        fake = self

        class _RequestHandler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command,
                    f"{fake._base_url}{self.path}",
                    headers=dict(self.headers.items()),
                    content=body,
                )
                response = fake.handle(request)
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in {"content-length", "transfer-encoding"}:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _answer

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = ThreadingHTTPServer(("127.0.0.1", port), _RequestHandler)
        self._base_url = f"http://127.0.0.1:{port}"
        thread = threading.Thread(target=server.serve_forever, name="fake-airbyte", daemon=True)
        thread.start()
        try:
            yield f"{self._base_url}{API_ROOT}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # --- dispatch -----------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            path = request.url.path
            self.requests.append((request.method, path))
            try:
                fault = self._take_fault(request.method, path)
                if fault is not None and fault.after_commit:
                    handler, params = self._route(request.method, path)
                    handler(request, params, _body(request))
                if fault is not None:
                    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                    raise _HttpError(fault.status, "injected", f"injected status {fault.status}", headers)
                method_handler, params = self._route(request.method, path)
                if not path.endswith(("/health", "/applications/token")) and self.require_auth:
                    self._authenticate(request)
                status, payload, model = method_handler(request, params, _body(request))
            except _HttpError as error:
                return self._problem(request, error)
            if status == 204:
                self.exchanges.append(Exchange(request.method, path, status, "", None))
                return httpx.Response(204)
            text = json.dumps(payload) if not isinstance(payload, str) else payload
            self.exchanges.append(Exchange(request.method, path, status, text, model))
            content_type = "application/json" if not isinstance(payload, str) else "text/plain"
            return httpx.Response(status, content=text.encode(), headers={"content-type": content_type})

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.times <= 0:
                continue
            if fault.method and fault.method != method:
                continue
            if fault.path_pattern and not fault.path_pattern.search(path.removeprefix(API_ROOT)):
                continue
            fault.times -= 1
            return fault
        return None

    def _route(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        known_path = False
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match:
                known_path = True
                if route_method == method:
                    return handler, match.groupdict()
        if known_path:
            raise _HttpError(405, "method-not-allowed", f"{method} is not allowed on {path}")
        raise _HttpError(404, "not-found", f"no route {method} {path}")

    def _problem(self, request: httpx.Request, error: _HttpError) -> httpx.Response:
        body = {
            "type": f"https://reference.airbyte.com/reference/errors#{error.title}",
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
        }
        text = json.dumps(body)
        self.exchanges.append(Exchange(request.method, request.url.path, error.status, text, None))
        headers = {"content-type": "application/problem+json", **error.headers}
        return httpx.Response(error.status, content=text.encode(), headers=headers)

    def _authenticate(self, request: httpx.Request) -> None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        expires_at = self.tokens.get(token)
        if expires_at is None:
            raise _HttpError(401, "unauthorized", "missing or unknown bearer token")
        if expires_at <= self.clock():
            raise _HttpError(401, "unauthorized", "the access token has expired")

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/health", self._health),
            ("POST", "/applications/token", self._token),
            ("GET", "/workspaces", self._list_workspaces),
            ("POST", "/workspaces", self._create_workspace),
            ("GET", "/workspaces/(?P<id>[^/]+)", self._get_workspace),
            ("GET", "/tags", self._list_tags),
            ("POST", "/tags", self._create_tag),
            ("GET", "/jobs", self._list_jobs),
            ("POST", "/jobs", self._create_job),
            ("GET", "/jobs/(?P<id>\\d+)", self._get_job),
            ("DELETE", "/jobs/(?P<id>\\d+)", self._cancel_job),
            ("GET", "/connections", self._list_connections),
            ("POST", "/connections", self._create_connection),
            ("GET", "/connections/(?P<id>[^/]+)", self._get_connection),
            ("PATCH", "/connections/(?P<id>[^/]+)", self._patch_connection),
            ("DELETE", "/connections/(?P<id>[^/]+)", self._delete_connection),
        ]
        for kind in ("sources", "destinations"):
            table += [
                ("GET", f"/{kind}", self._lister(kind)),
                ("POST", f"/{kind}", self._creator(kind)),
                ("GET", f"/{kind}/(?P<id>[^/]+)", self._getter(kind)),
                ("PATCH", f"/{kind}/(?P<id>[^/]+)", self._patcher(kind)),
                ("DELETE", f"/{kind}/(?P<id>[^/]+)", self._deleter(kind)),
            ]
        routes = [(method, re.compile(API_ROOT + path), handler) for method, path, handler in table]
        routes.append(("POST", re.compile(CONFIG_API_ROOT + "/jobs/get"), self._config_api_job))
        return routes

    # --- health and token ---------------------------------------------------------------------------

    def _health(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str | None]:
        return 200, "Successful operation", None

    def _token(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str | None]:
        if not isinstance(body, dict):
            raise _HttpError(400, "bad-request", "the token request needs client_id and client_secret")
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            raise _HttpError(401, "unauthorized", "invalid client credentials")
        token = uuid.uuid4().hex
        self.tokens[token] = self.clock() + self.token_ttl_seconds
        is_json = request.headers.get("content-type", "").startswith("application/json")
        self.token_requests.append("json" if is_json else "form")
        payload = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_seconds}
        return 200, payload, None

    # --- workspaces and tags ------------------------------------------------------------------------

    def _list_workspaces(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        items = list(self.workspaces.values())
        ids = _query_list(request, "workspaceIds")
        if ids:
            items = [item for item in items if item["workspaceId"] in ids]
        return 200, self._page(request, items), "WorkspacesResponse"

    def _create_workspace(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        name = _require(body, "name")
        workspace = {"workspaceId": str(uuid.uuid4()), "name": name, "dataResidency": "auto", "notifications": {}}
        self.workspaces[workspace["workspaceId"]] = workspace
        return 200, workspace, "WorkspaceResponse"

    def _get_workspace(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        return 200, self._find(self.workspaces, params["id"], "workspace"), "WorkspaceResponse"

    def _list_tags(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        ids = _query_list(request, "workspaceIds")
        items = [tag for tag in self.tags.values() if not ids or tag["workspaceId"] in ids]
        return 200, {"data": items}, "TagsResponse"

    def _create_tag(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        workspace_id = _require(body, "workspaceId")
        self._find(self.workspaces, workspace_id, "workspace")
        tag = {"tagId": str(uuid.uuid4()), "name": _require(body, "name"), "color": body.get("color", "75DCFF")}
        tag["workspaceId"] = workspace_id
        self.tags[tag["tagId"]] = tag
        return 200, tag, "TagResponse"

    # --- sources and destinations -------------------------------------------------------------------

    def _store(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.sources if kind == "sources" else self.destinations

    def _lister(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
            ids = _query_list(request, "workspaceIds")
            items = [_masked(item) for item in self._store(kind).values() if not ids or item["workspaceId"] in ids]
            return 200, self._page(request, items), f"{kind.title()}Response"

        return handler

    def _creator(self, kind: str) -> Handler:
        singular, type_key = kind[:-1], "sourceType" if kind == "sources" else "destinationType"
        known = KNOWN_SOURCE_TYPES if kind == "sources" else KNOWN_DESTINATION_TYPES

        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
            workspace_id = _require(body, "workspaceId")
            self._find(self.workspaces, workspace_id, "workspace")
            configuration = _require(body, "configuration")
            actor_type = configuration.get(type_key) if isinstance(configuration, dict) else None
            if actor_type not in known:
                raise _HttpError(
                    400, "bad-request", f"configuration.{type_key} {actor_type!r} is not a known connector"
                )
            item = {
                f"{singular}Id": str(uuid.uuid4()),
                "name": _require(body, "name"),
                type_key: actor_type,
                "workspaceId": workspace_id,
                "definitionId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{actor_type}")),
                "configuration": configuration,
                "createdAt": int(self.clock()),
            }
            self._store(kind)[item[f"{singular}Id"]] = item
            return 200, _masked(item), f"{singular.title()}Response"

        return handler

    def _getter(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
            return 200, _masked(self._find(self._store(kind), params["id"], kind[:-1])), f"{kind[:-1].title()}Response"

        return handler

    def _patcher(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
            item = self._find(self._store(kind), params["id"], kind[:-1])
            if isinstance(body, dict) and "name" in body:
                item["name"] = body["name"]
            if isinstance(body, dict) and isinstance(body.get("configuration"), dict):
                merged = dict(item["configuration"])
                for key, value in body["configuration"].items():
                    if value != MASK:  # a masked value sent back means "keep the secret"
                        merged[key] = value
                item["configuration"] = merged
            return 200, _masked(item), f"{kind[:-1].title()}Response"

        return handler

    def _deleter(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, None]:
            self._find(self._store(kind), params["id"], kind[:-1])
            del self._store(kind)[params["id"]]
            return 204, None, None

        return handler

    # --- connections --------------------------------------------------------------------------------

    def _list_connections(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        ids, tag_ids = _query_list(request, "workspaceIds"), _query_list(request, "tagIds")
        items = [
            item
            for item in self.connections.values()
            if (not ids or item["workspaceId"] in ids)
            and (not tag_ids or {tag["tagId"] for tag in item["tags"]} & set(tag_ids))
        ]
        return 200, self._page(request, items), "ConnectionsResponse"

    def _create_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        source = self._find(self.sources, _require(body, "sourceId"), "source")
        destination = self._find(self.destinations, _require(body, "destinationId"), "destination")
        if source["workspaceId"] != destination["workspaceId"]:
            raise _HttpError(400, "bad-request", "source and destination are in different workspaces")
        connection = {
            "connectionId": str(uuid.uuid4()),
            "name": body.get("name") or f"{source['name']} → {destination['name']}",
            "sourceId": source["sourceId"],
            "destinationId": destination["destinationId"],
            "workspaceId": source["workspaceId"],
            "status": body.get("status") or "active",
            "schedule": body.get("schedule") or {"scheduleType": "manual"},
            "configurations": body.get("configurations") or {"streams": []},
            "namespaceDefinition": body.get("namespaceDefinition") or "destination",
            "nonBreakingSchemaUpdatesBehavior": body.get("nonBreakingSchemaUpdatesBehavior") or "ignore",
            "prefix": body.get("prefix") or "",
            "tags": [self._find(self.tags, tag["tagId"], "tag") for tag in body.get("tags") or []],
            "createdAt": int(self.clock()),
        }
        self.connections[connection["connectionId"]] = connection
        return 200, connection, "ConnectionResponse"

    def _get_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        return 200, self._find(self.connections, params["id"], "connection"), "ConnectionResponse"

    def _patch_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        connection = self._find(self.connections, params["id"], "connection")
        for key in ("name", "schedule", "configurations", "status", "namespaceDefinition", "prefix"):
            if isinstance(body, dict) and body.get(key) is not None:
                connection[key] = body[key]
        if isinstance(body, dict) and body.get("tags") is not None:
            connection["tags"] = [self._find(self.tags, tag["tagId"], "tag") for tag in body["tags"]]
        return 200, connection, "ConnectionResponse"

    def _delete_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, None]:
        self._find(self.connections, params["id"], "connection")
        del self.connections[params["id"]]
        return 204, None, None

    # --- jobs ---------------------------------------------------------------------------------------

    def _create_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        connection = self._find(self.connections, _require(body, "connectionId"), "connection")
        busy = [job for job in self.jobs.values() if job.connection_id == connection["connectionId"]]
        if any(job.status in IN_PROGRESS for job in busy):
            raise _HttpError(409, "conflict", f"A sync is already running for connection {connection['connectionId']}.")
        script = self._scripts.pop(0) if self._scripts else _JobScript(DEFAULT_SCRIPT)
        now = self.clock()
        job = _Job(
            job_id=next(self._job_ids),
            connection_id=connection["connectionId"],
            job_type=str(body.get("jobType") or "sync"),
            script=script,
            started_at=now,
            status=script.steps[0],
            updated_at=now,
        )
        self.jobs[job.job_id] = job
        self._on_status(job)
        return 200, self._job_json(job), "JobResponse"

    def _get_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        job = self._find_job(params["id"])
        job.polls += 1
        if job.status in IN_PROGRESS and job.step + 1 < len(job.script.steps):
            job.step += 1
            job.status = job.script.steps[job.step]
            job.updated_at = self.clock()
            self._on_status(job)
        return 200, self._job_json(job), "JobResponse"

    def _cancel_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        job = self._find_job(params["id"])
        if job.status not in IN_PROGRESS:
            raise _HttpError(409, "conflict", f"job {job.job_id} is already {job.status}")
        job.status, job.updated_at = "cancelled", self.clock()
        return 200, self._job_json(job), "JobResponse"

    def _list_jobs(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str]:
        query = parse_qs(request.url.query.decode())
        jobs = list(self.jobs.values())
        if "connectionId" in query:
            jobs = [job for job in jobs if job.connection_id == query["connectionId"][0]]
        if "status" in query:
            jobs = [job for job in jobs if job.status == query["status"][0]]
        if "jobType" in query:
            jobs = [job for job in jobs if job.job_type == query["jobType"][0]]
        descending = query.get("orderBy", ["createdAt|DESC"])[0].endswith("DESC")
        jobs.sort(key=lambda job: job.job_id, reverse=descending)
        return 200, self._page(request, [self._job_json(job) for job in jobs]), "JobsResponse"

    def _config_api_job(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, None]:
        job = self._find_job(str(_require(body, "id")))
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

    def _on_status(self, job: _Job) -> None:
        if job.status != "succeeded" or not self.write_tables:
            return
        try:
            self._write_destination(job)
        except Exception as error:  # a destination error fails the job, as on a real server
            job.status = "failed"
            job.script = _JobScript(job.script.steps, failure_reason=f"Destination write failed: {error}")

    def _job_json(self, job: _Job) -> dict[str, Any]:
        seconds = max(0, int(job.updated_at - job.started_at))
        payload: dict[str, Any] = {
            "jobId": job.job_id,
            "status": job.status,
            "jobType": job.job_type,
            "connectionId": job.connection_id,
            "startTime": _iso(job.started_at),
            "lastUpdatedAt": _iso(job.updated_at),
            "duration": f"PT{seconds}S",
        }
        if job.status == "succeeded":
            payload["rowsSynced"], payload["bytesSynced"] = job.rows, job.bytes
        return payload

    def _find_job(self, job_id: str) -> _Job:
        job = self.jobs.get(int(job_id))
        if job is None:
            raise _HttpError(404, "not-found", f"job {job_id} not found")
        return job

    # --- helpers ------------------------------------------------------------------------------------

    def _find(self, store: dict[str, dict[str, Any]], item_id: str, what: str) -> dict[str, Any]:
        item = store.get(item_id)
        if item is None:
            raise _HttpError(404, "not-found", f"{what} {item_id} not found")
        return item

    def _page(self, request: httpx.Request, items: list[dict[str, Any]]) -> dict[str, Any]:
        query = parse_qs(request.url.query.decode())
        try:
            limit = int(query.get("limit", [DEFAULT_PAGE_LIMIT])[0])
            offset = int(query.get("offset", [0])[0])
        except ValueError as error:
            raise _HttpError(400, "bad-request", f"limit and offset must be integers: {error}") from None
        if not 1 <= limit <= MAX_PAGE_LIMIT or offset < 0:
            raise _HttpError(400, "bad-request", f"limit must be 1..{MAX_PAGE_LIMIT} and offset >= 0")
        page: dict[str, Any] = {"data": items[offset : offset + limit]}
        base = f"{self._base_url}{request.url.path}"
        flat = {key: values[0] for key, values in query.items()}
        if offset + limit < len(items):
            page["next"] = f"{base}?{urlencode({**flat, 'limit': limit, 'offset': offset + limit})}"
        if offset > 0:
            page["previous"] = f"{base}?{urlencode({**flat, 'limit': limit, 'offset': max(0, offset - limit)})}"
        return page

    # --- the destination write ----------------------------------------------------------------------

    def _write_destination(self, job: _Job) -> None:
        connection = self.connections[job.connection_id]
        source = self.sources[connection["sourceId"]]
        destination = self.destinations[connection["destinationId"]]
        streams = [stream["name"] for stream in (connection["configurations"] or {}).get("streams") or []]
        config = source["configuration"]
        extracted_at = dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC).replace(tzinfo=None)
        if source["sourceType"] in _GENERATED_SOURCES:
            self._write_generated(job, source, destination["configuration"], streams)
            return
        tables: dict[str, tuple[list[tuple[str, str]], list[tuple[Any, ...]]]] = {}
        if source["sourceType"] == "faker":
            for stream in streams:
                tables[stream] = faker_stream(stream, int(config.get("count", 1000)), int(config.get("seed", 0)))
        write_v2_tables(destination["configuration"], tables, extracted_at, generation_id=job.job_id)
        job.stream_stats = {stream: len(rows) for stream, (_columns, rows) in tables.items()}
        job.rows = sum(job.stream_stats.values())
        job.bytes = sum(len(repr(row)) for _columns, rows in tables.values() for row in rows)

    def _write_generated(
        self, job: _Job, source: dict[str, Any], destination: dict[str, Any], streams: list[str]
    ) -> None:
        """Write the generator's dataset for a Shopify / Stripe source, only the connection's streams."""
        from tests.generators.raw_tables import RawDataset, write_duckdb, write_postgres  # noqa: PLC0415
        from tests.generators.shopify import generate_shopify  # noqa: PLC0415
        from tests.generators.stripe import generate_stripe  # noqa: PLC0415

        config = source["configuration"]
        name = str(config.get("shop") or config.get("account_id") or source["sourceType"])
        seed = int(config["seed"]) if "seed" in config else zlib.crc32(name.encode())
        full = generate_shopify(seed, store=name) if source["sourceType"] == "shopify" else generate_stripe(seed)
        dataset = RawDataset(full.system, {key: value for key, value in full.streams.items() if key in streams})
        schema = destination.get("schema") or "public"
        if destination.get("destinationType") == "duckdb":
            write_duckdb(dataset, destination["destination_path"], schema)
        elif destination.get("destinationType") == "postgres":
            login = {"host": destination["host"], "port": int(destination.get("port") or 5432)}
            login |= {"user": destination["username"], "password": destination.get("password") or ""}
            write_postgres(dataset, login | {"dbname": destination["database"]}, schema)
        else:
            raise ValueError(f"the fake cannot write to destination type {destination.get('destinationType')!r}")
        job.stream_stats = {key: len(stream.rows) for key, stream in dataset.streams.items()}
        job.rows = sum(job.stream_stats.values())
        job.bytes = sum(len(repr(row)) for stream in dataset.streams.values() for row in stream.rows)


# --- Destinations V2 tables ---------------------------------------------------------------------------

_V2_COLUMNS_DUCKDB = [
    ("_airbyte_raw_id", "VARCHAR"),
    ("_airbyte_extracted_at", "TIMESTAMP"),
    ("_airbyte_meta", "JSON"),
    ("_airbyte_generation_id", "BIGINT"),
]
_V2_COLUMNS_POSTGRES = [
    ("_airbyte_raw_id", "varchar"),
    ("_airbyte_extracted_at", "timestamp with time zone"),
    ("_airbyte_meta", "jsonb"),
    ("_airbyte_generation_id", "bigint"),
]
_POSTGRES_TYPES = {
    "BIGINT": "bigint",
    "VARCHAR": "varchar",
    "TIMESTAMP": "timestamp with time zone",
    "JSON": "jsonb",
    "DECIMAL(38,9)": "decimal(38,9)",
}


def write_v2_tables(
    destination: dict[str, Any],
    tables: dict[str, tuple[list[tuple[str, str]], list[tuple[Any, ...]]]],
    extracted_at: dt.datetime,
    generation_id: int,
) -> None:
    """Overwrite one table per stream in the destination's schema, with Airbyte's V2 columns appended."""
    meta = json.dumps({"changes": [], "sync_id": generation_id})

    def with_v2(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [(*row, str(uuid.uuid4()), extracted_at, meta, generation_id) for row in rows]

    kind = destination.get("destinationType")
    schema = destination.get("schema") or "public"
    if kind == "duckdb":
        import duckdb  # noqa: PLC0415 - only when a job writes

        with duckdb.connect(destination["destination_path"]) as connection:
            connection.execute(f'create schema if not exists "{schema}"')
            for stream, (columns, rows) in tables.items():
                all_columns = columns + _V2_COLUMNS_DUCKDB
                ddl = ", ".join(f'"{name}" {kind_}' for name, kind_ in all_columns)
                connection.execute(f'create or replace table "{schema}"."{stream}" ({ddl})')
                if rows:
                    marks = ", ".join("?" for _ in all_columns)
                    connection.executemany(f'insert into "{schema}"."{stream}" values ({marks})', with_v2(rows))
        return
    if kind == "postgres":
        import psycopg2  # noqa: PLC0415
        from psycopg2.extras import execute_values  # noqa: PLC0415

        connection = psycopg2.connect(
            host=destination["host"],
            port=int(destination.get("port") or 5432),
            user=destination["username"],
            password=destination.get("password") or "",
            dbname=destination["database"],
        )
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(f'create schema if not exists "{schema}"')
                for stream, (columns, rows) in tables.items():
                    pg_columns = [(name, _POSTGRES_TYPES[kind_]) for name, kind_ in columns] + _V2_COLUMNS_POSTGRES
                    ddl = ", ".join(f'"{name}" {kind_}' for name, kind_ in pg_columns)
                    cursor.execute(f'drop table if exists "{schema}"."{stream}"')
                    cursor.execute(f'create table "{schema}"."{stream}" ({ddl})')
                    if rows:
                        execute_values(cursor, f'insert into "{schema}"."{stream}" values %s', with_v2(rows))
        finally:
            connection.close()
        return
    raise ValueError(f"the fake cannot write to destination type {kind!r}")


# --- faker-like data ----------------------------------------------------------------------------------

_USERS_COLUMNS = [
    ("id", "BIGINT"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
    ("name", "VARCHAR"),
    ("title", "VARCHAR"),
    ("age", "BIGINT"),
    ("email", "VARCHAR"),
    ("telephone", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("language", "VARCHAR"),
    ("academic_degree", "VARCHAR"),
    ("nationality", "VARCHAR"),
    ("occupation", "VARCHAR"),
    ("height", "VARCHAR"),
    ("blood_type", "VARCHAR"),
    ("weight", "BIGINT"),
    ("address", "JSON"),
]
_PRODUCTS_COLUMNS = [
    ("id", "BIGINT"),
    ("make", "VARCHAR"),
    ("model", "VARCHAR"),
    ("year", "BIGINT"),
    ("price", "DECIMAL(38,9)"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
]
_PURCHASES_COLUMNS = [
    ("id", "BIGINT"),
    ("user_id", "BIGINT"),
    ("product_id", "BIGINT"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
    ("added_to_cart_at", "TIMESTAMP"),
    ("purchased_at", "TIMESTAMP"),
    ("returned_at", "TIMESTAMP"),
]
_NAMES = ("Ada", "Bo", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Juno")
_CITIES = (("Lyon", "ARA", "FR"), ("Austin", "Texas", "US"), ("Osaka", "Osaka", "JP"), ("Porto", "Norte", "PT"))
_CARS = (("Mazda", "MX-5"), ("Volvo", "XC40"), ("Fiat", "Panda"), ("Tesla", "Model 3"), ("Kia", "Niro"))
_PRODUCT_COUNT = 100


def faker_stream(stream: str, count: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    """Columns (DuckDB types) and rows of one faker-like stream, the same for the same count and seed."""
    rng = random.Random(f"{seed}:{stream}")
    base = dt.datetime(2024, 1, 1)
    now = dt.datetime(2026, 1, 1)
    if stream == "users":
        rows: list[tuple[Any, ...]] = []
        for user_id in range(1, count + 1):
            city, state, country = rng.choice(_CITIES)
            address = {"city": city, "state": state, "postal_code": f"{rng.randint(10000, 99999)}"}
            address["country_code"] = country
            name = rng.choice(_NAMES)
            rows.append(
                (
                    user_id,
                    base + dt.timedelta(days=rng.randint(0, 600)),
                    now,
                    name,
                    rng.choice(("Dr.", "Mr.", "Ms.")),
                    rng.randint(18, 80),
                    f"{name.lower()}{user_id}@example.com",
                    f"+1-555-{rng.randint(1000, 9999)}",
                    rng.choice(("Female", "Male", "Other")),
                    rng.choice(("English", "French", "Japanese")),
                    rng.choice(("Bachelor", "Master", "PhD")),
                    rng.choice(("French", "American", "Japanese")),
                    rng.choice(("Engineer", "Teacher", "Nurse")),
                    f"{rng.uniform(1.5, 2.0):.2f}",
                    rng.choice(("A+", "B+", "O-")),
                    rng.randint(50, 100),
                    json.dumps(address),
                )
            )
        return _USERS_COLUMNS, rows
    if stream == "products":
        rows = []
        for product_id in range(1, _PRODUCT_COUNT + 1):
            make, model = rng.choice(_CARS)
            created = base + dt.timedelta(days=rng.randint(0, 30))
            price = Decimal(rng.randint(9000, 60000))
            rows.append((product_id, make, model, rng.randint(2015, 2025), price, created, now))
        return _PRODUCTS_COLUMNS, rows
    if stream == "purchases":
        rows = []
        for purchase_id in range(1, count + 1):
            added = base + dt.timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440))
            purchased = added + dt.timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.8 else None
            returned = purchased + dt.timedelta(days=rng.randint(1, 20)) if purchased and rng.random() < 0.1 else None
            user_id = rng.randint(1, count)
            rows.append((purchase_id, user_id, rng.randint(1, _PRODUCT_COUNT), added, now, added, purchased, returned))
        return _PURCHASES_COLUMNS, rows
    return [("id", "BIGINT")], []


# --- request helpers ----------------------------------------------------------------------------------


def _body(request: httpx.Request) -> Any:
    raw = request.content
    if not raw:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {key: values[0] for key, values in parse_qs(raw.decode()).items()}
    try:
        return json.loads(raw)
    except ValueError:
        raise _HttpError(400, "bad-request", "the body is not valid JSON") from None


def _require(body: Any, key: str) -> Any:
    if not isinstance(body, dict) or body.get(key) in (None, ""):
        raise _HttpError(400, "bad-request", f"{key} is required")
    return body[key]


def _query_list(request: httpx.Request, key: str) -> list[str]:
    values = parse_qs(request.url.query.decode()).get(key, [])
    return [item for value in values for item in value.split(",") if item]


def _masked(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "configuration": _mask(item["configuration"])}


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: MASK if key in SECRET_KEYS and item else _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def url_split(url: str) -> tuple[str, str]:
    """(scheme://host:port, path) of a URL, for tests that follow `next` links."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path
