-- Helpers of the store's regression tests, included with \i (echo off; pg_regress
-- feeds tests to psql on standard input, so paths are relative to the repo root).
-- pg_temp.try shows an error's SQLSTATE, message, DETAIL and HINT (code 00000
-- when the statement succeeded); pg_temp.state shows everything a store call
-- may change for one section, so a failure can be followed by proof that
-- nothing changed. They live in pg_temp: include again after \c.

-- Runs statement; its error as (code, message, detail, hint), or code 00000
-- when it succeeds (which, where an error is expected, shows in the diff).
CREATE FUNCTION pg_temp.try(statement text,
                            OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := '00000';
    message := 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END
$$;

-- Everything a store call may change for one section, read from the tables.
CREATE FUNCTION pg_temp.state(tenant text, section text,
                              OUT version int8, OUT published_version int8,
                              OUT has_draft bool, OUT draft jsonb, OUT published jsonb,
                              OUT history_rows int8, OUT undo int8[], OUT redo int8[])
LANGUAGE sql AS $$
    SELECT s.version, s.published_version, s.draft_content IS NOT NULL, s.draft_content,
           s.published_content,
           (SELECT count(*) FROM draft_mode.history AS h
             WHERE h.tenant = s.tenant AND h.section = s.section),
           s.undo_versions, s.redo_versions
      FROM draft_mode.sections AS s
     WHERE s.tenant = state.tenant AND s.section = state.section
$$;
