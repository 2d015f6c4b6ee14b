"""The fake Airbyte server as a client meets it: authentication (bearer tokens from client credentials, a TTL
that is enforced), routing, injected faults, problem+json errors, the record of every exchange, and the two ways
to reach it (an httpx transport in-process, or a real port on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.fakes.airbyte_server.job_routes import JobRoutes
from tests.fakes.airbyte_server.models import (
    API_ROOT,
    CONFIG_API_ROOT,
    Exchange,
    Fault,
    Handler,
    HttpError,
    Job,
    JobScript,
    RouteSpec,
)
from tests.fakes.airbyte_server.resource_routes import ResourceRoutes
from tests.fakes.airbyte_server.state import ServerState
from tests.fakes.airbyte_server.wire import request_body


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
        self.require_auth = require_auth
        self.state = ServerState(clock=clock)
        self.token_requests: list[str] = []  # "json" or "form", one per token issued
        self.exchanges: list[Exchange] = []
        self.requests: list[tuple[str, str]] = []
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._routes = self._route_table(JobRoutes(self.state, write_tables=write_tables))

    # --- what tests inspect (the state store's own dicts) -------------------------------------------

    @property
    def workspaces(self) -> dict[str, dict[str, Any]]:
        return self.state.workspaces

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        return self.state.sources

    @property
    def destinations(self) -> dict[str, dict[str, Any]]:
        return self.state.destinations

    @property
    def connections(self) -> dict[str, dict[str, Any]]:
        return self.state.connections

    @property
    def jobs(self) -> dict[int, Job]:
        return self.state.jobs

    @property
    def tokens(self) -> dict[str, float]:
        return self.state.tokens

    # --- scripting ----------------------------------------------------------------------------------

    def script_next_job(self, *steps: str, failure_reason: str | None = None) -> None:
        """The statuses the next created job reports, one per poll; the last one sticks."""
        self.state.scripts.append(JobScript(steps=tuple(steps), failure_reason=failure_reason))

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
        self._faults.append(Fault(status, times, method, pattern, retry_after, after_commit))

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as if the TTL ran out mid-sync)."""
        with self._lock:
            for token in self.state.tokens:
                self.state.tokens[token] = self.state.clock() - 1

    # --- transports ---------------------------------------------------------------------------------

    def transport(self, base_url: str = "http://airbyte.fake") -> httpx.MockTransport:
        """An httpx transport for sync and async clients, in-process; API root: base_url + /api/public/v1."""
        self.state.base_url = base_url
        return httpx.MockTransport(self.handle)

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Listen on 127.0.0.1 (a free port) in a thread; yields the public API root URL."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = ThreadingHTTPServer(("127.0.0.1", port), _request_handler_for(self))
        self.state.base_url = f"http://127.0.0.1:{port}"
        thread = threading.Thread(target=server.serve_forever, name="fake-airbyte", daemon=True)
        thread.start()
        try:
            yield f"{self.state.base_url}{API_ROOT}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # --- dispatch -----------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request: a pending fault, else the route's handler behind authentication."""
        with self._lock:
            path = request.url.path
            self.requests.append((request.method, path))
            try:
                status, payload, model = self._answer(request, path)
            except HttpError as error:
                return self._problem(request, error)
            if status == 204:
                self.exchanges.append(Exchange(request.method, path, status, "", None))
                return httpx.Response(204)
            text = json.dumps(payload) if not isinstance(payload, str) else payload
            self.exchanges.append(Exchange(request.method, path, status, text, model))
            content_type = "application/json" if not isinstance(payload, str) else "text/plain"
            return httpx.Response(status, content=text.encode(), headers={"content-type": content_type})

    def _answer(self, request: httpx.Request, path: str) -> tuple[int, Any, str | None]:
        fault = self._take_fault(request.method, path)
        if fault is not None and fault.after_commit:
            handler, params = self._route(request.method, path)
            handler(request, params, request_body(request))
        if fault is not None:
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            raise HttpError(fault.status, "injected", f"injected status {fault.status}", headers)
        handler, params = self._route(request.method, path)
        if not path.endswith(("/health", "/applications/token")) and self.require_auth:
            self._authenticate(request)
        return handler(request, params, request_body(request))

    def _take_fault(self, method: str, path: str) -> Fault | None:
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
            raise HttpError(405, "method-not-allowed", f"{method} is not allowed on {path}")
        raise HttpError(404, "not-found", f"no route {method} {path}")

    def _problem(self, request: httpx.Request, error: HttpError) -> httpx.Response:
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
        expires_at = self.state.tokens.get(token)
        if expires_at is None:
            raise HttpError(401, "unauthorized", "missing or unknown bearer token")
        if expires_at <= self.state.clock():
            raise HttpError(401, "unauthorized", "the access token has expired")

    def _route_table(self, jobs: JobRoutes) -> list[tuple[str, re.Pattern[str], Handler]]:
        table: list[RouteSpec] = [
            ("GET", "/health", self._health),
            ("POST", "/applications/token", self._token),
            *jobs.table(),
            *ResourceRoutes(self.state).table(),
        ]
        routes = [(method, re.compile(API_ROOT + path), handler) for method, path, handler in table]
        routes.append(("POST", re.compile(CONFIG_API_ROOT + "/jobs/get"), jobs.config_api_job))
        return routes

    # --- health and token ---------------------------------------------------------------------------

    def _health(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str | None]:
        return 200, "Successful operation", None

    def _token(self, request: httpx.Request, params: dict[str, str], body: Any) -> tuple[int, Any, str | None]:
        if not isinstance(body, dict):
            raise HttpError(400, "bad-request", "the token request needs client_id and client_secret")
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            raise HttpError(401, "unauthorized", "invalid client credentials")
        token = uuid.uuid4().hex
        self.state.tokens[token] = self.state.clock() + self.token_ttl_seconds
        is_json = request.headers.get("content-type", "").startswith("application/json")
        self.token_requests.append("json" if is_json else "form")
        payload = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_seconds}
        return 200, payload, None


def _request_handler_for(fake: FakeAirbyteServer) -> type[BaseHTTPRequestHandler]:
    """An http.server handler class that hands every request to the fake and writes back its answer."""

    class _RequestHandler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            request = httpx.Request(
                self.command,
                f"{fake.state.base_url}{self.path}",
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

    return _RequestHandler
