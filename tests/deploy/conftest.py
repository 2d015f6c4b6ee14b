"""Shared helpers for the deployment checks: the parsed Dockerfile, compose file and Helm values."""

import importlib.util
import re
import tomllib
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE_FILE = PROJECT_ROOT / "docker" / "compose.yaml"
ENV_EXAMPLE = PROJECT_ROOT / "docker" / ".env.example"
HELM_VALUES = PROJECT_ROOT / "docker" / "helm" / "values.yaml"
INSTALL_SCRIPT = PROJECT_ROOT / "docker" / "install.sh"
REHEARSAL_SCRIPT = PROJECT_ROOT / "scripts" / "rehearse_image_build.sh"


def project_version() -> str:
    version: str = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuations joined; parsed here, apart from docker/rehearse.py."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            env.update(token.split("=", 1) for token in rest.split())  # type: ignore[misc]
    return env


def load_rehearsal_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flexlake_rehearse", PROJECT_ROOT / "docker" / "rehearse.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


@pytest.fixture(scope="session")
def helm_values() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(HELM_VALUES.read_text())
    return document
