"""Source freshness: the age of each source's newest raw record, checked when a run publishes, judged by the
tier's thresholds (tenant_config/freshness_schema.py), written to summary.json and alerted on (alerts/)."""

from flexlake.freshness.check import check_source_freshness
from flexlake.freshness.report import freshness_breaches

__all__ = ["check_source_freshness", "freshness_breaches"]
