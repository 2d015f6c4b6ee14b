{#-
    Model-level test: no two rows share the values of `columns` (a composite primary key such as
    source_relation + order_id), and none of them is null. dbt_utils' unique_combination_of_columns,
    which cannot be installed here. Fails with the offending key values and their count.
-#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as key_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
