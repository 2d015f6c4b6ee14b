"""The flexlake portal: a FastAPI app the API server mounts under /flexlake (plugins/flexlake_plugin.py).

Airflow mounts plugin apps without any authentication, so every route here declares its own, through Airflow's
security dependencies: `requires_access_dag` (the caller's JWT from the Authorization header or, inside the UI's
iframe, the UI's `_token` cookie; 401 without one) asks the auth manager about the DAG in the path (403 when the
user may not read it), before the handler runs and before any catalog read. The Tenants page asks the auth manager
for the DAG ids the user may read and shows only those tenants.

Routes:
    GET  /tenants                                   tenants this user may see, and their invalid tenant files
    GET  /dags/<dag_id>/catalog?version=<version>   a version picker and that version's dbt docs (the Catalog tab)
    GET  /dags/<dag_id>/catalog/<version>/docs      the version's static_index.html, sandboxed
    GET  /dags/<dag_id>/runs                        the published run summaries: a chart and a table (the Runs tab)
    GET  /dags/<dag_id>/console                     the enterprise tier's SQL console (flexlake.portal.console)
    POST /dags/<dag_id>/console                     one statement as the tenant's reader: a result page or a CSV
    GET  /dags/<dag_id>/console/audit               the tenant's console audit log, newest first
    GET  /audit                                     the audit log of every tenant this user may see (operators: all)

The console's POST is a read of the tenant's data, so it needs what reading the DAG needs, plus CSRF safety: inside
the UI the JWT is a cookie the browser attaches to any request, so a POST authenticated by that cookie must come
from this origin (its `Origin` header); a POST with an `Authorization` header was sent deliberately by its client.
Past the per-user rate limit (FLEXLAKE_CONSOLE_RATE_LIMIT, flexlake.portal.rate_limit) a POST gets 429 with
Retry-After and runs nothing.
"""

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from airflow.configuration import conf
from airflow.models.dag import DagModel
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from flexlake import settings
from flexlake.portal import reads
from flexlake.portal.audit_page import AUDIT_PAGE_RECORDS, audit_page
from flexlake.portal.console import (
    ConsoleLimits,
    QueryResult,
    StatementFailed,
    StatementTimedOut,
    console_refusal,
    run_statement,
)
from flexlake.portal.console_audit import AuditRecord, Outcome, newest_records, write_record
from flexlake.portal.console_page import console_page, refusal_page, result_csv
from flexlake.portal.pages import catalog_page, runs_page, tenants_page
from flexlake.portal.paths import DAG_ID_PREFIX, PathRefused, checked_version, tenant_of_dag
from flexlake.portal.rate_limit import SlidingWindowLimiter, parse_rate_limit
from flexlake.portal.tenants import tenant_overview
from flexlake.tenant_config.loader import load_tenant_configs
from flexlake.tenant_config.schema import TenantConfig

# Our own pages: no script at all, frames only from this origin, embeddable only by the Airflow UI (same origin).
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# A tenant's dbt docs run their own inline scripts and render text the tenant wrote (descriptions): `sandbox`
# without allow-same-origin gives them an opaque origin, so they can read no cookie and call no Airflow API.
DOCS_POLICY = (
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'self'"
)
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

app = FastAPI(title="flexlake portal", docs_url=None, redoc_url=None, openapi_url=None)
CanReadDag = Depends(requires_access_dag("GET"))
CanReadRuns = Depends(requires_access_dag("GET", DagAccessEntity.RUN))


@app.exception_handler(PathRefused)
def _refused(request: Request, error: PathRefused) -> JSONResponse:
    """A name no catalog holds (or a link out of the prefix) is simply not found; the reason names the rule."""
    return JSONResponse({"detail": str(error)}, status_code=status.HTTP_404_NOT_FOUND, headers=_HEADERS)


def _html(text: str, policy: str = PAGE_POLICY) -> HTMLResponse:
    return HTMLResponse(text, headers={**_HEADERS, "Content-Security-Policy": policy})


@app.get("/tenants", response_class=HTMLResponse)
def tenants(user: GetUserDep, session: SessionDep) -> HTMLResponse:
    readable = get_auth_manager().get_authorized_dag_ids(user=user, method="GET", session=session)
    # Not is_authorized_dag without a DAG id: FAB answers that with "may list DAGs", which every tenant user may.
    sees_every_dag = readable >= set(session.scalars(select(DagModel.dag_id)))
    rows, invalid = tenant_overview(readable, sees_every_dag, session)
    return _html(tenants_page(rows, invalid))


@app.get("/dags/{dag_id}/catalog", response_class=HTMLResponse, dependencies=[CanReadDag])
def catalog(dag_id: str, version: Annotated[str | None, Query()] = None) -> HTMLResponse:
    tenant_id = tenant_of_dag(dag_id)
    root = reads.tenant_root(tenant_id)
    latest = reads.latest_version(root)
    versions = reads.versions(root)
    selected = checked_version(version) if version else latest
    if selected is not None and selected not in versions:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no published version {selected} (retention may have removed it)"
        )
    has_docs = selected is not None and reads.docs_html(root, selected) is not None
    return _html(catalog_page(tenant_id, versions, selected, has_docs))


@app.get("/dags/{dag_id}/catalog/{version}/docs", dependencies=[CanReadDag])
def catalog_docs(dag_id: str, version: str) -> Response:
    html = reads.docs_html(reads.tenant_root(tenant_of_dag(dag_id)), version)
    if html is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"version {version} has no dbt docs")
    return Response(html, media_type="text/html", headers={**_HEADERS, "Content-Security-Policy": DOCS_POLICY})


@app.get("/dags/{dag_id}/runs", response_class=HTMLResponse, dependencies=[CanReadRuns])
def runs(dag_id: str) -> HTMLResponse:
    tenant_id = tenant_of_dag(dag_id)
    return _html(runs_page(tenant_id, reads.runs(reads.tenant_root(tenant_id)), _has_console(tenant_id)))


# ----- The SQL console (enterprise tier) --------------------------------------------------------------------------

CONSOLE_LIMITS = ConsoleLimits(duckdb_memory_limit=settings.CONSOLE_DUCKDB_MEMORY_LIMIT)
CONSOLE_RATE = SlidingWindowLimiter(parse_rate_limit(settings.CONSOLE_RATE_LIMIT))


def same_origin_post(request: Request) -> None:
    """CSRF guard for a POST: an Authorization header, or an `Origin` that is this server's own (403 otherwise)."""
    if request.headers.get("authorization"):
        return
    origin = request.headers.get("origin")
    if origin is None or origin not in _own_origins(request):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "a console statement is accepted from the console's own page (same origin) or with an Authorization "
            f"header; this request came from {origin or 'no stated origin'}",
        )


def _own_origins(request: Request) -> set[str]:
    """The origin the browser addressed (Host) and the configured [api] base_url's (behind a TLS proxy)."""
    origins = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
    base = urlsplit(conf.get("api", "base_url", fallback="") or "")
    if base.scheme and base.netloc:
        origins.add(f"{base.scheme}://{base.netloc}")
    return origins


def _has_console(tenant_id: str) -> bool:
    """Whether the Run history page links the console (a tenant whose file fails validation has none)."""
    tenants = load_tenant_configs(settings.TENANT_CONFIGS_DIR).tenants
    return any(tenant.tenant_id == tenant_id and console_refusal(tenant) is None for tenant in tenants)


def _tenant(dag_id: str) -> TenantConfig:
    tenant_id = tenant_of_dag(dag_id)
    for tenant in load_tenant_configs(settings.TENANT_CONFIGS_DIR).tenants:
        if tenant.tenant_id == tenant_id:
            return tenant
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no valid tenant file for {tenant_id} (`flexlake validate`)")


@app.get("/dags/{dag_id}/console", response_class=HTMLResponse, dependencies=[CanReadDag])
def console(dag_id: str) -> HTMLResponse:
    tenant = _tenant(dag_id)
    refusal = console_refusal(tenant)
    if refusal:
        return _refused_console(tenant.tenant_id, refusal)
    return _html(console_page(tenant.tenant_id, CONSOLE_LIMITS))


@app.post("/dags/{dag_id}/console", dependencies=[CanReadDag, Depends(same_origin_post)])
def console_run(
    dag_id: str,
    user: GetUserDep,
    statement: Annotated[str, Form()],
    output: Annotated[Literal["html", "csv"], Form(alias="format")] = "html",
) -> Response:
    """Run one statement as the tenant's reader, audit it (refusals too), and answer a page or a CSV."""
    tenant = _tenant(dag_id)
    audit = _Audit(user, tenant.tenant_id, statement)
    refusal = console_refusal(tenant)
    if refusal:
        audit.write("refused", detail=refusal)
        return _refused_console(tenant.tenant_id, refusal)
    wait = CONSOLE_RATE.retry_after(audit.user)
    if wait is not None:  # nothing ran: not audited (a loop of refusals would only fill the log)
        return _rate_limited(tenant.tenant_id, statement, wait)
    try:
        result = run_statement(tenant, statement, CONSOLE_LIMITS)
    except StatementFailed as error:
        audit.write("timeout" if isinstance(error, StatementTimedOut) else "failed", detail=str(error))
        page = console_page(tenant.tenant_id, CONSOLE_LIMITS, statement, error=str(error))
        return HTMLResponse(page, status.HTTP_400_BAD_REQUEST, headers=_page_headers())
    audit.write("truncated" if result.truncated else "ok", result)
    if output == "csv":
        disposition = f'attachment; filename="{tenant.tenant_id}_console.csv"'
        return Response(
            result_csv(result), media_type="text/csv", headers={**_HEADERS, "Content-Disposition": disposition}
        )
    return _html(console_page(tenant.tenant_id, CONSOLE_LIMITS, statement, result=result))


def _rate_limited(tenant_id: str, statement: str, wait: float) -> HTMLResponse:
    """429 with Retry-After (whole seconds, rounded up) and the form, the statement kept, saying when to retry."""
    seconds = max(1, math.ceil(wait))
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%H:%M:%S")
    limit = CONSOLE_RATE.limit
    message = (
        f"Too many statements: the console runs at most {limit.describe()} per user (FLEXLAKE_CONSOLE_RATE_LIMIT). "
        f"Try again in {seconds} s (at {at} UTC)."
    )
    page = console_page(tenant_id, CONSOLE_LIMITS, statement, error=message)
    headers = {**_page_headers(), "Retry-After": str(seconds)}
    return HTMLResponse(page, status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)


@app.get("/dags/{dag_id}/console/audit", response_class=HTMLResponse, dependencies=[CanReadDag])
def console_audit(dag_id: str) -> HTMLResponse:
    """The tenant's audited statements, newest first: whoever may read the DAG (its users, operators)."""
    tenant_id = tenant_of_dag(dag_id)
    records = newest_records({tenant_id: reads.tenant_root(tenant_id)}, AUDIT_PAGE_RECORDS)
    return _html(audit_page(f"SQL console audit of {tenant_id}", records, show_tenant=False))


@app.get("/audit", response_class=HTMLResponse)
def audit(user: GetUserDep, session: SessionDep) -> HTMLResponse:
    """The audited statements of every tenant whose DAG this user may read (an operator: every tenant's)."""
    readable = get_auth_manager().get_authorized_dag_ids(user=user, method="GET", session=session)
    tenant_ids = [
        tenant.tenant_id
        for tenant in load_tenant_configs(settings.TENANT_CONFIGS_DIR).tenants
        if DAG_ID_PREFIX + tenant.tenant_id in readable
    ]
    records = newest_records({tenant_id: reads.tenant_root(tenant_id) for tenant_id in tenant_ids}, AUDIT_PAGE_RECORDS)
    return _html(audit_page("SQL console audit", records, show_tenant=True))


class _Audit:
    """One statement's audit record, written under the tenant's catalog prefix before the answer is sent."""

    def __init__(self, user: BaseUser, tenant_id: str, statement: str) -> None:
        self.user, self.tenant_id, self.statement = user.get_name(), tenant_id, statement

    def write(self, outcome: Outcome, result: QueryResult | None = None, detail: str = "") -> None:
        record = AuditRecord(
            user=self.user,
            tenant_id=self.tenant_id,
            statement=self.statement,
            outcome=outcome,
            rows=len(result.rows) if result else 0,
            seconds=round(result.seconds, 3) if result else 0.0,
            detail=detail[:2000],
        )
        write_record(reads.tenant_root(self.tenant_id), record)


def _page_headers() -> dict[str, str]:
    return {**_HEADERS, "Content-Security-Policy": PAGE_POLICY}


def _refused_console(tenant_id: str, reason: str) -> HTMLResponse:
    return HTMLResponse(refusal_page(tenant_id, reason), status.HTTP_403_FORBIDDEN, headers=_page_headers())
