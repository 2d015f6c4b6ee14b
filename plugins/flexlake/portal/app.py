"""The flexlake portal: a FastAPI app the API server mounts under /flexlake (plugins/flexlake_plugin.py).

Airflow mounts plugin apps without any authentication, so every route here declares its own, through Airflow's
security dependencies: `requires_access_dag` (the caller's JWT from the Authorization header or, inside the UI's
iframe, the UI's `_token` cookie; 401 without one) asks the auth manager about the DAG in the path (403 when the
user may not read it), before the handler runs and before any catalog read. The Tenants page asks the auth manager
for the DAG ids the user may read and shows only those tenants.

Routes (all GET):
    /tenants                                   tenants this user may see, and their invalid tenant files
    /dags/<dag_id>/catalog?version=<version>   a version picker and that version's dbt docs (the Catalog tab)
    /dags/<dag_id>/catalog/<version>/docs      the version's static_index.html, sandboxed
    /dags/<dag_id>/runs                        the published run summaries: a chart and a table (the Runs tab)
"""

from typing import Annotated

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from airflow.models.dag import DagModel
from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from flexlake.portal import reads
from flexlake.portal.pages import catalog_page, runs_page, tenants_page
from flexlake.portal.paths import PathRefused, checked_version, tenant_of_dag
from flexlake.portal.tenants import tenant_overview

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
    return _html(runs_page(tenant_id, reads.runs(reads.tenant_root(tenant_id))))
