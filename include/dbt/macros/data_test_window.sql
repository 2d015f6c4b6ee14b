{#-
    Which rows a generic data test reads (dbt's get_where_subquery dispatches here for the `model` of every generic
    test: the root project's default__ comes before dbt's own; an overlay lists `flexlake` in its `dispatch` search
    order for the `dbt` namespace). A test's own `where` config still applies.

    On an incremental run a tenant's incremental models rewrite only the rows of what changed; testing all
    their rows again every hour costs as much as the first build. So when the environment variable
    FLEXLAKE_DATA_TESTS_SINCE holds a timestamp (naive UTC, 'YYYY-MM-DD HH:MM:SS'), the tests of an
    incremental model that declares a `loaded_at` column read only its rows with loaded_at at or after it.
    Every row such a run writes qualifies: a fact row's loaded_at is the latest extraction of the records it is
    made of (macros/incremental.sql); a staging row's is the extraction of the version it keeps, and a key
    re-ranked without a new latest version keeps the row already tested (macros/staging_incremental.sql). The
    tenant DAG sets it (dag_factory/data_test_window.py) to the start of
    the previous successful run minus var incremental_lookback_hours, and leaves it unset on a full refresh,
    on a tenant's first run and on its first run of each UTC day, so everything is tested at least daily.
    Tables that are rebuilt in full (input layer, dimensions, marts) and the singular reconciliation
    tests (tests/) always read everything: they stay exact.

    An environment variable, not a --vars value: a var that changes every run changes dbt's vars hash, and dbt
    then re-parses the whole project. It is read only when executing (not while parsing), so dbt's partial
    parsing does not track it either.
-#}
{% macro default__get_where_subquery(relation) -%}
    {#- Qualified: dbt runs this in the context of the tested node's package (an overlay's own models too). Only when
        executing: while parsing, dbt renders it in a context without the project's macros. -#}
    {%- set window = flexlake.flexlake_data_test_window() if execute else '' -%}
    {%- set conditions = [config.get('where', ''), window] | select | list -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where ({{ conditions | join(') and (') }})) dbt_subquery
        {%- endset -%}
        {% do return(filtered) %}
    {%- else -%}
        {% do return(relation) %}
    {%- endif -%}
{%- endmacro %}

{#- The incremental window of this test's model as a SQL condition, or '' when the test reads every row. -#}
{% macro flexlake_data_test_window() -%}
    {%- set since = (env_var('FLEXLAKE_DATA_TESTS_SINCE', '') if execute else '') | trim -%}
    {%- set tested = graph.nodes.get(model.attached_node) if since and model.attached_node else none -%}
    {%- if tested is none or tested.config.materialized != 'incremental' or 'loaded_at' not in tested.columns -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}', since) -%}
        {{ exceptions.raise_compiler_error(
            "environment variable FLEXLAKE_DATA_TESTS_SINCE must be a naive UTC timestamp 'YYYY-MM-DD HH:MM:SS' "
            ~ "(or unset to test every row), got '" ~ since ~ "'") }}
    {%- endif -%}
    {{ return("loaded_at >= cast('" ~ since | replace('T', ' ') ~ "' as " ~ flexlake.flexlake_type_timestamp() ~ ")") }}
{%- endmacro %}
