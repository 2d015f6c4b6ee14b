# syntax=docker/dockerfile:1.7
# flexlake: one image for every Airflow component (api-server, scheduler, dag-processor, triggerer, workers).
#   docker build -t flexlake:0.1.0 --build-arg FLEXLAKE_VERSION=0.1.0 .        (docs/deploy.md)
# Every install or bake step is `docker/install.sh <stage>`; scripts/rehearse_image_build.sh executes these
# RUN lines in this order without a Docker engine, and tests/deploy checks that both list the same steps.
FROM apache/airflow:3.3.2-python3.12

# Keep in step with pyproject.toml's version (tests/deploy checks the default).
ARG FLEXLAKE_VERSION=0.1.0
ARG VCS_REF=unknown
LABEL org.opencontainers.image.title="flexlake" \
      org.opencontainers.image.description="Airflow-based ELT distribution: one DAG per tenant file, Airbyte sync, dbt marts, run catalog" \
      org.opencontainers.image.version="${FLEXLAKE_VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/apache/airflow:3.3.2-python3.12"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Everything flexlake installs lives under /opt/flexlake; the settings read by plugins/flexlake/settings.py
# point into it. Tenant configs are NOT baked: mount them at FLEXLAKE_TENANT_CONFIGS_DIR (onboarding = dropping
# a file there). The demo tenants are baked as examples in /opt/flexlake/examples/tenant_configs.
# Our venv comes first on PATH, so the base image's entrypoint runs our `airflow`.
ENV FLEXLAKE_HOME=/opt/flexlake \
    FLEXLAKE_BASE_PYTHON=python3.12 \
    FLEXLAKE_TENANT_CONFIGS_DIR=/opt/flexlake/tenant_configs \
    FLEXLAKE_DATA_DIR=/opt/flexlake/data \
    FLEXLAKE_DBT_PROJECT_DIR=/opt/flexlake/dbt \
    FLEXLAKE_DBT_MANIFEST_PATH=/opt/flexlake/dbt/target/manifest.json \
    FLEXLAKE_PYAIRBYTE_PYTHON=/opt/flexlake/venvs/pyairbyte/bin/python \
    FLEXLAKE_CONNECTORS_VENV_DIR=/opt/flexlake/venvs \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/flexlake/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/flexlake/airflow_plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__CACHE_DIR=/opt/flexlake/cache/cosmos \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    AIRFLOW__COSMOS__PROPAGATE_LOGS=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    DO_NOT_TRACK=1 \
    AIRBYTE_OFFLINE_MODE=1 \
    VIRTUAL_ENV=/opt/flexlake/venv \
    PATH=/opt/flexlake/venv/bin:${PATH}

# The only step run as root (and not rehearsed): a prefix the image user owns, group 0 for OpenShift.
USER 0
RUN install -d -o 50000 -g 0 -m 2775 /opt/flexlake
USER 50000

# Lock files before sources, one layer per venv: a code change rebuilds none of them. The uv cache is a
# BuildKit cache mount (the base image sets UV_CACHE_DIR=/tmp/.cache/uv), so it never lands in a layer.
COPY --chown=50000:0 docker/install.sh /opt/flexlake/build/docker/install.sh
RUN bash /opt/flexlake/build/docker/install.sh uv

COPY --chown=50000:0 requirements.txt /opt/flexlake/build/
RUN --mount=type=cache,target=/tmp/.cache/uv,uid=50000,gid=0 bash /opt/flexlake/build/docker/install.sh airflow

COPY --chown=50000:0 requirements-pyairbyte.txt /opt/flexlake/build/
RUN --mount=type=cache,target=/tmp/.cache/uv,uid=50000,gid=0 bash /opt/flexlake/build/docker/install.sh pyairbyte

COPY --chown=50000:0 requirements-source-faker.txt requirements-dlt.txt /opt/flexlake/build/
RUN --mount=type=cache,target=/tmp/.cache/uv,uid=50000,gid=0 bash /opt/flexlake/build/docker/install.sh connectors

COPY --chown=50000:0 pyproject.toml /opt/flexlake/build/
COPY --chown=50000:0 plugins/flexlake /opt/flexlake/build/plugins/flexlake/
RUN --mount=type=cache,target=/tmp/.cache/uv,uid=50000,gid=0 bash /opt/flexlake/build/docker/install.sh package

# The dbt project, with its manifest and partial parse baked (.dockerignore keeps any local target/ out), and
# the example tenants, whose overlay dbt projects get their manifests baked in the same step.
COPY --chown=50000:0 include/dbt /opt/flexlake/dbt/
COPY --chown=50000:0 tenant_configs /opt/flexlake/examples/tenant_configs/
RUN bash /opt/flexlake/build/docker/install.sh dbt

COPY --chown=50000:0 dags /opt/flexlake/dags/
# The portal's registration (flexlake.portal, served at /flexlake by the api-server; docs/deploy.md, Portal).
COPY --chown=50000:0 plugins/flexlake_plugin.py /opt/flexlake/airflow_plugins/
RUN bash /opt/flexlake/build/docker/install.sh layout

# CycloneDX SBOMs with licenses of the three venvs, in /opt/flexlake/sbom (docs/licensing.md); the license
# policy fails the build on a license it neither allows nor keeps with a reason. Last: a policy edit rebuilds
# only this layer.
COPY --chown=50000:0 licensing /opt/flexlake/build/licensing/
RUN --mount=type=cache,target=/tmp/.cache/uv,uid=50000,gid=0 bash /opt/flexlake/build/docker/install.sh sbom

WORKDIR /opt/airflow
