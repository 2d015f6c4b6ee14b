{#
    var revenue_basis: which figure a mart's `revenue` column reports.
      net   (default) gross revenue minus refunds
      gross           revenue of all completed purchases, refunds ignored
    Returns the validated basis; an unknown value fails the compile with the allowed ones.
#}
{% macro flexlake_revenue_basis() -%}
    {%- set basis = var('revenue_basis', 'net') | string | trim | lower -%}
    {%- if basis not in ['net', 'gross'] -%}
        {{ exceptions.raise_compiler_error(
            "var revenue_basis must be 'net' or 'gross', got '" ~ var('revenue_basis') ~ "'") }}
    {%- endif -%}
    {{ return(basis) }}
{%- endmacro %}

{#- The column expression reporting revenue on the chosen basis. -#}
{% macro flexlake_revenue_column(gross_column, net_column) -%}
    {%- if flexlake.flexlake_revenue_basis() == 'gross' -%}{{ gross_column }}{%- else -%}{{ net_column }}{%- endif -%}
{%- endmacro %}
