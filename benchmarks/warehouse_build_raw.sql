-- Raw Airbyte-shaped faker tables for benchmarks/warehouse_build_benchmark.py (DuckDB SQL). Each section starts
-- with "-- name: <name>" and is filled in with str.format ({{}} is a literal {}). All values are hash-based:
-- the same size gives the same rows on every run.

-- name: macros
-- h(id, salt, n): a deterministic pseudo-random integer in [0, n); pick(id, salt, list): an element by hash;
-- synced(t): the daily sync after t; returned(id, t): when a purchase made at t is returned (1-21 days later).
create or replace temp macro h(id, salt, n) as cast(hash(id, salt) % n as bigint);
create or replace temp macro pick(id, salt, xs) as xs[1 + h(id, salt, len(xs))];
create or replace temp macro synced(t) as date_trunc('day', t) + interval 26 hour;
create or replace temp macro returned(id, t) as t + to_seconds(86400 + h(id, 'd', 20 * 86400));

-- name: purchases
-- Purchase ids in [first, first + bought + bought / 9); ids from first + bought on are abandoned carts (no
-- purchased_at). A purchase is extracted by the daily sync after its last event (history, sync null) or at
-- one given time (an append sync); faker sets updated_at to the sync time.
select id, user_id, product_id, added_to_cart_at as created_at, synced as updated_at, added_to_cart_at,
    purchased_at, returned_at, md5('purchases-' || id) as _airbyte_raw_id, synced as _airbyte_extracted_at,
    cast('{{}}' as json) as _airbyte_meta
from (select *, coalesce({sync}, synced(coalesce(returned_at, purchased_at, added_to_cart_at))) as synced
    from (select *, case when h(id, 'r', 100) < {returned_pct} and returned(id, purchased_at) <= {start}
            + to_seconds({span}) then returned(id, purchased_at) end as returned_at
        from (select id, 1 + h(id, 'u', {users}) as user_id, 1 + h(id, 'p', 300) as product_id, added_to_cart_at,
                case when id < {first} + {bought} then added_to_cart_at + to_seconds(60 + h(id, 'b', 86400))
                end as purchased_at
            from (select range as id, {start} + to_seconds(h(range, 't', {span})) as added_to_cart_at
                from range({first}, {first} + {bought} + {bought} // 9))))
)

-- name: users
select id, created_at, synced(created_at) as updated_at, pick(id, 'n', ['Ann', 'Bo', 'Cy', 'Di', 'Ed']) as name,
    pick(id, 't', ['Mr.', 'Ms.', 'Dr.']) as title, 18 + h(id, 'a', 60) as age, 'user' || id || '@example.com' as email,
    '555-' || (id % 10000) as telephone, pick(id, 'g', ['Female', 'Male', 'Other']) as gender, 'English' as language,
    'Master' as academic_degree, 'Irish' as nationality, 'Decorator' as occupation,
    printf('%.2f', 1.5 + h(id, 'h', 50) / 100) as height, pick(id, 'bt', ['A+', 'O-', 'AB+']) as blood_type,
    50 + h(id, 'w', 60) as weight, cast(json_object('street_number', '1', 'street_name', 'Main',
        'city', 'City ' || (id % 500), 'state', 'State ' || (id % 50), 'postal_code', lpad(cast(id % 99999 as varchar),
        5, '0'), 'country_code', pick(id, 'cc', ['US', 'NL', 'DE', 'FR'])) as json) as address,
    md5('users-' || id) as _airbyte_raw_id, synced(created_at) as _airbyte_extracted_at,
    cast('{{}}' as json) as _airbyte_meta
from (select range as id, {start} + to_seconds(h(range, 'c', 730 * 86400)) as created_at from range(1, {users} + 1))

-- name: products
select id, pick(id, 'm', ['Toyota', 'Ford', 'Honda', 'BMW', 'Audi', 'Kia', 'Mazda', 'Volvo']) as make,
    'Model ' || id as model, 2000 + h(id, 'y', 25) as year, cast((500000 + h(id, 'pr', 6000000)) / 100
    as decimal(38, 9)) as price, {start} - interval 1 day as created_at, {start} as updated_at,
    md5('products-' || id) as _airbyte_raw_id, {start} as _airbyte_extracted_at, cast('{{}}' as json) as _airbyte_meta
from range(1, 301) as t(id)

-- name: returns
-- An existing kept purchase returned just now: a new version (newer updated_at) from the append sync.
select id, user_id, product_id, created_at, {sync}, added_to_cart_at, purchased_at, {sync} - interval 1 hour,
    md5('return-' || id), {sync}, _airbyte_meta
from {schema}.purchases where id <= {lines} and returned_at is null and h(id, 'v', 1000) = 0
