"""The tenant file's `alerts:` block: defaults, and errors that name the file, the field and the fix."""

from pathlib import Path

import pytest
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config

from tests.unit.alerts.conftest import write_tenant


def _problems(folder: Path, alerts_yaml: str) -> str:
    path = write_tenant(folder, alerts_yaml)
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    text = str(raised.value)
    assert str(path) in text, f"the error should name the file: {text}"
    return text


def test_a_block_with_addresses_gets_the_default_smtp_connection_and_every_event(tenant: TenantConfig) -> None:
    """email_connection_id defaults to smtp_default; notify_on to failure, test_warnings and freshness."""
    assert tenant.alerts is not None, "the alerts block was not read"
    assert tenant.alerts.email == ("data-team@acme.example",), tenant.alerts.email
    assert tenant.alerts.email_connection_id == "smtp_default", tenant.alerts.email_connection_id
    assert tenant.alerts.slack_connection_id == "acme_slack", tenant.alerts.slack_connection_id
    assert tenant.alerts.notify_on == ("failure", "test_warnings", "freshness"), tenant.alerts.notify_on


def test_a_tenant_without_the_block_has_no_alerts(tmp_path: Path) -> None:
    """Alerts are opt-in: no block, no callbacks."""
    assert load_tenant_config(write_tenant(tmp_path, "")).alerts is None, "alerts should default to None"


def test_an_invalid_address_is_refused_naming_its_position(tmp_path: Path) -> None:
    """alerts.email[1] is named with what is wrong with it."""
    text = _problems(tmp_path, "alerts:\n  email: [ops@acme.example, ops-at-acme]\n")
    assert "alerts.email[1]: value is not a valid email address" in text, text


def test_a_webhook_url_instead_of_a_connection_id_is_refused(tmp_path: Path) -> None:
    """Secrets live in connections: a URL in slack_connection_id is refused with the fix."""
    text = _problems(tmp_path, "alerts:\n  slack_connection_id: 'https://hooks.example/T1/B2'\n")
    assert "alerts.slack_connection_id:" in text and "must be the id of an Airflow connection" in text, text


def test_a_block_without_any_channel_says_what_to_add(tmp_path: Path) -> None:
    """A block with neither email nor Slack would alert nobody."""
    text = _problems(tmp_path, "alerts:\n  notify_on: [failure]\n")
    assert "no channel to send to; add `email:" in text and "slack_connection_id" in text, text


def test_unknown_and_repeated_events_are_refused(tmp_path: Path) -> None:
    """notify_on is a closed vocabulary, each event once."""
    text = _problems(tmp_path, "alerts:\n  email: [a@acme.example]\n  notify_on: [failure, late]\n")
    assert "alerts.notify_on[1]: 'late' is not one of failure, test_warnings or freshness" in text, text
    text = _problems(tmp_path, "alerts:\n  email: [a@acme.example]\n  notify_on: [failure, failure]\n")
    assert "repeated: failure" in text, text


def test_a_bare_on_key_is_refused_with_the_fix(tmp_path: Path) -> None:
    """YAML 1.1 reads `on:` as true: the loader says so, which is why the field is notify_on."""
    text = _problems(tmp_path, "alerts:\n  email: [a@acme.example]\n  on: [failure]\n")
    assert "the key 'on' must be text" in text, text
