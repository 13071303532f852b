-- The random cases of the splice differential tests, included with \i (pg_regress feeds
-- tests to psql on standard input, so paths are relative to the repo root): test/sql/
-- splice_differential.sql runs them from a fixed seed, test/tap/splice_fuzz.t from a new seed
-- each run. Random documents and random patches: valid, failing and malformed operations,
-- pointers with ~0 and ~1, '-', leading zeros, out-of-range and huge indexes, paths through
-- scalars; and random RFC 7396 merge patches (deleting, replacing, adding and merging members,
-- nulls nested in new objects, non-object patches). pg_temp.outcome runs one case on the binary
-- path (jsonb_patch or jsonb_merge_patch, on jsonb's binary form) or on the engine's tree path
-- (convert, apply_patch or apply_merge_patch, write back), declared here from the library's
-- test-only entry points draft_mode_jsonb_patch_tree, draft_mode_jsonb_merge_patch_tree and
-- draft_mode_jsonb_bytes; and random pairs of documents for jsonb_diff (the second made from
-- the first by random patches and merge patches) against the engine's diff of the converted
-- documents (draft_mode_jsonb_diff_tree). The functions live in pg_temp: include again after \c.

CREATE FUNCTION pg_temp.tree_patch(doc jsonb, patch jsonb) RETURNS jsonb
    AS 'draft_mode', 'draft_mode_jsonb_patch_tree' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.tree_merge_patch(doc jsonb, patch jsonb) RETURNS jsonb
    AS 'draft_mode', 'draft_mode_jsonb_merge_patch_tree' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.jsonb_bytes(value jsonb) RETURNS bytea
    AS 'draft_mode', 'draft_mode_jsonb_bytes' LANGUAGE C STRICT;

CREATE FUNCTION pg_temp.tree_diff(source jsonb, target jsonb) RETURNS jsonb
    AS 'draft_mode', 'draft_mode_jsonb_diff_tree' LANGUAGE C STRICT;

-- What one implementation does: the result's bytes, or the error. operation: 'patch' (RFC
-- 6902), 'merge' (RFC 7396: patch is a merge patch) or 'diff' (doc and patch are the source and
-- the target).
CREATE FUNCTION pg_temp.outcome(tree boolean, doc jsonb, patch jsonb, operation text DEFAULT 'patch')
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb;
    state text;
    message text;
    detail text;
    hint text;
BEGIN
    CASE operation
    WHEN 'merge' THEN
        result := CASE WHEN tree THEN pg_temp.tree_merge_patch(doc, patch)
                       ELSE draft_mode.jsonb_merge_patch(doc, patch) END;
    WHEN 'diff' THEN
        result := CASE WHEN tree THEN pg_temp.tree_diff(doc, patch)
                       ELSE draft_mode.jsonb_diff(doc, patch) END;
    ELSE
        result := CASE WHEN tree THEN pg_temp.tree_patch(doc, patch)
                       ELSE draft_mode.jsonb_patch(doc, patch) END;
    END CASE;
    RETURN jsonb_build_object('bytes', encode(pg_temp.jsonb_bytes(result), 'hex'),
                              'canonical', pg_temp.jsonb_bytes(result) = pg_temp.jsonb_bytes(result::text::jsonb));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN jsonb_build_object('sqlstate', state, 'message', message, 'detail', detail, 'hint', hint);
END
$$;

-- One element of a JSON array, at random.
CREATE FUNCTION pg_temp.pick(options jsonb) RETURNS jsonb
LANGUAGE sql AS $$ SELECT options -> floor(random() * jsonb_array_length(options))::int $$;

-- A random value nesting at most depth levels.
CREATE FUNCTION pg_temp.random_value(depth int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r float8 := random();
    result jsonb;
BEGIN
    IF depth <= 0 OR r < 0.45 THEN
        RETURN pg_temp.pick('[null, true, false, 0, 1, 1.0, 1.50, -2, 19.90, 1e3, 12345678901234567890.123,
                              0.000001, -0.0, "", "a", "x/y", "t~0", "~1", "long string value",
                              "1", "19.90"]');
    END IF;
    IF r < 0.72 THEN
        result := '[]';
        FOR i IN 1 .. floor(random() * 6)::int LOOP
            result := result || jsonb_build_array(pg_temp.random_value(depth - 1));
        END LOOP;
        RETURN result;
    END IF;
    result := '{}';
    FOR i IN 1 .. floor(random() * 6)::int LOOP
        result := result || jsonb_build_object(
            pg_temp.pick('["a", "b", "c", "ab", "~", "/", "a/b", "~1", "", "key with space", "zz", "0"]') #>> '{}',
            pg_temp.random_value(depth - 1));
    END LOOP;
    RETURN result;
END
$$;

-- A random pointer into doc: mostly existing locations, sometimes a new
-- member, '-', a leading zero, an index at or past the end, a huge index,
-- a token under a scalar; rarely a malformed pointer. Not noisy: an
-- existing location only.
CREATE FUNCTION pg_temp.random_pointer(doc jsonb, noisy boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    current jsonb := doc;
    path text := '';
    token text;
    keys text[];
    n int;
    r float8;
BEGIN
    r := random();
    IF noisy AND r < 0.04 THEN
        RETURN pg_temp.pick('["a", "/~2", "/a~", "~0"]') #>> '{}';
    END IF;
    LOOP
        EXIT WHEN current IS NULL OR random() < 0.3;
        IF jsonb_typeof(current) = 'object' THEN
            SELECT array_agg(k) INTO keys FROM jsonb_object_keys(current) AS k;
            EXIT WHEN NOT noisy AND keys IS NULL;
            IF keys IS NULL OR (noisy AND random() < 0.3) THEN
                token := pg_temp.pick('["a", "new", "~", "/", "zz", "", "0"]') #>> '{}';
            ELSE
                token := keys[1 + floor(random() * array_length(keys, 1))::int];
            END IF;
            current := current -> token;
        ELSIF jsonb_typeof(current) = 'array' THEN
            n := jsonb_array_length(current);
            EXIT WHEN NOT noisy AND n = 0;
            r := CASE WHEN noisy THEN random() ELSE 1 END;
            token := CASE WHEN r < 0.08 THEN '-'
                          WHEN r < 0.12 THEN '01'
                          WHEN r < 0.18 THEN n::text
                          WHEN r < 0.20 THEN '99999999999999999999999'
                          WHEN r < 0.23 THEN 'x'
                          ELSE floor(random() * greatest(n, 1))::text END;
            current := CASE WHEN token ~ '^(0|[1-9][0-9]{0,8})$' THEN current -> token::int END;
        ELSE
            EXIT WHEN NOT noisy OR random() < 0.5;
            token := 'x';
            current := NULL;
        END IF;
        path := path || '/' || replace(replace(token, '~', '~0'), '/', '~1');
    END LOOP;
    RETURN path;
END
$$;

-- A random operation against doc; about 5% malformed ones, and the
-- pointers of a third of them noisy.
CREATE FUNCTION pg_temp.random_operation(doc jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    op text;
    operation jsonb;
    current jsonb;
    noisy boolean := random() < 0.33;
BEGIN
    IF random() < 0.05 THEN
        RETURN pg_temp.pick($p$["not an object", 7, [], null,
            {"path": "/a"}, {"op": 1, "path": ""}, {"op": "bogus", "path": ""},
            {"op": "add", "path": 5, "value": 1}, {"op": "add", "path": "a", "value": 1},
            {"op": "add", "path": "/~2", "value": 1}, {"op": "add", "path": "/a"},
            {"op": "move", "path": "/a"}, {"op": "copy", "from": 3, "path": "/a"},
            {"op": "copy", "from": "b", "path": "/a"}, {"op": "remove", "path": ""},
            {"op": "move", "from": "/a", "path": "/a/b"}, {"op": "move", "from": "", "path": "/a"},
            {"op": "test", "path": "", "value": null}, {"op": "replace", "path": ""}]$p$);
    END IF;
    op := pg_temp.pick('["add", "add", "remove", "replace", "replace", "move", "copy", "test", "test"]') #>> '{}';
    operation := jsonb_build_object('op', op, 'path', pg_temp.random_pointer(doc, noisy));
    IF op IN ('move', 'copy') THEN
        operation := operation || jsonb_build_object('from', pg_temp.random_pointer(doc, noisy));
    END IF;
    IF op IN ('add', 'replace') THEN
        operation := operation || jsonb_build_object('value', pg_temp.random_value(3));
    ELSIF op = 'test' THEN
        BEGIN
            current := draft_mode.jsonb_pointer_get(doc, operation ->> 'path');
        EXCEPTION WHEN OTHERS THEN
            current := NULL;
        END;
        -- A test that passes needs the value there (numbers equal by value).
        IF current IS NULL OR random() < 0.15 THEN
            current := pg_temp.random_value(2);
        END IF;
        operation := operation || jsonb_build_object('value', current);
    END IF;
    RETURN operation;
END
$$;

-- A random patch of one to five operations, each generated against the
-- document as the operations before it left it (so that later operations
-- edit, copy, move and test containers that earlier ones changed); rarely
-- not an array.
CREATE FUNCTION pg_temp.random_patch(doc jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    patch jsonb := '[]';
    operation jsonb;
BEGIN
    IF random() < 0.02 THEN
        RETURN pg_temp.pick('[{"op": "add", "path": "", "value": 1}, "patch", 3, null, []]');
    END IF;
    FOR i IN 1 .. 1 + floor(random() * 5)::int LOOP
        operation := pg_temp.random_operation(doc);
        patch := patch || jsonb_build_array(operation);
        BEGIN
            doc := pg_temp.tree_patch(doc, jsonb_build_array(operation));
        EXCEPTION WHEN OTHERS THEN
            NULL; -- a failing operation: the patch fails there, later ones are never run
        END;
    END LOOP;
    RETURN patch;
END
$$;

-- One random case: a document (about one in 20 a scalar) and a patch against it.
CREATE FUNCTION pg_temp.random_case(OUT doc jsonb, OUT patch jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    doc := CASE WHEN random() < 0.05 THEN pg_temp.random_value(0) ELSE pg_temp.random_value(5) END;
    patch := pg_temp.random_patch(doc);
END
$$;


-- A random RFC 7396 merge patch against doc, nesting at most depth levels: members of doc
-- deleted (null), replaced, or merged into; new members (objects among them may hold nulls,
-- which the merge drops); rarely not an object (it replaces doc).
CREATE FUNCTION pg_temp.random_merge_patch(doc jsonb, depth int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    patch jsonb := '{}';
    key text;
    r float8;
BEGIN
    IF depth <= 0 OR random() < 0.08 THEN
        RETURN pg_temp.random_value(least(depth, 2));
    END IF;
    IF jsonb_typeof(doc) = 'object' THEN
        FOR key IN SELECT k FROM jsonb_object_keys(doc) AS k LOOP
            r := random();
            CONTINUE WHEN r < 0.4;
            patch := patch || jsonb_build_object(key,
                CASE WHEN r < 0.6 THEN 'null'::jsonb
                     WHEN r < 0.8 THEN pg_temp.random_merge_patch(doc -> key, depth - 1)
                     ELSE pg_temp.random_value(2) END);
        END LOOP;
    END IF;
    FOR i IN 1 .. floor(random() * 4)::int LOOP
        patch := patch || jsonb_build_object(
            pg_temp.pick('["a", "b", "c", "ab", "~", "/", "new", "key with space", "zz", "0", ""]') #>> '{}',
            CASE WHEN random() < 0.2 THEN 'null'::jsonb
                 WHEN random() < 0.5 THEN pg_temp.random_merge_patch('null', depth - 1)
                 ELSE pg_temp.random_value(2) END);
    END LOOP;
    RETURN patch;
END
$$;

-- A merge case near a 1 kB max_document_size: long strings under keys k0 .. k11 (two and three
-- bytes: jsonb orders keys by length first), the patch deleting, replacing and adding some, so
-- that the result's size estimate may pass the limit midway (an addition before a deletion in key
-- order) though neither input nor the final result does.
CREATE FUNCTION pg_temp.heavy_merge_case(OUT doc jsonb, OUT patch jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    doc := '{}';
    patch := '{}';
    FOR i IN 1 .. floor(random() * 9)::int LOOP
        doc := doc || jsonb_build_object('k' || floor(random() * 12)::int, repeat('d', floor(random() * 120)::int));
    END LOOP;
    FOR i IN 1 .. 1 + floor(random() * 6)::int LOOP
        patch := patch || jsonb_build_object('k' || floor(random() * 12)::int,
            CASE WHEN random() < 0.35 THEN 'null'::jsonb
                 WHEN random() < 0.3 THEN jsonb_build_object('n', repeat('p', floor(random() * 100)::int), 'x', null)
                 ELSE to_jsonb(repeat('p', floor(random() * 150)::int)) END);
    END LOOP;
END
$$;

-- One random merge case: a document (about one in 20 a scalar) and a merge patch against it;
-- a third of them heavy_merge_case.
CREATE FUNCTION pg_temp.random_merge_case(OUT doc jsonb, OUT patch jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    IF random() < 0.33 THEN
        SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.heavy_merge_case() AS c;
        RETURN;
    END IF;
    doc := CASE WHEN random() < 0.05 THEN pg_temp.random_value(0) ELSE pg_temp.random_value(5) END;
    patch := pg_temp.random_merge_patch(doc, 4);
END
$$;

-- One random diff case: a document (about one in 20 a scalar) and a target made from it by one
-- to three random patches or merge patches (those that fail are skipped), so that the two differ
-- in a few scattered places, or are equal; rarely an unrelated value.
CREATE FUNCTION pg_temp.random_diff_case(OUT doc jsonb, OUT patch jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    doc := CASE WHEN random() < 0.05 THEN pg_temp.random_value(0)
                WHEN random() < 0.15 THEN pg_temp.wide_value()
                ELSE pg_temp.random_value(5) END;
    IF random() < 0.05 THEN
        patch := pg_temp.random_value(4);
        RETURN;
    END IF;
    patch := doc;
    FOR i IN 1 .. 1 + floor(random() * 3)::int LOOP
        BEGIN
            patch := CASE WHEN random() < 0.3 THEN pg_temp.tree_merge_patch(patch, pg_temp.random_merge_patch(patch, 3))
                          ELSE pg_temp.tree_patch(patch, pg_temp.random_patch(patch)) END;
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
END
$$;

-- count random cases of operation ('patch', 'merge' or 'diff': random_case, random_merge_case,
-- random_diff_case) from seed (setseed's range, -1 to 1): the same seed gives the same cases, in
-- order (nothing else in the session may call random() meanwhile).
CREATE FUNCTION pg_temp.random_cases(seed float8, count int, operation text DEFAULT 'patch')
RETURNS TABLE (n int, doc jsonb, patch jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM setseed(seed);
    FOR i IN 1 .. count LOOP
        n := i;
        CASE operation
        WHEN 'merge' THEN SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.random_merge_case() AS c;
        WHEN 'diff' THEN SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.random_diff_case() AS c;
        ELSE SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.random_case() AS c;
        END CASE;
        RETURN NEXT;
    END LOOP;
END
$$;

-- Mutations beyond the generator (test/tap/splice_fuzz.t).

-- A number written with many digits, trailing zeros or a large exponent, sometimes negative or
-- zero: exact numerics must keep every digit and the scale.
CREATE FUNCTION pg_temp.exotic_number() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    digits text := '';
    fraction text := '';
    number text;
BEGIN
    FOR i IN 1 .. 1 + floor(random() * (CASE WHEN random() < 0.2 THEN 120 ELSE 25 END))::int LOOP
        digits := digits || floor(random() * 10)::int;
    END LOOP;
    IF random() < 0.6 THEN
        FOR i IN 1 .. floor(random() * 40)::int LOOP
            fraction := fraction || CASE WHEN random() < 0.3 THEN '0' ELSE floor(random() * 10)::int::text END;
        END LOOP;
    END IF;
    number := CASE WHEN random() < 0.3 THEN '-' ELSE '' END
              || CASE WHEN random() < 0.15 THEN '0' ELSE ltrim(digits, '0') || '1' END
              || CASE WHEN fraction <> '' THEN '.' || fraction ELSE '' END
              || CASE WHEN random() < 0.3
                      THEN pg_temp.pick('["e", "E", "e+", "e-", "E-"]') #>> '{}' || floor(random() * 400)::int
                      ELSE '' END;
    RETURN number::jsonb;
END
$$;

-- value written differently when it is a number (the same value at another scale), else itself:
-- a test operation must still pass, and add/replace must keep the new scale.
CREATE FUNCTION pg_temp.rescaled(value jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT CASE WHEN jsonb_typeof(value) = 'number'
                THEN to_jsonb((value #>> '{}')::numeric + (pg_temp.pick('[0, 0.0, 0.000, 0.0000000000]') #>> '{}')::numeric)
                ELSE value END
$$;

-- pointer with one to three byte-level edits: a token inserted (separators, escapes valid and
-- not, digits, '-', non-ASCII), a character deleted, or a part repeated.
CREATE FUNCTION pg_temp.mutated_pointer(pointer text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    position int;
BEGIN
    FOR i IN 1 .. 1 + floor(random() * 3)::int LOOP
        position := 1 + floor(random() * (length(pointer) + 1))::int;
        IF random() < 0.6 OR pointer = '' THEN
            pointer := overlay(pointer PLACING pg_temp.pick('["/", "~", "~0", "~1", "~2", "0", "1", "9", "-",
                "/-", "/0", "01", "a", "é", " ", "\u00ff", "/00", "/18446744073709551616"]') #>> '{}'
                FROM position FOR 0);
        ELSIF random() < 0.5 THEN
            pointer := overlay(pointer PLACING '' FROM least(position, length(pointer)) FOR 1);
        ELSE
            pointer := substr(pointer, 1, position - 1) || substr(pointer, position - floor(random() * 4)::int);
        END IF;
    END LOOP;
    RETURN pointer;
END
$$;

-- A wide container (up to 300 members or elements) of small values and exotic numbers, so that
-- paths are found by binary search among many keys and by index in long arrays.
CREATE FUNCTION pg_temp.wide_value() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb;
    member jsonb;
BEGIN
    result := CASE WHEN random() < 0.5 THEN '[]' ELSE '{}' END;
    FOR i IN 1 .. floor(random() * 300)::int LOOP
        member := CASE WHEN random() < 0.3 THEN pg_temp.exotic_number() ELSE pg_temp.random_value(2) END;
        IF jsonb_typeof(result) = 'array' THEN
            result := result || jsonb_build_array(member);
        ELSE
            result := result || jsonb_build_object(
                CASE WHEN random() < 0.5 THEN 'k' || floor(random() * 1000)::int
                     ELSE repeat(chr(97 + floor(random() * 26)::int), 1 + floor(random() * 3)::int) END,
                member);
        END IF;
    END LOOP;
    RETURN result;
END
$$;

-- patch with its operations mutated at random: pointers (path, from) edited byte by byte, values
-- replaced by exotic numbers or written at another scale; rarely an operation duplicated.
CREATE FUNCTION pg_temp.mutated_patch(patch jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb := '[]';
    operation jsonb;
BEGIN
    IF jsonb_typeof(patch) <> 'array' THEN
        RETURN patch;
    END IF;
    FOR operation IN SELECT value FROM jsonb_array_elements(patch) LOOP
        IF jsonb_typeof(operation) = 'object' THEN
            IF jsonb_typeof(operation -> 'path') = 'string' AND random() < 0.3 THEN
                operation := operation || jsonb_build_object('path', pg_temp.mutated_pointer(operation ->> 'path'));
            END IF;
            IF jsonb_typeof(operation -> 'from') = 'string' AND random() < 0.3 THEN
                operation := operation || jsonb_build_object('from', pg_temp.mutated_pointer(operation ->> 'from'));
            END IF;
            IF operation ? 'value' THEN
                IF random() < 0.25 THEN
                    operation := operation || jsonb_build_object('value', pg_temp.exotic_number());
                ELSIF random() < 0.4 THEN
                    operation := operation || jsonb_build_object('value', pg_temp.rescaled(operation -> 'value'));
                END IF;
            END IF;
        END IF;
        result := result || jsonb_build_array(operation);
        IF random() < 0.05 THEN
            result := result || jsonb_build_array(operation);
        END IF;
    END LOOP;
    RETURN result;
END
$$;
