"""`flexlake new-tenant`: write a tenant file (and optionally an overlay) that the loader accepts, or nothing.

The file is created exclusively (an existing file is never overwritten), then read back by load_tenant_config
and checked together with the folder's other tenants (check_tenants_together, the same checks as `validate`
and the DAG factory). Anything refused is removed again, so a failed command leaves the folder as it was.
"""

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from flexlake.operator_tools.overlay_skeleton import write_overlay_skeleton
from flexlake.operator_tools.tenant_document import (
    TenantAnswers,
    credentials_connection_id,
    overlay_folder_name,
    tenant_document,
)
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config, tenant_files
from flexlake.tenant_config.loader import TENANT_FILE_SUFFIXES, check_tenants_together

_HEADER = (
    "# yaml-language-server: $schema=./tenant_config.schema.json\n"
    "# Written by `flexlake new-tenant`; every field is documented in _example.yaml.\n"
)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two sources (e.g. one start date) twice: the loader refuses YAML aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


@dataclass(frozen=True)
class CreatedTenant:
    path: Path
    config: TenantConfig
    overlay_dir: Path | None


def create_tenant(answers: TenantAnswers, folder: Path) -> CreatedTenant:
    """Write <folder>/<id>.yaml (+ overlays/<id>); if refused (NewTenantRefused, TenantConfigError), write nothing."""
    path = folder / f"{answers.tenant_id}.yaml"
    _refuse_existing(folder, answers)
    others = _valid_tenants(folder)
    overlay_dir = folder / overlay_folder_name(answers.tenant_id) if answers.overlay else None
    if overlay_dir is not None:
        write_overlay_skeleton(overlay_dir, answers.tenant_id)
    try:
        with path.open("x", encoding="utf-8") as file:
            document = yaml.dump(tenant_document(answers), Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True)
            file.write(_HEADER + document)
        config = load_tenant_config(path)
        _refuse_what_the_folder_refuses(others, path, config)
    except BaseException:
        path.unlink(missing_ok=True)
        if overlay_dir is not None:
            shutil.rmtree(overlay_dir, ignore_errors=True)
            with contextlib.suppress(OSError):  # overlays/ itself only if this command made it and it is empty
                overlay_dir.parent.rmdir()
        raise
    return CreatedTenant(path=path, config=config, overlay_dir=overlay_dir)


def _refuse_what_the_folder_refuses(others: list[tuple[Path, TenantConfig]], path: Path, config: TenantConfig) -> None:
    """The folder-wide checks with the new file: its own refusal, or one it causes to a tenant valid until now."""
    _, refused = check_tenants_together([*others, (path, config)])
    mine = [error for error in refused if error.path == path]
    if mine:
        raise mine[0]
    if refused:  # the new file took something an existing tenant had: the existing one must not lose its DAG
        problems = [f"{error.path.name} would be refused: {problem}" for error in refused for problem in error.problems]
        raise TenantConfigError(path, problems)


class NewTenantRefused(ValueError):
    """The tenant's file or overlay folder already exists: nothing is written."""


def _refuse_existing(folder: Path, answers: TenantAnswers) -> None:
    for file in (folder / f"{answers.tenant_id}{suffix}" for suffix in TENANT_FILE_SUFFIXES):
        if file.exists():
            raise NewTenantRefused(f"{file} already exists; new-tenant never overwrites (edit it or pick another id)")
    overlay = folder / overlay_folder_name(answers.tenant_id)
    if answers.overlay and overlay.exists():
        raise NewTenantRefused(f"--overlay: {overlay} already exists; remove --overlay or move that folder")


def _valid_tenants(folder: Path) -> list[tuple[Path, TenantConfig]]:
    """The folder's tenants that load; an invalid one is `validate`'s to report, not a reason to refuse."""
    loaded = []
    for file in tenant_files(folder):
        try:
            loaded.append((file, load_tenant_config(file)))
        except TenantConfigError:
            continue
    return loaded


def next_steps(created: CreatedTenant) -> str:
    """What the operator does next: connections (by id), validate, provision, overlay build, reader access."""
    tenant, folder = created.config, created.path.parent
    steps = [f"wrote {created.path}"]
    if created.overlay_dir:
        steps.append(f"wrote overlay skeleton {created.overlay_dir}")
    steps.append("next steps:")
    connections = _connections_to_create(tenant)
    if connections:
        steps.append("  - create the Airflow connections:")
        steps.extend(f"      {connection}" for connection in connections)
    steps.append(f"  - flexlake validate {folder}")
    if created.overlay_dir:
        steps.append(f"  - add models under {created.overlay_dir}/models, then: flexlake manifest {folder}")
    if tenant.airbyte is not None:
        steps.append(f"  - flexlake airbyte plan {tenant.tenant_id} --tenants {folder}   (then: airbyte apply)")
    steps.append(f"  - flexlake provision {created.path} --dry-run   (then without --dry-run)")
    steps.append(f"  - reader access for the customer: {_reader_access(tenant)}")
    steps.append(f"  - flexlake plan {created.path}   (what its DAG will run), then commit the file")
    steps.append(
        f"  - once its DAG is listed: flexlake access sync --tenants {folder}, then flexlake access add-user "
        f"{tenant.tenant_id} <username>   (the customer's people see only this tenant)"
    )
    return "\n".join(steps)


def _connections_to_create(tenant: TenantConfig) -> list[str]:
    warehouse = tenant.warehouse
    connections = []
    if warehouse.type != "duckdb":
        connections.append(f"{warehouse.connection_id}: the {warehouse.type} warehouse (host, login, password)")
    for source in tenant.sources:
        if source.system != "faker":
            secret = "the Admin API access token" if source.system == "shopify" else "the secret key sk_..."
            connection_id = credentials_connection_id(tenant.tenant_id, source.name)
            connections.append(f"{connection_id}: {source.system} source {source.name} (password = {secret})")
    if tenant.airbyte is not None:
        connections.append(
            f"{tenant.airbyte.connection_id}: the Airbyte server (host = API root, login/password = client id/secret)"
        )
    return connections


def _reader_access(tenant: TenantConfig) -> str:
    if tenant.warehouse.type == "duckdb":
        return "reader.duckdb, the read-only copy of the marts published next to the warehouse file after each run"
    return f"Airflow connection flexlake_reader__{tenant.tenant_id}, made by provisioning (password never printed)"
