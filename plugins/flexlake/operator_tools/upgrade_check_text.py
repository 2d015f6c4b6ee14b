"""`flexlake upgrade-check`'s text output: the verdict per tenant, then each finding with its fix."""

from flexlake.operator_tools.upgrade_check import BREAKS, TenantVerdict, UpgradeReport


def render_upgrade_report(report: UpgradeReport) -> str:
    lines = [f"upgrade check of {report.product}"]
    if report.product_error is not None:
        lines.append(f"  the candidate itself fails: {report.product_error}")
    lines.extend(line for tenant in report.tenants for line in _tenant_lines(tenant))
    lines.extend(f"  not checked (invalid tenant file): {problem}" for problem in report.invalid)
    verdict = "BREAKS at least one tenant: do not deploy as is" if report.breaks else "no tenant breaks"
    lines.append(f"result: {verdict}")
    return "\n".join(lines)


def _tenant_lines(tenant: TenantVerdict) -> list[str]:
    how = f"{tenant.warehouse}, {tenant.models} models {tenant.checked}"
    lines = [f"  {tenant.tenant_id}: {tenant.verdict}  ({how}; {tenant.file})"]
    for finding in tenant.findings:
        label = "break" if finding.kind == "breaks" else "full refresh"
        lines.append(f"    - {label}: {finding.subject}: {finding.detail}")
        lines.append(f"      fix: {finding.fix}")
    lines.extend(f"    note: {note}" for note in tenant.notes)
    if tenant.verdict == BREAKS:
        lines.append("      (deploying would fail this tenant's next run)")
    return lines
