"""The flexlake portal in the Airflow UI: each tenant's catalog, run history and the tenants a user may see.

app.py (the FastAPI routes and their access checks), paths.py (what a request may read), reads.py (the catalog),
tenants.py (the Tenants page's data), pages.py (HTML), mount.py (what plugins/flexlake_plugin.py registers).
"""
