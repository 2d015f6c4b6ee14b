"""The JSON schema of tenant files, generated from the models so editors can autocomplete them.

`flexlake schema` writes it to tenant_configs/tenant_config.schema.json; a test fails when the
committed file drifts from the models.
"""

import json

from flexlake.tenant_config.schema import TenantConfig

SCHEMA_FILE_NAME = "tenant_config.schema.json"


def tenant_config_json_schema() -> str:
    schema = TenantConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "flexlake tenant config"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
