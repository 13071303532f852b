-- Setup of scenarios 3 and 7 of bench/run (pgbench scripts in
-- bench/pgbench/): the raw floor tables an app would write without
-- draft_mode, the conflict log, and the compare-and-swap-with-retry
-- functions of the contention scenario. Runs after bench/setup.sql.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- The floor: a document with a version, and a log of the patches applied.
CREATE TABLE bench.floor_sections (
    tenant text NOT NULL,
    section text NOT NULL,
    content jsonb NOT NULL,
    version int8 NOT NULL,
    PRIMARY KEY (tenant, section)
);
CREATE TABLE bench.floor_history (
    tenant text NOT NULL,
    section text NOT NULL,
    version int8 NOT NULL,
    patch jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, section, version)
);

-- One row per version conflict a contention client saw (and retried).
CREATE TABLE bench.conflicts (run text NOT NULL, client int NOT NULL);

-- Creates the sections a pgbench run uses, with draft_mode and in the floor
-- table, named '<run>-<client>' (or just '<run>' when shared), all at
-- version 1 with the 50 KB document plus /counters (total and one per client).
CREATE FUNCTION bench.prepare_run(run text, clients int, shared bool) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    content jsonb := (SELECT jsonb_set(doc, '{counters}',
                                       jsonb_build_object('total', 0) || (SELECT jsonb_object_agg('c' || c, 0)
                                                                          FROM generate_series(0, clients - 1) AS c))
                        FROM bench.docs WHERE label = '50 KB');
    name text;
BEGIN
    FOR name IN SELECT CASE WHEN shared THEN run ELSE run || '-' || c END
                  FROM generate_series(0, CASE WHEN shared THEN 0 ELSE clients - 1 END) AS c LOOP
        PERFORM draft_mode.create_section('bench', name, content);
        INSERT INTO bench.floor_sections VALUES ('bench', name, content, 1);
    END LOOP;
END
$$;

-- Scenario 7 with draft_mode: adds one to /counters/total and to the
-- client's own counter, read at the version the patch names; on a version
-- conflict (PT409) logs it and starts over from a fresh read.
CREATE FUNCTION bench.contend(run text, client int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    current record;
BEGIN
    LOOP
        SELECT g.version, (g.content #>> '{counters,total}')::int8 AS total,
               (g.content -> 'counters' ->> ('c' || client))::int8 AS mine
          INTO current FROM draft_mode.get_section('bench', run) AS g;
        BEGIN
            PERFORM draft_mode.patch_draft('bench', run, jsonb_build_array(
                jsonb_build_object('op', 'replace', 'path', '/counters/total', 'value', current.total + 1),
                jsonb_build_object('op', 'replace', 'path', '/counters/c' || client, 'value', current.mine + 1)),
                current.version);
            RETURN;
        EXCEPTION WHEN SQLSTATE 'PT409' THEN
            INSERT INTO bench.conflicts VALUES (run, client);
        END;
    END LOOP;
END
$$;

-- Scenario 7's floor: the same edit as one UPDATE ... WHERE version = v
-- (zero rows: a conflict, logged, and start over) plus the patch's log row.
CREATE FUNCTION bench.contend_floor(run text, client int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    current record;
    patch jsonb;
BEGIN
    LOOP
        SELECT f.version, (f.content #>> '{counters,total}')::int8 AS total,
               (f.content -> 'counters' ->> ('c' || client))::int8 AS mine
          INTO current FROM bench.floor_sections AS f WHERE f.tenant = 'bench' AND f.section = run;
        patch := jsonb_build_array(
            jsonb_build_object('op', 'replace', 'path', '/counters/total', 'value', current.total + 1),
            jsonb_build_object('op', 'replace', 'path', '/counters/c' || client, 'value', current.mine + 1));
        UPDATE bench.floor_sections AS f
           SET content = jsonb_set(jsonb_set(f.content, '{counters,total}', to_jsonb(current.total + 1)),
                                   ARRAY['counters', 'c' || client], to_jsonb(current.mine + 1)),
               version = f.version + 1
         WHERE f.tenant = 'bench' AND f.section = run AND f.version = current.version;
        IF FOUND THEN
            INSERT INTO bench.floor_history (tenant, section, version, patch)
            VALUES ('bench', run, current.version + 1, patch);
            RETURN;
        END IF;
        INSERT INTO bench.conflicts VALUES (run, client);
    END LOOP;
END
$$;

-- Scenario 7's check after a run: the counters, the version and the history
-- account for every successful edit exactly once. successes holds each
-- client's count of completed transactions (from pgbench's log). Raises an
-- error on any difference; returns the conflicts.
CREATE FUNCTION bench.check_contention(run text, floor bool, successes int8[]) RETURNS int8
LANGUAGE plpgsql AS $$
DECLARE
    content jsonb;
    version int8;
    history_rows int8;
    expected_total int8 := (SELECT sum(s) FROM unnest(successes) AS s);
    wrong text;
BEGIN
    IF floor THEN
        SELECT f.content, f.version INTO content, version FROM bench.floor_sections AS f
         WHERE f.tenant = 'bench' AND f.section = run;
        SELECT count(*) + 1 INTO history_rows FROM bench.floor_history AS h
         WHERE h.tenant = 'bench' AND h.section = run;
    ELSE
        SELECT g.content, g.version INTO content, version FROM draft_mode.get_section('bench', run) AS g;
        SELECT count(*) INTO history_rows FROM draft_mode.history AS h
         WHERE h.tenant = 'bench' AND h.section = run;
    END IF;
    SELECT string_agg(format('client %s: %s successes, counter %s', c - 1, successes[c],
                             content -> 'counters' -> ('c' || (c - 1))), '; ')
      INTO wrong
      FROM generate_subscripts(successes, 1) AS c
     WHERE (content -> 'counters' ->> ('c' || (c - 1)))::int8 IS DISTINCT FROM successes[c];
    IF wrong IS NOT NULL
       OR (content #>> '{counters,total}')::int8 <> expected_total
       OR version <> expected_total + 1 OR history_rows <> expected_total + 1 THEN
        RAISE EXCEPTION 'scenario 7 (%): lost or duplicated updates', run
            USING DETAIL = format('successes %s, total counter %s, version %s, history rows (with create) %s; %s',
                                  expected_total, content #>> '{counters,total}', version, history_rows,
                                  coalesce(wrong, 'every client counter matches'));
    END IF;
    RETURN (SELECT count(*) FROM bench.conflicts AS c WHERE c.run = check_contention.run);
END
$$;
