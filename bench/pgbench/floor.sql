-- Scenario 3, the floor: the same edit as one UPDATE with jsonb_set and a
-- version check, plus an insert of the patch, in one transaction. No row
-- updated (a version it did not expect) makes \gset fail and pgbench abort.
-- The first transaction of each client warms its backend (bench.warm_up).
\if :v = 1
SELECT bench.warm_up();
\endif
\set p random(0, 11)
\set s random(0, 4)
\set i random(0, 5)
\set euros random(1, 199)
\set cents random(10, 99)
BEGIN;
UPDATE bench.floor_sections SET content = jsonb_set(content, '{pages,:p,sections,:s,items,:i,price}', ':euros.:cents'), version = version + 1 WHERE tenant = 'bench' AND section = ':run-:client_id' AND version = :v RETURNING version AS v \gset
INSERT INTO bench.floor_history (tenant, section, version, patch) VALUES ('bench', ':run-:client_id', :v, '[{"op": "replace", "path": "/pages/:p/sections/:s/items/:i/price", "value": :euros.:cents}]');
END;
