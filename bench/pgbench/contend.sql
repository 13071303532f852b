-- Scenario 7, draft_mode: compare-and-swap with retry on the shared section.
-- The first transaction of each client (-D warm=1) warms its backend.
\if :warm
SELECT bench.warm_up();
\set warm 0
\endif
SELECT bench.contend(':run', :client_id);
