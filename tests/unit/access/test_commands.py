"""`flexlake access`: refusals that need no database (the integration module runs the real sync and add-user)."""

import io

import pytest
from flexlake.access.sync import FAB_AUTH_MANAGER, generate_password
from flexlake.cli import main

SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def test_sync_refuses_without_the_fab_auth_manager(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under SimpleAuthManager there are no roles: exit 1 naming the setting to change, touching no table."""
    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", SIMPLE_AUTH_MANAGER)
    assert main(["access", "sync"]) == 1
    err = capsys.readouterr().err
    assert "tenant roles need the FAB auth manager" in err, err
    assert f"AIRFLOW__CORE__AUTH_MANAGER={FAB_AUTH_MANAGER}" in err, err


def test_add_user_refuses_an_empty_password_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--password-stdin with nothing on stdin is a mistake, not a user without a password."""
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["access", "add-user", "acme_outdoor", "alice", "--password-stdin"]) == 1
    assert "password read from stdin is empty" in capsys.readouterr().err


def test_add_user_refuses_before_creating_anything_without_fab(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A generated password is never printed when no user was created."""
    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", SIMPLE_AUTH_MANAGER)
    assert main(["access", "add-user", "acme_outdoor", "alice"]) == 1
    captured = capsys.readouterr()
    assert "password" not in captured.out, captured.out
    assert "FAB auth manager" in captured.err


def test_generated_passwords_are_long_and_different() -> None:
    """24 URL-safe characters from `secrets`: two calls never repeat."""
    first, second = generate_password(), generate_password()
    assert len(first) == 24 and first != second


@pytest.mark.parametrize("password", ["", "change-me-admin"])
def test_sync_refuses_an_empty_or_placeholder_admin_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], password: str
) -> None:
    """No admin with an empty password or docker/.env.example's placeholder: exit 1 before any table is touched."""
    monkeypatch.setenv("FLEXLAKE_ADMIN_PASSWORD", password)
    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", FAB_AUTH_MANAGER)
    assert main(["access", "sync", "--admin", "admin"]) == 1
    err = capsys.readouterr().err
    assert "admin password is" in err, err
    if password:
        assert password not in err, "the refused password must not be echoed"
