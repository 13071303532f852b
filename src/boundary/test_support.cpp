// draft_mode_jsonb_bytes(value jsonb) returns bytea, for the tests only: a
// jsonb's binary form, so that two results can be compared byte for byte
// (test/sql/splice_differential.sql). The extension's SQL never declares it;
// a superuser test does (AS 'draft_mode', 'draft_mode_jsonb_bytes' LANGUAGE
// C), so it is no part of the API. The tree path the same test compares
// against is draft_mode_jsonb_patch_tree (json_functions.cpp).
#include "boundary/entry_point.h"

DRAFT_MODE_FUNCTION(draft_mode_jsonb_bytes, 1)
{
    Jsonb *value = PG_GETARG_JSONB_P(0);
    bytea *result = static_cast<bytea *>(palloc(VARSIZE(value)));
    memcpy(result, value, VARSIZE(value));
    PG_RETURN_BYTEA_P(result);
}
