// Entry points for the tests only. The extension's SQL never declares them:
// a superuser test declares them itself (CREATE FUNCTION pg_temp.... AS
// 'draft_mode', '...' LANGUAGE C), so they are no part of the API.
//
// draft_mode_jsonb_patch_tree(doc jsonb, patch jsonb) returns jsonb: RFC 6902
// through the engine's tree (convert, apply_patch, write back), the reference
// that test/pgtap/splice_differential.sql compares the product path
// (jsonb_patch, spliced on the binary form) against.
// draft_mode_jsonb_bytes(value jsonb) returns bytea: a jsonb's binary form, so
// that two results can be compared byte for byte.
#include "boundary/guard.h"
#include "boundary/jsonb_convert.h"
#include "boundary/settings.h"
#include "engine/json_patch.h"

using namespace draft_mode;

extern "C" {

PG_FUNCTION_INFO_V1(draft_mode_jsonb_patch_tree);
PG_FUNCTION_INFO_V1(draft_mode_jsonb_bytes);

// The engine's tree path, as jsonb_patch was before it spliced.
Datum draft_mode_jsonb_patch_tree(PG_FUNCTION_ARGS)
{
    if (PG_NARGS() != 2)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("draft_mode_jsonb_patch_tree takes two arguments")));
    boundary::require_valid_settings(true);
    engine::Limits limits = boundary::current_limits();
    boundary::OwnedValue *document = boundary::make_owned_value();
    boundary::OwnedValue *patch = boundary::make_owned_value();
    Jsonb *input = PG_GETARG_JSONB_P(0);
    Jsonb *patch_input = PG_GETARG_JSONB_P(1);
    engine::Value &operations = boundary::jsonb_to_value(patch_input, patch, limits, true);
    engine::Value &doc = boundary::jsonb_to_value(input, document, limits);
    boundary::ErrorBox error;
    if (!boundary::run_guarded(error, [&] {
            engine::Context context = boundary::engine_context();
            context.document_size = document->size;
            engine::apply_patch(doc, operations, context);
        }))
        boundary::raise_error(error);
    Jsonb *result = boundary::value_to_jsonb(doc, VARSIZE(input));
    boundary::release(document);
    boundary::release(patch);
    PG_RETURN_JSONB_P(result);
}

// The bytes of a jsonb (its varlena header left out).
Datum draft_mode_jsonb_bytes(PG_FUNCTION_ARGS)
{
    if (PG_NARGS() != 1)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("draft_mode_jsonb_bytes takes one argument")));
    Jsonb *value = PG_GETARG_JSONB_P(0);
    bytea *result = static_cast<bytea *>(palloc(VARSIZE(value)));
    memcpy(result, value, VARSIZE(value));
    PG_RETURN_BYTEA_P(result);
}

} // extern "C"
