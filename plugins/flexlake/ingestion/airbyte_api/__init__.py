"""The Airbyte server engine: provision a tenant's Airbyte objects and drive its syncs through the public API.

Modules: `server_settings` (the Airflow connection, provider format), `transport` (the SDK wired with tokens,
retries, pagination), `client` (typed calls per resource), `connectors` (tenant config → the SDK's typed
connector models), `plan` (changes and secret-free diffs) and `provisioning` (plan / apply, idempotent),
`sync` (the engine: trigger, attach, wait, stats), `trigger` and `operator` (Airflow: deferrable waiting).
Importing this package imports neither the SDK nor Airflow, so DAG parsing stays cheap.
"""
