-- Scenario 7, the floor: UPDATE ... WHERE version = v with retry on the shared section.
-- The first transaction of each client (-D warm=1) warms its backend.
\if :warm
SELECT bench.warm_up();
\set warm 0
\endif
SELECT bench.contend_floor(':run', :client_id);
