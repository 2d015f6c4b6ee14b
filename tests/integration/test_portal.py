"""The flexlake portal plugin through the real api-server with FAB (issue 15 items 3 and 4, browser part).

One api-server for the module, set up as test_tenant_access.py does (its helpers, no scheduler, no DAG run): two
DuckDB tenants, `flexlake access sync`, one user per tenant by `flexlake access add-user`, `airflow dags reserialize`.
The catalogs are written before the server starts by flexlake.catalog's own publish functions (two runs of alpha,
one of beta, with docs), and a third tenant file that fails validation is dropped in the tenants folder.

The matrix: anonymous / alpha's user / beta's user / admin x every portal route x both tenants, with 401 / 403 /
200, and no page of one tenant ever carries the other's docs, runs or name; path tricks get 404. Then a real
browser (Debian's chromium through playwright) logs in on FAB's form as alpha's user: the DAG list shows alpha only,
the portal's Catalog and Runs pages show alpha's docs and runs, beta's page is refused; the Catalog and Run history
tabs of alpha's DAG page render the portal in their iframes with the UI's cookie. Screenshots go to the test's tmp
folder and, when CI=true, to test-artifacts/portal/. Cost here: ~105 s (setup ~72 s as in test_tenant_access.py,
browser ~13 s).
"""

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from flexlake.catalog.publish import catalog_root
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.airflow_servers import PROJECT_ROOT
from tests.integration.test_tenant_access import (
    MINIMAL_TENANT,
    _api_server,
    _environment,
    _free_port,
    _run,
    _token,
)
from tests.unit.portal.catalog_samples import SampleRun, docs_marker, publish_sample_runs

pytestmark = pytest.mark.integration

TENANTS = {"alpha_shop": "Alpha Shop", "beta_shop": "Beta Shop"}
USER_TENANT = {"alpha": "alpha_shop", "beta": "beta_shop"}
BROKEN_FILE = "gamma_shop.yaml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROUTES = {
    "catalog": "/flexlake/dags/{dag}/catalog",
    "catalog docs": "/flexlake/dags/{dag}/catalog/{version}/docs",
    "catalog old version": "/flexlake/dags/{dag}/catalog?version={version}",
    "runs": "/flexlake/dags/{dag}/runs",
}


@dataclass
class PortalServer:
    base_url: str
    tokens: dict[str, str | None]
    passwords: dict[str, str]
    versions: dict[str, list[str]]

    def get(self, who: str, path: str) -> httpx.Response:
        token = self.tokens[who]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(self.base_url + path, headers=headers, timeout=30)


def _write_tenants(folder: Path) -> None:
    """Two starter DuckDB tenants with their own display names (the DAG list shows them)."""
    folder.mkdir(parents=True)
    text = MINIMAL_TENANT.read_text()
    for tenant, name in TENANTS.items():
        (folder / f"{tenant}.yaml").write_text(text.replace("minimal_tenant", tenant).replace("Minimal Tenant", name))


def _publish_catalogs(base: Path, scratch: Path) -> dict[str, list[str]]:
    """Two published runs for alpha (the second with failed tests), one for beta: the real publish functions."""
    runs = {
        "alpha_shop": [
            SampleRun("scheduled__2026-12-06T10:00:00+00:00", 120, 30),
            SampleRun("scheduled__2026-12-06T11:00:00+00:00", 150, 45, failed_tests=1),
        ],
        "beta_shop": [SampleRun("scheduled__2026-12-06T10:00:00+00:00", 999, 999)],
    }
    return {
        tenant: publish_sample_runs(catalog_root(base.as_uri(), tenant), scratch, tenant, tenant_runs)
        for tenant, tenant_runs in runs.items()
    }


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    root = tmp_path_factory.mktemp("portal")
    tenants_dir = root / "tenants"
    _write_tenants(tenants_dir)
    versions = _publish_catalogs(root / "catalog", root / "scratch")
    port = _free_port()
    env = {**_environment(root, port), "FLEXLAKE_CATALOG_BASE_URI": (root / "catalog").as_uri()}
    passwords = {who: secrets.token_urlsafe(12) for who in ("admin", "alpha", "beta")}
    _run(["airflow", "db", "migrate"], env)
    _run(["flexlake", "access", "sync", "--admin", "admin"], {**env, "FLEXLAKE_ADMIN_PASSWORD": passwords["admin"]})
    for who, tenant in USER_TENANT.items():
        _run(["flexlake", "access", "add-user", tenant, who, "--password-stdin"], env, stdin=passwords[who])
    _run(["airflow", "dags", "reserialize"], env)
    broken = (PROJECT_ROOT / "tests/fixtures/tenant_configs/invalid/source_typo.yaml").read_text()
    (tenants_dir / BROKEN_FILE).write_text(broken.replace("source_typo", "gamma_shop"))
    with _api_server(env, port, root / "api-server.log") as base_url:
        tokens: dict[str, str | None] = {"anonymous": None}
        tokens |= {who: _token(base_url, who, password) for who, password in passwords.items()}
        yield PortalServer(base_url, tokens, passwords, versions)


def _expected(who: str, tenant: str) -> int:
    if who == "anonymous":
        return 401
    return 200 if who == "admin" or USER_TENANT[who] == tenant else 403


def test_every_portal_route_answers_only_the_tenants_users(portal: PortalServer) -> None:
    """401 anonymous, 403 for the other tenant's user, 200 for the tenant's user and the admin, on every route."""
    got, expected = {}, {}
    for who in portal.tokens:
        for tenant in TENANTS:
            oldest = portal.versions[tenant][0]
            for route, template in ROUTES.items():
                path = template.format(dag=f"flexlake__{tenant}", version=oldest)
                got[who, tenant, route] = portal.get(who, path).status_code
                expected[who, tenant, route] = _expected(who, tenant)
        got[who, "-", "tenants"] = portal.get(who, "/flexlake/tenants").status_code
        expected[who, "-", "tenants"] = 401 if who == "anonymous" else 200
    wrong = {key: (got[key], expected[key]) for key in got if got[key] != expected[key]}
    assert not wrong, f"(who, tenant, route): (got, expected): {wrong}"


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_a_tenant_user_reads_nothing_of_the_other_tenant(portal: PortalServer, who: str) -> None:
    """Every page a tenant user gets names their tenant only: docs, runs, versions, the Tenants page."""
    own = USER_TENANT[who]
    other = next(tenant for tenant in TENANTS if tenant != own)
    pages = {
        "tenants": portal.get(who, "/flexlake/tenants").text,
        "catalog": portal.get(who, f"/flexlake/dags/flexlake__{own}/catalog").text,
        "docs": portal.get(who, f"/flexlake/dags/flexlake__{own}/catalog/{portal.versions[own][-1]}/docs").text,
        "runs": portal.get(who, f"/flexlake/dags/flexlake__{own}/runs").text,
    }
    assert docs_marker(own) in pages["docs"]
    assert own in pages["tenants"] and own in pages["runs"]
    for name, text in pages.items():
        assert other not in text and TENANTS[other] not in text, f"{who}'s {name} page shows {other}"
        assert all(version not in text for version in portal.versions[other]), f"{who}'s {name}: {other}'s version"
    assert BROKEN_FILE not in pages["tenants"], "a broken file of no tenant of the user's is an operator's matter"


def test_path_tricks_on_the_own_tenant_reach_nothing_else(portal: PortalServer) -> None:
    """Another tenant's version, traversal, `latest` and unserved files through alpha's own routes: all 404."""
    beta_version = portal.versions["beta_shop"][0]
    tricks = [
        f"/flexlake/dags/flexlake__alpha_shop/catalog/{beta_version}/docs",
        f"/flexlake/dags/flexlake__alpha_shop/catalog?version={beta_version}",
        "/flexlake/dags/flexlake__alpha_shop/catalog?version=../beta_shop/latest",
        "/flexlake/dags/flexlake__alpha_shop/catalog/..%2Fbeta_shop%2Flatest/docs",
        "/flexlake/dags/flexlake__alpha_shop/catalog/latest/docs",
        f"/flexlake/dags/flexlake__alpha_shop/catalog/{portal.versions['alpha_shop'][0]}%2Fmanifest.json/docs",
    ]
    answers = {trick: portal.get("alpha", trick) for trick in tricks}
    assert {trick: r.status_code for trick, r in answers.items()} == dict.fromkeys(tricks, 404)
    assert not any(docs_marker("beta_shop") in r.text or "manifest of" in r.text for r in answers.values())


def test_the_admin_sees_every_tenant_and_the_broken_file(portal: PortalServer) -> None:
    """The Tenants page of an operator lists both tenants with tier and warehouse, and the invalid file's error."""
    text = portal.get("admin", "/flexlake/tenants").text
    assert all(tenant in text for tenant in TENANTS), text
    assert "starter" in text and "duckdb" in text
    assert BROKEN_FILE in text and "stream" in text, "the loader's problem for the invalid file is shown"


def test_the_docs_run_sandboxed(portal: PortalServer) -> None:
    """A tenant's dbt docs (scripts, text the tenant wrote) are served with a CSP sandbox: no cookie, no API."""
    response = portal.get(
        "alpha", f"/flexlake/dags/flexlake__alpha_shop/catalog/{portal.versions['alpha_shop'][0]}/docs"
    )
    policy = response.headers["content-security-policy"]
    assert policy.startswith("sandbox allow-scripts;") and "allow-same-origin" not in policy


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Debian chromium for the module's browser tests."""
    chromium = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _logged_in(browser: Browser, portal: PortalServer, who: str) -> Page:
    """A fresh browser session signed in through FAB's login form (which sets the UI's `_token` cookie)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{portal.base_url}/auth/login/")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", portal.passwords[who])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=30_000)
    return page


def test_a_tenant_user_sees_only_their_pipeline_and_portal_in_a_browser(
    portal: PortalServer, browser: Browser, tmp_path: Path
) -> None:
    """Alpha's user: the DAG list shows alpha only; its catalog docs and runs show, beta's portal page is refused."""
    page = _logged_in(browser, portal, "alpha")
    shots = []
    page.goto(f"{portal.base_url}/dags")
    page.get_by_text("Alpha Shop").first.wait_for(timeout=30_000)
    shots.append(_shot(page, tmp_path, "tenant_dag_list"))
    assert page.get_by_text("Beta Shop").count() == 0, "alpha's DAG list shows beta's DAG"
    page.goto(f"{portal.base_url}/flexlake/dags/flexlake__alpha_shop/catalog")
    page.frame_locator("iframe").first.get_by_text(docs_marker("alpha_shop")).wait_for(timeout=30_000)
    assert page.locator("select[name=version] option").count() == len(portal.versions["alpha_shop"])
    shots.append(_shot(page, tmp_path, "tenant_catalog"))
    page.goto(f"{portal.base_url}/flexlake/dags/flexlake__alpha_shop/runs")
    page.get_by_text("Runs of alpha_shop").wait_for(timeout=30_000)
    assert page.get_by_text("shop.users: 150").count() == 1 and page.locator("svg rect").count() == 2
    shots.append(_shot(page, tmp_path, "tenant_runs"))
    refused = page.goto(f"{portal.base_url}/flexlake/dags/flexlake__beta_shop/runs")
    assert refused is not None and refused.status == 403 and "Beta" not in page.content()
    _keep_artifacts(shots)


def test_the_catalog_and_runs_tabs_show_on_a_tenant_dag_page(
    portal: PortalServer, browser: Browser, tmp_path: Path
) -> None:
    """The Catalog and Run history tabs of the DAG page, as the tenant's own user: their iframes authenticate with
    the UI's cookie (the UI lists plugin tabs from /api/v2/plugins, which tenant roles may read: access/roles.py)."""
    page = _logged_in(browser, portal, "alpha")
    page.goto(f"{portal.base_url}/dags/flexlake__alpha_shop")
    page.get_by_text("Catalog", exact=True).first.click()
    tab = page.frame_locator("iframe").first
    tab.frame_locator("iframe").first.get_by_text(docs_marker("alpha_shop")).wait_for(timeout=30_000)
    shots = [_shot(page, tmp_path, "catalog_tab")]
    page.get_by_text("Run history", exact=True).first.click()
    page.frame_locator("iframe").first.get_by_text("Runs of alpha_shop").wait_for(timeout=30_000)
    shots.append(_shot(page, tmp_path, "runs_tab"))
    _keep_artifacts(shots)


def test_a_tenant_user_may_list_the_plugin_tabs(portal: PortalServer) -> None:
    """The UI shows the Catalog and Runs tabs only to users who may read /api/v2/plugins."""
    assert portal.get("alpha", "/api/v2/plugins").status_code == 200


def _shot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"portal_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _keep_artifacts(shots: list[Path]) -> None:
    """On CI, the screenshots outlive the tmp folder: test-artifacts/portal/ (uploaded by the CI job)."""
    if os.environ.get("CI") != "true":
        return
    target = PROJECT_ROOT / "test-artifacts" / "portal"
    target.mkdir(parents=True, exist_ok=True)
    for shot in shots:
        shutil.copy2(shot, target / shot.name)


def _chromium() -> str:
    """Debian's chromium: installed here when missing and running as root (CI, sessions), else a skip saying how."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if os.geteuid() != 0:
        pytest.skip(f"Debian's chromium is missing: sudo {' '.join(command)} (or scripts/bootstrap.sh as root)")
    installed = subprocess.run(command, capture_output=True, text=True, check=False)
    if installed.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
        installed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, f"{' '.join(command)} failed:\n{installed.stdout}\n{installed.stderr}"
    return CHROMIUM
