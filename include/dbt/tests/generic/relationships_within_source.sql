{#-
    Column test: every non-null value has a parent row in `to` with the same value in `field` *and the
    same source_relation* - natural ids are only unique per connection (two Shopify stores both have
    order 1001). Fails with the orphan rows. `model` is a relation, or on an incremental run a windowed subquery
    with its own alias (macros/data_test_window.sql): selected from, so either takes the alias `child`.
-#}
{% test relationships_within_source(model, column_name, to, field) %}

select
    child.source_relation,
    child.{{ column_name }}
from (select * from {{ model }}) as child
left join {{ to }} as parent
    on child.{{ column_name }} = parent.{{ field }}
    and child.source_relation = parent.source_relation
where child.{{ column_name }} is not null
    and parent.{{ field }} is null

{% endtest %}
