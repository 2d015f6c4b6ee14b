"""Per-tenant alerts: one message per run (email through SMTP, Slack through a webhook connection).

The tenant DAG takes its callbacks from `flexlake.alerts.callbacks.alert_callbacks`. Modules: outcome.py (what a
run did, as values), run_outcome.py (reading it from Airflow), message.py (the text), channels.py (sending),
callbacks.py (when to send).
"""
