"""`flexlake upgrade-check --product <dir>`: would a new version of the data product (include/dbt) break a tenant, or
need a full refresh of its incremental models, before it is deployed?

Everything runs in a temporary folder; the candidate, the live product and the overlays are only read:
1. dbt's own `dbt parse` of the candidate (in-process dbtRunner, target and logs in the temp folder).
2. Per tenant, the project it builds: the candidate itself, or a copy of its overlay whose `local:` package points
   at the candidate (FLEXLAKE_DBT_PROJECT_DIR, as `flexlake manifest` does), `dbt deps` in the copy (offline).
3. DuckDB tenants: `dbt build` of exactly the tenant's selection (the DAG factory's excludes: removed marts and
   models, absent source systems, pass-through models), vars (its definitions, pass-through columns, sources) and
   no tests, into a throwaway DuckDB file with no raw data: every raw stream is then an empty select with its
   declared columns (macros/raw_stream.sql), so every model's SQL is the tenant's SQL and really executes; a
   removed column or model fails the model that uses it. Server warehouses (PostgreSQL, Snowflake, Redshift, SQL
   Server) are not compiled here (their SQL is their own, a DuckDB stand-in would change it): their project is
   parsed against the candidate, `dbt ls` resolves their selection, and the manifests are compared.
4. The tenant's manifest from that run against the deployed one (include/dbt/target/manifest.json, or the
   overlay's target/manifest.json): incremental models whose SQL, columns or contract changed need a full refresh
   (manifest_changes.py); overlay models naming a column the candidate removed are named with it; tenant-file
   fields that point at something the candidate no longer has (exclude_models, disabled_marts, pass-through
   entities, vars) are named with the fix.
"""

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner, dbtRunnerResult

from flexlake import settings
from flexlake.dag_factory.dbt_operator import dbt_vars
from flexlake.dag_factory.dbt_task_group import dbt_exclude
from flexlake.dbt_manifests import overlay_manifest_path
from flexlake.operator_tools.manifest_changes import (
    Finding,
    Manifest,
    incremental_changes,
    removed_columns_used,
    vanished_names,
)
from flexlake.tenant_config import TenantConfig, load_tenant_configs, tenant_files
from flexlake.tenant_config.dbt_schema import PASS_THROUGH_ENTITIES
from flexlake.tenant_config.safe_yaml import YamlProblem, read_yaml_mapping

OK, BREAKS, FULL_REFRESH = "OK", "BREAKS", "NEEDS FULL REFRESH"
_GENERATED = shutil.ignore_patterns("target", "logs", "dbt_packages", "package-lock.yml", ".user.yml")
_EXECUTED = "built on DuckDB (a throwaway file, no raw rows)"
_PARSED = "listed: parsed + manifest comparison ({warehouse} SQL is not compiled here)"
_FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


@dataclass(frozen=True)
class TenantVerdict:
    tenant_id: str
    file: str
    warehouse: str
    checked: str
    models: int = 0  # models of the tenant's selection that were built (DuckDB) or listed
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        kinds = {finding.kind for finding in self.findings}
        return BREAKS if "breaks" in kinds else FULL_REFRESH if "full_refresh" in kinds else OK


@dataclass(frozen=True)
class UpgradeReport:
    product: str
    product_error: str | None = None
    tenants: tuple[TenantVerdict, ...] = ()
    invalid: tuple[str, ...] = field(default=())

    @property
    def breaks(self) -> bool:
        return self.product_error is not None or any(tenant.verdict == BREAKS for tenant in self.tenants)

    def document(self) -> dict[str, Any]:
        """The `--json` document: one entry per tenant with its verdict and findings."""
        return {
            "product": self.product,
            "product_error": self.product_error,
            "breaks": self.breaks,
            "tenants": [
                {
                    "tenant_id": tenant.tenant_id,
                    "file": tenant.file,
                    "warehouse": tenant.warehouse,
                    "checked": tenant.checked,
                    "models": tenant.models,
                    "verdict": tenant.verdict,
                    "findings": [vars(finding) for finding in tenant.findings],
                    "notes": list(tenant.notes),
                }
                for tenant in self.tenants
            ],
            "invalid_tenant_files": list(self.invalid),
        }


def check_upgrade(product: Path, tenants_dir: Path) -> UpgradeReport:
    """Check every valid tenant of `tenants_dir` against the candidate product folder `product`."""
    product = product.absolute()
    if not (product / "dbt_project.yml").is_file():
        return UpgradeReport(str(product), f"{product}/dbt_project.yml not found: --product names a dbt project")
    loaded = load_tenant_configs(tenants_dir)
    files = {path.stem: path for path in tenant_files(tenants_dir)}  # the loader insists stem == tenant_id
    invalid = tuple(f"{error.path}: {error}" for error in loaded.errors)
    with tempfile.TemporaryDirectory(prefix="flexlake-upgrade-check-") as work:
        parsed = _dbt(["parse"], project=product, product=product, target=Path(work) / "product")
        if not parsed.success:
            return UpgradeReport(
                str(product), f"`dbt parse` of the candidate failed: {_error_text(parsed)}", (), invalid
            )
        verdicts = tuple(
            _check_tenant_safely(tenant, files[tenant.tenant_id], product, Path(work) / tenant.tenant_id)
            for tenant in sorted(loaded.tenants, key=lambda tenant: tenant.tenant_id)
        )
    return UpgradeReport(str(product), None, verdicts, invalid)


# --- one tenant -------------------------------------------------------------------------------------------


def _check_tenant_safely(tenant: TenantConfig, file: Path, product: Path, work: Path) -> TenantVerdict:
    """As the DAG factory: whatever goes wrong checking one tenant is that tenant's BREAKS, the others are checked."""
    warehouse = tenant.warehouse.type
    checked = _EXECUTED if warehouse == "duckdb" else _PARSED.format(warehouse=warehouse)
    verdict = TenantVerdict(tenant.tenant_id, str(file), warehouse, checked)
    try:
        return _check_tenant(verdict, tenant, product, work)
    except Exception as error:  # reported as that tenant's finding, with the exception's type
        problem = f"the check itself failed ({type(error).__name__}): {error}"
        return _with(verdict, [Finding("breaks", "upgrade-check", problem, "fix the cause above and run it again")])


def _check_tenant(verdict: TenantVerdict, tenant: TenantConfig, product: Path, work: Path) -> TenantVerdict:
    project, problem = _tenant_project(tenant, product, work)
    if problem is not None:
        return _with(verdict, [problem])
    result, built = _build_or_list(tenant, project, product, work / "target")
    verdict = replace(verdict, models=len(built))
    manifest = _read_json(work / "target" / "manifest.json")
    if manifest is None:
        return _with(verdict, [_parse_failure(tenant, result)])
    deployed = _read_json(_deployed_manifest(tenant))
    findings = _run_failures(tenant, result) + tenant_field_findings(tenant, product, manifest, deployed)
    if deployed is None:
        note = f"no deployed manifest at {_deployed_manifest(tenant)}: full-refresh needs not checked"
        return _with(verdict, findings, (note,))
    if tenant.dbt.overlay_project:
        findings += removed_columns_used(deployed, manifest, str(manifest.get("metadata", {}).get("project_name")))
    findings += incremental_changes(deployed, manifest, built)
    return _with(verdict, findings)


def _with(verdict: TenantVerdict, findings: list[Finding], notes: tuple[str, ...] = ()) -> TenantVerdict:
    return replace(verdict, findings=tuple(dict.fromkeys(findings)), notes=notes)


def _tenant_project(tenant: TenantConfig, product: Path, work: Path) -> tuple[Path, Finding | None]:
    """The candidate itself, or a copy of the tenant's overlay with the candidate installed as its package."""
    if not tenant.dbt.overlay_project:
        return product, None
    copy = work / "overlay"
    shutil.copytree(Path(tenant.dbt.overlay_project), copy, ignore=_GENERATED)
    deps = _dbt(["deps"], project=copy, product=product, target=work / "deps")
    if deps.success:
        return copy, None
    return copy, Finding(
        "breaks",
        "dbt.overlay_project",
        f"`dbt deps` of {tenant.dbt.overlay_project} against the new product failed: {_error_text(deps)}",
        "its packages.yml must name the product as `local: \"{{ env_var('FLEXLAKE_DBT_PROJECT_DIR', ...) }}\"`",
    )


def _build_or_list(
    tenant: TenantConfig, project: Path, product: Path, target: Path
) -> tuple[dbtRunnerResult, set[str]]:
    """DuckDB: build the tenant's selection without tests; other warehouses: list it. Returns the result and the
    unique ids of the models the tenant builds."""
    exclude = dbt_exclude(tenant)
    selection = ["--exclude", *exclude] if exclude else []
    if tenant.warehouse.type != "duckdb":
        command = ["ls", "--resource-type", "model", "--output", "json", "--output-keys", "unique_id"]
        result = _dbt([*command, *selection, "--vars", json.dumps(dbt_vars(tenant))], project, product, target)
        listed = result.result if result.success and isinstance(result.result, list) else []
        return result, {json.loads(line)["unique_id"] for line in listed}
    command = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test", *selection]
    result = _dbt([*command, "--vars", json.dumps(_throwaway_duckdb_vars(tenant, target))], project, product, target)
    results = getattr(result.result, "results", None) or []
    return result, {r.node.unique_id for r in results if r.node.resource_type == "model"}


def _throwaway_duckdb_vars(tenant: TenantConfig, target: Path) -> dict[str, Any]:
    """The tenant's vars, but its warehouse is a new file in the temp folder and no raw file is attached: raw
    schemas are looked up in that empty file, found absent, and read as empty selects of the declared columns."""
    tenant_vars = dbt_vars(tenant)
    relations = {
        system: [{**location, "database": None} for location in locations]
        for system, locations in tenant_vars.get("flexlake_raw_relations", {}).items()
    }
    throwaway = {"flexlake_duckdb_path": str(target / "upgrade_check.duckdb"), "flexlake_duckdb_attach": []}
    return {**tenant_vars, **throwaway, "flexlake_raw_relations": relations}


def _deployed_manifest(tenant: TenantConfig) -> Path:
    overlay = tenant.dbt.overlay_project
    return overlay_manifest_path(Path(overlay)) if overlay else settings.DBT_MANIFEST_PATH


# --- findings ----------------------------------------------------------------------------------------------


def _parse_failure(tenant: TenantConfig, result: dbtRunnerResult) -> Finding:
    overlay = tenant.dbt.overlay_project
    where = f"the overlay {overlay}" if overlay else "the new product with this tenant's vars"
    fix = (
        f"change {overlay}'s models to the new product (refs, macros, columns), then `make manifest`"
        if overlay
        else "fix the candidate product (it does not parse with this tenant's vars), or the tenant file's dbt block"
    )
    return Finding("breaks", overlay or "dbt project", f"{where} does not parse: {_error_text(result)}", fix)


def _run_failures(tenant: TenantConfig, result: dbtRunnerResult) -> list[Finding]:
    """One finding per model or seed that failed in the tenant's DuckDB build (the database's own message)."""
    findings = []
    for item in getattr(result.result, "results", None) or []:
        if str(item.status).lower() not in _FAILED_STATUSES:
            continue
        node = item.node
        overlay = tenant.dbt.overlay_project
        own = overlay is not None and node.package_name != "flexlake"
        kind = "overlay model" if own else "product model"
        message = " ".join(str(item.message or "").split())[:600]
        fix = (
            f"change {overlay}/{node.original_file_path} to the new product, then `make manifest`"
            if own
            else "fix the candidate product for this tenant (its vars, sources and pass-through columns above)"
        )
        findings.append(Finding("breaks", node.name, f"{kind} {node.name} fails: {message}", fix))
    return findings


def tenant_field_findings(
    tenant: TenantConfig, product: Path, manifest: Manifest, deployed: Manifest | None
) -> list[Finding]:
    """Tenant-file fields naming what the candidate no longer has."""
    file_fields = tenant.dbt
    findings = []
    plain = [name for name in file_fields.exclude_models if name.replace("_", "").isalnum()]
    for name in vanished_names(deployed or {}, manifest, plain):
        findings.append(
            Finding(
                "breaks",
                "dbt.exclude_models",
                f"names {name}, a model the new product no longer has (the tenant would build its replacement)",
                f"replace {name} with the new model's name in dbt.exclude_models, or remove it",
            )
        )
    for mart in file_fields.disabled_marts:
        if not (product / "models" / "marts" / mart).is_dir():
            findings.append(
                Finding(
                    "breaks",
                    "dbt.disabled_marts",
                    f"names {mart}, a mart folder the new product no longer has (models/marts/{mart})",
                    f"remove {mart} from dbt.disabled_marts, or list the new mart models in dbt.exclude_models",
                )
            )
    findings.extend(_pass_through_findings(tenant, manifest))
    findings.extend(_var_findings(tenant, product))
    return findings


def _pass_through_findings(tenant: TenantConfig, manifest: Manifest) -> list[Finding]:
    names = {str(node.get("name")) for node in manifest.get("nodes", {}).values()}
    return [
        Finding(
            "breaks",
            f"dbt.pass_through_columns.{entity}",
            f"the new product has no model pass_through__{entity}: these columns would no longer be carried",
            f"move the columns to an entity the new product passes through ({', '.join(PASS_THROUGH_ENTITIES)})",
        )
        for entity in tenant.dbt.pass_through_columns
        if f"pass_through__{entity}" not in names
    ]


def _var_findings(tenant: TenantConfig, product: Path) -> list[Finding]:
    """Vars the tenant sets that the candidate's dbt_project.yml no longer declares (so no model reads them)."""
    try:
        declared = read_yaml_mapping(product / "dbt_project.yml").get("vars") or {}
    except YamlProblem as problem:
        return [Finding("breaks", "dbt_project.yml", f"the new product's dbt_project.yml: {problem}", "fix it")]
    return [
        Finding(
            "breaks",
            f"dbt.vars.{name}",
            f"the new product no longer declares the var {name} (its definition would silently not apply)",
            f"remove dbt.vars.{name}, or set the var that replaces it (the product's README, 'Vars')",
        )
        for name in sorted(tenant.dbt.vars.as_dbt_vars())
        if name not in declared
    ]


# --- dbt ----------------------------------------------------------------------------------------------------


def _dbt(args: list[str], project: Path, product: Path, target: Path) -> dbtRunnerResult:
    """dbt in-process on the candidate's profiles (DuckDB target), target and logs in the temp folder; an overlay's
    `local:` package resolves to the candidate through FLEXLAKE_DBT_PROJECT_DIR."""
    common = ["--project-dir", str(project), "--profiles-dir", str(product), "--target", "duckdb"]
    paths = ["--log-path", str(target / "logs")]
    if args[0] != "deps":  # deps writes no target and has no such flags
        paths += ["--target-path", str(target), "--no-partial-parse"]
    with _environment(FLEXLAKE_DBT_PROJECT_DIR=str(product), DBT_SEND_ANONYMOUS_USAGE_STATS="False"):
        return dbtRunner().invoke([*args, *common, *paths, "--quiet", "--no-use-colors"])


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _error_text(result: dbtRunnerResult) -> str:
    text = str(result.exception) if result.exception is not None else "see the dbt output above"
    return " ".join(text.split())[:800]


def _read_json(path: Path) -> Mapping[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None
