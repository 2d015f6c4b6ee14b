"""The Airbyte server engine: provision a tenant's Airbyte objects and drive its syncs through the public API.

Modules: `client` (SDK wrapper: tokens, retries, pagination), `connectors` (tenant config → the SDK's typed
connector models), `provisioning` (plan / apply, idempotent), `sync` (the engine: trigger, attach, wait,
stats), `trigger` and `operator` (Airflow: deferrable waiting). Importing this package imports neither the
SDK nor Airflow, so DAG parsing stays cheap.
"""
