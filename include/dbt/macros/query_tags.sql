{#-
    Cost attribution: every query a tenant's run sends names the tenant, the dbt node and the run, so a warehouse
    bill can be split per tenant (and per model) with the warehouse's own query history (docs/warehouses.md,
    "Cost attribution").
    - Every warehouse: dbt's query comment (dbt_project.yml `query-comment`, appended: Snowflake strips leading
      comments) is this JSON: {"app": "flexlake", "tenant": ..., "node": ..., "run": ..., "dbt_invocation": ...}.
    - Snowflake: the same JSON as the session's query_tag while a model is built (QUERY_HISTORY.QUERY_TAG).
    - Redshift: `query_group` (STL_QUERY.label) and PostgreSQL: `application_name` (pg_stat_activity, the csvlog),
      set by a pre-hook on every model to "flexlake:<tenant>:<model>".
    "run" is the Airflow run id Cosmos exports (AIRFLOW_CTX_DAG_RUN_ID); empty when dbt runs outside Airflow.
    Calls between these macros are qualified (`flexlake.`): dbt runs a dispatched macro in the context of the node's
    package, and an overlay's own models are not in this one.
-#}
{% macro flexlake_query_tag(node_name) -%}
    {%- set tag = {
        'app': 'flexlake',
        'tenant': var('flexlake_tenant_id', 'local') | string,
        'node': node_name,
        'run': env_var('AIRFLOW_CTX_DAG_RUN_ID', ''),
        'dbt_invocation': invocation_id,
    } -%}
    {#- A run id is free text (the REST API takes any): it must neither close the comment nor the SQL string. -#}
    {{- return(tojson(tag) | replace('*/', '* /') | replace("'", '')) -}}
{%- endmacro %}

{#- dbt_project.yml `query-comment`: dbt calls it for every query, with the node running it (none between nodes). -#}
{% macro flexlake_query_comment(node) -%}
    {{- return(flexlake.flexlake_query_tag(node.name if node is not none else none)) -}}
{%- endmacro %}

{#- dbt-snowflake's hook, here with the tag above unless a model sets its own `query_tag` config, or var
    flexlake_snowflake_query_tag is false (then dbt-snowflake's own behaviour: only a configured tag is set). -#}
{% macro snowflake__set_query_tag() -%}
    {%- set default_tag = flexlake.flexlake_query_tag(model.name) if var('flexlake_snowflake_query_tag', true) else none -%}
    {%- set new_query_tag = config.get('query_tag') or default_tag -%}
    {%- if not new_query_tag -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set original_query_tag = get_current_query_tag() -%}
    {%- do run_query("alter session set query_tag = '{}'".format(new_query_tag | replace("'", "''"))) -%}
    {{ return(original_query_tag) }}
{%- endmacro %}

{#- dbt-snowflake's counterpart after the model: restore the session's previous tag (dbt-snowflake's own version
    only does so when the model configures `query_tag`, so the tag set above would stay on the session). -#}
{% macro snowflake__unset_query_tag(original_query_tag) -%}
    {%- if not (config.get('query_tag') or var('flexlake_snowflake_query_tag', true)) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if original_query_tag -%}
        {%- do run_query("alter session set query_tag = '{}'".format(original_query_tag | replace("'", "''"))) -%}
    {%- else -%}
        {%- do run_query("alter session unset query_tag") -%}
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of every model (dbt_project.yml): label the session with tenant and model where a tag is a setting. -#}
{% macro flexlake_tag_session() -%}
    {{ return(adapter.dispatch('flexlake_tag_session', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_tag_session() -%}
{%- endmacro %}

{#- "flexlake:<tenant>:<model>", at most `limit` characters, quotes dropped (it goes into a SQL string). -#}
{% macro flexlake_session_label(limit) -%}
    {{- return(("flexlake:" ~ var("flexlake_tenant_id", "local") ~ ":" ~ this.identifier)[:limit] | replace("'", "")) -}}
{%- endmacro %}

{#- application_name holds 63 bytes (PostgreSQL cuts the rest): tenant ids are at most 40 characters. -#}
{% macro postgres__flexlake_tag_session() -%}
    set application_name = '{{ flexlake.flexlake_session_label(63) }}'
{%- endmacro %}

{#- Redshift's query_group (STL_QUERY.label) holds 320 characters. -#}
{% macro redshift__flexlake_tag_session() -%}
    set query_group to '{{ flexlake.flexlake_session_label(320) }}'
{%- endmacro %}
