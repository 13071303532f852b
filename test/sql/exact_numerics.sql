-- jsonb numbers are arbitrary-precision numerics: every function must return
-- them exactly as jsonb prints them (numeric_out), whether an operation
-- touches them or not, and must compare them the way numeric does.

-- Long values are shown as their first and last digits and their length; the
-- comparisons always use the full text.
CREATE FUNCTION pg_temp.shown(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(value) <= 32 THEN value
                ELSE left(value, 12) || '...' || right(value, 8) || ' (' || length(value) || ' chars)'
           END
$$;

--
-- Fixed values, untouched and touched by each function
--
CREATE TEMP TABLE samples (id int PRIMARY KEY, literal text NOT NULL);
INSERT INTO samples VALUES
    (1, '19.90'),
    (2, '12345678901234567890123'),
    (3, '0.1000000000000000000001'),
    (4, '1e-400'),
    (5, '1e400'),
    (6, '-0.0'),
    (7, '100.000'),
    (8, '-12345678901234567890.12345678901234567890'),
    (9, '1E+2'),
    (10, '0.000010');

-- What jsonb itself makes of each literal: the text every result must match.
-- (jsonb normalizes the exponent form and the sign of zero, as numeric does.)
SELECT id, literal, pg_temp.shown(literal::jsonb::text) AS jsonb_text
  FROM samples ORDER BY id;

\x on
SELECT s.id,
       s.literal,
       pg_temp.shown(expected) AS expected,
       -- a patch that touches another member
       pg_temp.shown(draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/other", "value": 2}]') -> 'n' ->> 0) AS untouched,
       pg_temp.shown(draft_mode.jsonb_patch(doc, '[{"op": "move", "from": "/n/0", "path": "/moved"}]') ->> 'moved') AS moved,
       pg_temp.shown(draft_mode.jsonb_patch(doc, '[{"op": "copy", "from": "/n", "path": "/copied"}]') -> 'copied' ->> 0) AS copied,
       pg_temp.shown(draft_mode.jsonb_patch('{}', jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/added', 'value', value))) ->> 'added') AS added,
       pg_temp.shown(draft_mode.jsonb_patch('{"r": 0}', jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/r', 'value', value))) ->> 'r') AS replaced,
       pg_temp.shown(draft_mode.jsonb_merge_patch('{"m": 0}', jsonb_build_object('m', jsonb_build_object('deep', value))) -> 'm' ->> 'deep') AS merged,
       pg_temp.shown(draft_mode.jsonb_diff('{"d": 0}', jsonb_build_object('d', value)) -> 0 ->> 'value') AS diffed,
       pg_temp.shown(draft_mode.jsonb_pointer_get(doc, '/n/0')::text) AS pointer_get,
       -- every result above, compared in full with the expected text
       (draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/other", "value": 2}]') -> 'n')::text = (doc -> 'n')::text
       AND draft_mode.jsonb_patch(doc, '[{"op": "move", "from": "/n/0", "path": "/moved"}]') ->> 'moved' = expected
       AND draft_mode.jsonb_patch(doc, '[{"op": "copy", "from": "/n", "path": "/copied"}]') -> 'copied' ->> 0 = expected
       AND draft_mode.jsonb_patch('{}', jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/added', 'value', value))) ->> 'added' = expected
       AND draft_mode.jsonb_patch('{"r": 0}', jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/r', 'value', value))) ->> 'r' = expected
       AND draft_mode.jsonb_merge_patch('{"m": 0}', jsonb_build_object('m', jsonb_build_object('deep', value))) -> 'm' ->> 'deep' = expected
       AND draft_mode.jsonb_diff('{"d": 0}', jsonb_build_object('d', value)) -> 0 ->> 'value' = expected
       AND draft_mode.jsonb_patch('{"d": 0}', draft_mode.jsonb_diff('{"d": 0}', jsonb_build_object('d', value))) ->> 'd' = expected
       AND draft_mode.jsonb_pointer_get(doc, '/n/0')::text = expected AS all_exact,
       -- a test of the value against itself succeeds
       draft_mode.jsonb_patch(doc, jsonb_build_array(jsonb_build_object('op', 'test', 'path', '/n/0', 'value', value)))::text = doc::text AS test_self
  FROM samples s,
       LATERAL (SELECT s.literal::jsonb AS value,
                       s.literal::jsonb::text AS expected,
                       format('{"n": [%s, %s], "other": 1}', s.literal, s.literal)::jsonb AS doc) v
 ORDER BY s.id;
\x off

-- the diff of a document against a copy with other number texts replaces exactly those numbers
SELECT draft_mode.jsonb_diff('{"price": 19.90, "qty": 100.000, "id": 12345678901234567890123, "x": 0.1000000000000000000001}',
                             '{"price": 19.9, "qty": 100, "id": 12345678901234567890123, "x": 0.1000000000000000000001}');

--
-- Chosen pairs: numerically equal with different text, and nearly equal
--
-- diff_is_empty must equal same_text (jsonb_diff keeps every number's text),
-- test_succeeds must equal numeric_equal (a "test" compares values).
CREATE FUNCTION pg_temp.test_succeeds(doc jsonb, expected jsonb) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM draft_mode.jsonb_patch(doc, jsonb_build_array(
        jsonb_build_object('op', 'test', 'path', '/0', 'value', expected)));
    RETURN true;
EXCEPTION WHEN SQLSTATE 'DM004' THEN
    RETURN false;
END
$$;

CREATE TEMP TABLE chosen (id int PRIMARY KEY, x numeric NOT NULL, y numeric NOT NULL);
INSERT INTO chosen VALUES
    (1, '1.000', '1'),
    (2, '0.0', '0'),
    (3, '-0.00001', '-0.000010'),
    (4, '99999999.99990000', '99999999.9999'),
    (5, '1e-400', '0'),
    (6, '1e-400', ('0.' || repeat('0', 399) || '10')::numeric),
    (7, '1e400', ('1' || repeat('0', 400))::numeric),
    (8, '1e400', ('1' || repeat('0', 399) || '1')::numeric),
    (9, repeat('9', 1000)::numeric, (repeat('9', 999) || '8')::numeric),
    (10, repeat('9', 1000)::numeric, (repeat('9', 1000) || '.000')::numeric),
    (11, ('0.' || repeat('3', 2000))::numeric, ('0.' || repeat('3', 1999) || '4')::numeric),
    (12, ('0.' || repeat('3', 2000))::numeric, ('0.' || repeat('3', 2000) || repeat('0', 100))::numeric),
    (13, '12345678901234567890123', '12345678901234567890123.0'),
    (14, '12345678901234567890123', '12345678901234567890124'),
    (15, '0.1000000000000000000001', '0.1'),
    (16, '19.90', '19.9'),
    (17, '-19.90', '19.90'),
    (18, '10000', '1e4'),
    (19, '0.0001', '0.00010000'),
    (20, '-0.0', '0.0');

SELECT id,
       pg_temp.shown(x::text) AS x,
       pg_temp.shown(y::text) AS y,
       x::text = y::text AS same_text,
       draft_mode.jsonb_diff(jsonb_build_array(x), jsonb_build_array(y)) = '[]' AS diff_is_empty,
       x = y AS numeric_equal,
       pg_temp.test_succeeds(jsonb_build_array(x), to_jsonb(y)) AS test_succeeds
  FROM chosen ORDER BY id;

--
-- Generated pairs: the extension's own numeric decoder against numeric_out
--
-- 5000 random numerics of varied sign, length, scale and exponent, each with a
-- partner y of one of six kinds. Only counts are printed; the last query lists
-- the pairs that disagree (none).
CREATE FUNCTION pg_temp.random_digits(count int) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(string_agg(floor(random() * 10)::int::text, ''), '')
      FROM generate_series(1, count)
$$;

-- A random JSON number literal: integer part, fraction with sometimes padded
-- trailing zeros, sometimes an exponent; lengths mostly short, sometimes long.
CREATE FUNCTION pg_temp.random_number() RETURNS numeric
LANGUAGE sql VOLATILE AS $$
    SELECT (CASE WHEN random() < 0.3 THEN '-' ELSE '' END
            || coalesce(nullif(ltrim(pg_temp.random_digits(
                   CASE WHEN random() < 0.1 THEN 40 + floor(random() * 200)::int
                        ELSE floor(random() * 25)::int END), '0'), ''), '0')
            || CASE WHEN random() < 0.7
                    THEN '.' || pg_temp.random_digits(
                             CASE WHEN random() < 0.1 THEN 40 + floor(random() * 200)::int
                                  ELSE 1 + floor(random() * 25)::int END)
                         || repeat('0', CASE WHEN random() < 0.3 THEN floor(random() * 6)::int ELSE 0 END)
                    ELSE '' END
            || CASE WHEN random() < 0.15
                    THEN 'e' || (floor(random() * 901)::int - 450)::text
                    ELSE '' END)::numeric
$$;

SELECT setseed(0.20240601);
CREATE TEMP TABLE generated AS
SELECT i, kind, x,
       CASE kind
           WHEN 'same' THEN x
           WHEN 'zero padded' THEN x + ('0.' || repeat('0', 1 + floor(random() * 8)::int))::numeric
           WHEN 'trimmed' THEN trim_scale(x)
           WHEN 'off by one ulp' THEN x + ('1e-' || (scale(x) + floor(random() * 3)::int))::numeric
           WHEN 'negated' THEN -x
           ELSE pg_temp.random_number()
       END AS y
  FROM (SELECT i,
               (ARRAY['same', 'zero padded', 'trimmed', 'off by one ulp', 'negated', 'independent'])[1 + i % 6] AS kind,
               pg_temp.random_number() AS x
          FROM generate_series(0, 4999) AS i) AS g;

-- Some zeros, so that negation and padding of zero are covered.
INSERT INTO generated
SELECT 5000 + i, 'zero', z, z2
  FROM generate_series(0, 7) AS i,
       LATERAL (SELECT ('0.' || repeat('0', i))::numeric AS z,
                       ('-0.' || repeat('0', 7 - i))::numeric AS z2) AS zeros;

CREATE TEMP TABLE checked AS
SELECT i, kind, x, y,
       x::text = y::text AS same_text,
       x = y AS numeric_equal,
       draft_mode.jsonb_diff(jsonb_build_array(x), jsonb_build_array(y)) AS diff,
       pg_temp.test_succeeds(jsonb_build_array(x), to_jsonb(y)) AS test_succeeds
  FROM generated;

SELECT kind,
       count(*) AS pairs,
       count(*) FILTER (WHERE same_text) AS same_text,
       count(*) FILTER (WHERE numeric_equal) AS numeric_equal,
       count(*) FILTER (WHERE (diff = '[]') <> same_text) AS diff_disagrees,
       count(*) FILTER (WHERE test_succeeds <> numeric_equal) AS test_disagrees,
       count(*) FILTER (WHERE draft_mode.jsonb_patch(jsonb_build_array(x), diff)::text
                              <> jsonb_build_array(y)::text) AS round_trip_differs
  FROM checked
 GROUP BY kind
 ORDER BY min(i);

-- the generated values do vary in scale and size
SELECT count(*) FILTER (WHERE scale(x) = 0) AS integers,
       count(*) FILTER (WHERE scale(x) BETWEEN 1 AND 30) AS short_fractions,
       count(*) FILTER (WHERE scale(x) > 30) AS long_fractions,
       count(*) FILTER (WHERE length(x::text) > 100) AS over_100_chars,
       count(*) FILTER (WHERE x < 0) AS negative
  FROM checked;

-- disagreements, if any, with both texts
SELECT i, kind, pg_temp.shown(x::text) AS x, pg_temp.shown(y::text) AS y,
       same_text, numeric_equal, diff = '[]' AS diff_is_empty, test_succeeds
  FROM checked
 WHERE (diff = '[]') <> same_text OR test_succeeds <> numeric_equal
 ORDER BY i
 LIMIT 10;
