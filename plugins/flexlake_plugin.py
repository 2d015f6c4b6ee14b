"""The flexlake Airflow plugin: the portal (flexlake.portal) mounted at /flexlake, and its tabs in the UI.

Registration only. Airflow imports this module in every component, so it imports nothing heavy: the portal's
FastAPI app is imported on its first request (flexlake.portal.mount). Tabs on every DAG page (destination "dag"):
the UI replaces {DAG_ID}; on a DAG that is not a tenant's the portal answers 404.
"""

from airflow.plugins_manager import AirflowPlugin
from flexlake import airflow_patches
from flexlake.portal.mount import PORTAL_URL_PREFIX, LazyPortalApp

# Before the triggerer handles an event: it drops the success task callbacks the DAG processor would parse the DAG
# file for and then ignore (flexlake/airflow_patches.py says why and what retires it).
airflow_patches.install()


class FlexlakePlugin(AirflowPlugin):
    name = "flexlake"
    fastapi_apps = [{"app": LazyPortalApp(), "url_prefix": PORTAL_URL_PREFIX, "name": "flexlake portal"}]
    external_views = [
        {
            "name": "Catalog",
            "href": f"{PORTAL_URL_PREFIX}/dags/{{DAG_ID}}/catalog",
            "destination": "dag",
            "url_route": "flexlake-catalog",
        },
        {
            "name": "Run history",  # "Runs" is a core tab of the DAG page already
            "href": f"{PORTAL_URL_PREFIX}/dags/{{DAG_ID}}/runs",
            "destination": "dag",
            "url_route": "flexlake-runs",
        },
        {
            # Every tenant DAG shows the tab; the page says why a non-enterprise tenant has no console.
            "name": "SQL console",
            "href": f"{PORTAL_URL_PREFIX}/dags/{{DAG_ID}}/console",
            "destination": "dag",
            "url_route": "flexlake-console",
        },
        {
            # Every user sees the entry; the page lists the statements of the tenants they may read.
            "name": "SQL console audit",
            "href": f"{PORTAL_URL_PREFIX}/audit",
            "destination": "nav",
            "category": "browse",
            "url_route": "flexlake-console-audit",
        },
        {
            "name": "Tenants",
            "href": f"{PORTAL_URL_PREFIX}/tenants",
            "destination": "nav",
            "category": "browse",
            "url_route": "flexlake-tenants",
        },
    ]
