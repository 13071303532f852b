-- A pure PL/pgSQL JSON Patch (RFC 6902) over jsonb: the baseline of
-- scenario 2 of bench/run. A BENCHMARK FIXTURE, NOT PRODUCT CODE: it is
-- written the way such implementations usually are (each operation resolves
-- its JSON Pointer, then rebuilds the document with jsonb_set, jsonb_insert
-- or #-), faithfully enough to give the same results as
-- draft_mode.jsonb_patch on valid patches: add, remove, replace, move, copy
-- and test; RFC 6901 pointers with ~1 and ~0 unescaping; array indexes
-- without leading zeros; '-' to append. Errors are plain exceptions.
-- Loaded by bench/run after bench/setup.sql (schema bench).

-- The reference tokens of a JSON Pointer: '' is the whole document.
CREATE FUNCTION bench.plpgsql_pointer(pointer text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    tokens text[];
BEGIN
    IF pointer = '' THEN
        RETURN '{}';
    END IF;
    IF left(pointer, 1) <> '/' THEN
        RAISE EXCEPTION 'invalid JSON pointer "%": must start with "/"', pointer;
    END IF;
    IF pointer ~ '~([^01]|$)' THEN
        RAISE EXCEPTION 'invalid JSON pointer "%": "~" must be followed by 0 or 1', pointer;
    END IF;
    tokens := regexp_split_to_array(substr(pointer, 2), '/');  -- '/' is one token ''
    -- ~1 first, then ~0 (RFC 6901 section 4), so "~01" becomes "~1"
    RETURN ARRAY(SELECT replace(replace(token, '~1', '/'), '~0', '~')
                   FROM unnest(tokens) WITH ORDINALITY AS t (token, position) ORDER BY position);
END
$$;

-- The array index a token names in an array of length n: a decimal without
-- leading zero, below n (or equal to n when allowed); '-' is n when allowed.
CREATE FUNCTION bench.plpgsql_index(token text, n int, allow_end bool) RETURNS int
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF token = '-' AND allow_end THEN
        RETURN n;
    END IF;
    IF token !~ '^(0|[1-9][0-9]{0,8})$' THEN
        RAISE EXCEPTION 'invalid array index "%"', token;
    END IF;
    IF token::int > n OR (token::int = n AND NOT allow_end) THEN
        RAISE EXCEPTION 'array index % out of range', token;
    END IF;
    RETURN token::int;
END
$$;

-- The value at tokens, or an error when there is none.
CREATE FUNCTION bench.plpgsql_get(doc jsonb, tokens text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    current jsonb := doc;
    token text;
BEGIN
    FOREACH token IN ARRAY tokens LOOP
        CASE jsonb_typeof(current)
            WHEN 'object' THEN
                IF NOT current ? token THEN
                    RAISE EXCEPTION 'member "%" not found', token;
                END IF;
                current := current -> token;
            WHEN 'array' THEN
                current := current -> bench.plpgsql_index(token, jsonb_array_length(current), false);
            ELSE
                RAISE EXCEPTION 'path through a scalar at "%"', token;
        END CASE;
    END LOOP;
    RETURN current;
END
$$;

-- Adds value at tokens: sets an object member, or inserts into an array.
CREATE FUNCTION bench.plpgsql_add(doc jsonb, tokens text[], value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    n int := cardinality(tokens);
    parent_path text[] := tokens[1:n - 1];
    parent jsonb;
    position int;
BEGIN
    IF n = 0 THEN
        RETURN value;
    END IF;
    parent := bench.plpgsql_get(doc, parent_path);
    CASE jsonb_typeof(parent)
        WHEN 'object' THEN
            RETURN jsonb_set(doc, tokens, value, true);
        WHEN 'array' THEN
            position := bench.plpgsql_index(tokens[n], jsonb_array_length(parent), true);
            IF position = jsonb_array_length(parent) THEN
                parent := parent || jsonb_build_array(value);
                RETURN CASE WHEN n = 1 THEN parent ELSE jsonb_set(doc, parent_path, parent) END;
            END IF;
            RETURN jsonb_insert(doc, parent_path || position::text, value);
        ELSE
            RAISE EXCEPTION 'cannot add under a scalar at "%"', tokens[n];
    END CASE;
END
$$;

-- Removes the value at tokens, which must exist.
CREATE FUNCTION bench.plpgsql_remove(doc jsonb, tokens text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF cardinality(tokens) = 0 THEN
        RAISE EXCEPTION 'cannot remove the whole document';
    END IF;
    PERFORM bench.plpgsql_get(doc, tokens);
    RETURN doc #- tokens;
END
$$;

-- Applies an RFC 6902 patch, operation by operation.
CREATE FUNCTION bench.plpgsql_jsonb_patch(doc jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    operation jsonb;
    path text[];
    from_path text[];
    value jsonb;
BEGIN
    IF jsonb_typeof(patch) <> 'array' THEN
        RAISE EXCEPTION 'a patch is an array of operations';
    END IF;
    FOR operation IN SELECT o FROM jsonb_array_elements(patch) WITH ORDINALITY AS e (o, position)
                      ORDER BY position LOOP
        IF jsonb_typeof(operation -> 'path') IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION 'operation % has no path', operation;
        END IF;
        path := bench.plpgsql_pointer(operation ->> 'path');
        IF operation ->> 'op' IN ('add', 'replace', 'test') AND NOT operation ? 'value' THEN
            RAISE EXCEPTION 'operation % has no value', operation;
        END IF;
        IF operation ->> 'op' IN ('move', 'copy') THEN
            IF jsonb_typeof(operation -> 'from') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION 'operation % has no from', operation;
            END IF;
            from_path := bench.plpgsql_pointer(operation ->> 'from');
        END IF;
        CASE operation ->> 'op'
            WHEN 'add' THEN
                doc := bench.plpgsql_add(doc, path, operation -> 'value');
            WHEN 'remove' THEN
                doc := bench.plpgsql_remove(doc, path);
            WHEN 'replace' THEN
                PERFORM bench.plpgsql_get(doc, path);
                doc := CASE WHEN cardinality(path) = 0 THEN operation -> 'value'
                            ELSE jsonb_set(doc, path, operation -> 'value', false) END;
            WHEN 'move' THEN
                IF from_path <> path THEN
                    IF from_path = path[1:cardinality(from_path)] THEN
                        RAISE EXCEPTION 'cannot move "%" into its own child', operation ->> 'from';
                    END IF;
                    value := bench.plpgsql_get(doc, from_path);
                    doc := bench.plpgsql_add(bench.plpgsql_remove(doc, from_path), path, value);
                END IF;
            WHEN 'copy' THEN
                doc := bench.plpgsql_add(doc, path, bench.plpgsql_get(doc, from_path));
            WHEN 'test' THEN
                IF bench.plpgsql_get(doc, path) <> operation -> 'value' THEN
                    RAISE EXCEPTION 'test failed at "%"', operation ->> 'path';
                END IF;
            ELSE
                RAISE EXCEPTION 'unknown op in operation %', operation;
        END CASE;
    END LOOP;
    RETURN doc;
END
$$;
