-- Scenario 3, draft_mode: one patch_draft replacing a random price of the
-- client's own section ('<run>-<client>'); v is the version it expects,
-- set to 1 by -D v=1 and then to what each call returns.
-- The first transaction of each client warms its backend (bench.warm_up).
\if :v = 1
SELECT bench.warm_up();
\endif
\set p random(0, 11)
\set s random(0, 4)
\set i random(0, 5)
\set euros random(1, 199)
\set cents random(10, 99)
SELECT version AS v FROM draft_mode.patch_draft('bench', ':run-:client_id', '[{"op": "replace", "path": "/pages/:p/sections/:s/items/:i/price", "value": :euros.:cents}]', :v) \gset
