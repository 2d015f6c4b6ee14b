"""docker/helm/values.yaml for the official Apache Airflow chart.

Structural test: the chart's values.schema.json is published with the chart (its Helm repository), not on
PyPI or npm, so it cannot be obtained here; these tests check the keys flexlake relies on, with their types.
"""

import subprocess
from typing import Any

from tests.conftest import PROJECT_ROOT
from tests.deploy.conftest import dockerfile_env, project_version

EXECUTORS = {"KubernetesExecutor", "CeleryExecutor", "CeleryExecutor,KubernetesExecutor", "LocalExecutor"}
COMPONENTS = ("scheduler", "apiServer", "dagProcessor", "triggerer", "workers")


def _env(values: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in values["env"]}


def _cpu(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def test_the_values_use_the_flexlake_image_at_the_project_version(helm_values: dict[str, Any]) -> None:
    """images.airflow.repository is a string; the tag is pyproject.toml's version; Airflow 3.3.2."""
    image = helm_values["images"]["airflow"]
    assert isinstance(image["repository"], str) and image["repository"].endswith("/flexlake")
    assert image["tag"] == project_version()
    assert helm_values["airflowVersion"] == "3.3.2"
    assert helm_values["uid"] == 50000 and helm_values["gid"] == 0


def test_the_executor_is_a_documented_choice(helm_values: dict[str, Any]) -> None:
    """KubernetesExecutor by default; Celery is documented in the file as the alternative."""
    assert helm_values["executor"] in EXECUTORS
    assert "CeleryExecutor" in (PROJECT_ROOT / "docker" / "helm" / "values.yaml").read_text()


def test_the_dag_processor_runs_as_its_own_component(helm_values: dict[str, Any]) -> None:
    """dagProcessor.enabled is true (Airflow 3 parses DAGs apart from the scheduler)."""
    assert helm_values["dagProcessor"]["enabled"] is True


def test_tenant_configs_come_from_a_configmap_mounted_at_the_settings_path(helm_values: dict[str, Any]) -> None:
    """A ConfigMap volume is mounted, read-only, where the image reads tenant files."""
    target = dockerfile_env()["FLEXLAKE_TENANT_CONFIGS_DIR"]
    volumes = {volume["name"]: volume for volume in helm_values["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in helm_values["volumeMounts"]}
    assert isinstance(helm_values["volumes"], list) and isinstance(helm_values["volumeMounts"], list)
    assert target in mounts and mounts[target]["readOnly"] is True
    assert "configMap" in volumes[mounts[target]["name"]]
    assert _env(helm_values)["FLEXLAKE_TENANT_CONFIGS_DIR"] == target


def test_connections_come_from_a_secrets_backend_the_image_can_import(helm_values: dict[str, Any]) -> None:
    """Server and worker secrets backends are set, and the class imports in the locked Airflow."""
    env = _env(helm_values)
    backend = env["AIRFLOW__SECRETS__BACKEND"]
    assert env["AIRFLOW__WORKERS__SECRETS_BACKEND"] == backend
    module, _, name = backend.rpartition(".")
    python = PROJECT_ROOT / ".venv" / "bin" / "python"
    subprocess.run([str(python), "-c", f"from {module} import {name}"], check=True, capture_output=True)
    assert isinstance(helm_values["secret"], list)


def test_dags_are_baked_in_the_image_not_synced(helm_values: dict[str, Any]) -> None:
    """The chart reads DAGs from the image's dags folder; no DAG persistence or git-sync of code."""
    assert helm_values["config"]["core"]["dags_folder"] == dockerfile_env()["AIRFLOW__CORE__DAGS_FOLDER"]
    assert helm_values["dags"]["persistence"]["enabled"] is False
    assert helm_values["dags"]["gitSync"]["enabled"] is False


def test_resource_requests_fit_a_two_core_node(helm_values: dict[str, Any]) -> None:
    """Every component has requests and limits; CPU requests of one replica each add up to under 2 cores."""
    total = 0.0
    for component in COMPONENTS:
        resources = helm_values[component]["resources"]
        assert {"requests", "limits"} <= set(resources), component
        total += _cpu(str(resources["requests"]["cpu"]))
    assert total <= 2.0, f"CPU requests add up to {total} cores"
