// SQL-callable JSON functions: jsonb_patch, jsonb_merge_patch, jsonb_diff and
// jsonb_pointer_get, all on jsonb's binary form: jsonb_patch splices it,
// jsonb_merge_patch writes its result straight from both inputs, jsonb_diff
// walks both documents and converts only the values its patch holds (into
// engine values owned by the call's memory context), jsonb_pointer_get
// reads the jsonb in place. Engine work runs under run_guarded, and any error is
// raised only after the C++ code has returned.
#include "boundary/entry_point.h"
#include "boundary/guard.h"
#include "boundary/jsonb_convert.h"
#include "boundary/jsonb_read.h"
#include "boundary/jsonb_splice.h"
#include "boundary/settings.h"
#include "engine/json_diff.h"
#include "engine/json_patch.h"
#include "engine/json_pointer.h"

using namespace draft_mode;
using boundary::ErrorBox;

namespace {

// Returns a Datum for value (whose jsonb is expected to be about size_hint
// bytes) and frees the engine copies early.
Datum finish(const engine::Value &value, std::size_t size_hint, boundary::OwnedValue *first,
             boundary::OwnedValue *second)
{
    Jsonb *result = boundary::value_to_jsonb(value, size_hint);
    boundary::release(first);
    boundary::release(second);
    PG_RETURN_JSONB_P(result);
}

using Apply = void (*)(engine::Value &, const engine::Value &, engine::Context &);

// The engine's tree path: (doc, patch) -> doc with apply(doc, patch) done to
// it, converting both whole: the reference that the binary jsonb_patch and
// jsonb_merge_patch are tested against (the test-only entry points below).
// is_patch: an RFC 6902 patch, which may nest deeper than a document.
Datum apply_to_document(FunctionCallInfo fcinfo, bool is_patch, Apply apply)
{
    boundary::require_valid_settings(true);
    engine::Limits limits = boundary::current_limits();
    boundary::OwnedValue *document = boundary::make_owned_value();
    boundary::OwnedValue *patch = boundary::make_owned_value();
    Jsonb *input = PG_GETARG_JSONB_P(0);
    Jsonb *change_input = PG_GETARG_JSONB_P(1);
    // The patch first: its operation count is refused from jsonb's array
    // header before either argument is converted.
    engine::Value &change = boundary::jsonb_to_value(change_input, patch, limits, is_patch);
    engine::Value &doc = boundary::jsonb_to_value(input, document, limits);
    ErrorBox error;
    if (!boundary::run_guarded(error, [&] {
            engine::Context context = boundary::engine_context();
            context.document_size = document->size;
            apply(doc, change, context);
        }))
        boundary::raise_error(error);
    return finish(doc, VARSIZE(input), document, patch);
}

} // namespace

// jsonb_patch(doc jsonb, patch jsonb) returns jsonb: RFC 6902, applied to
// jsonb's binary form by splicing (boundary/jsonb_splice.h): only the
// containers on the operations' paths are re-encoded.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_patch, 2)
{
    boundary::require_valid_settings(true);
    Jsonb *document = PG_GETARG_JSONB_P(0);
    Jsonb *patch = PG_GETARG_JSONB_P(1);
    PG_RETURN_JSONB_P(boundary::splice_patch(document, patch));
}

// draft_mode_jsonb_patch_tree(doc jsonb, patch jsonb) returns jsonb, for the
// tests only (the extension's SQL never declares it; a superuser test does,
// AS 'draft_mode', 'draft_mode_jsonb_patch_tree' LANGUAGE C): RFC 6902
// through the engine's tree, as jsonb_patch was before it spliced, which
// test/sql/splice_differential.sql compares jsonb_patch against.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_patch_tree, 2)
{
    return apply_to_document(fcinfo, true, engine::apply_patch);
}

// jsonb_merge_patch(doc jsonb, patch jsonb) returns jsonb: RFC 7396, written
// straight from both arguments' binary form (boundary/jsonb_splice.h): the
// members the patch leaves alone are copied as bytes.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_merge_patch, 2)
{
    boundary::require_valid_settings(true);
    Jsonb *document = PG_GETARG_JSONB_P(0);
    Jsonb *patch = PG_GETARG_JSONB_P(1);
    PG_RETURN_JSONB_P(boundary::splice_merge_patch(document, patch));
}

// draft_mode_jsonb_merge_patch_tree(doc jsonb, patch jsonb) returns jsonb,
// for the tests only, as draft_mode_jsonb_patch_tree: RFC 7396 through the
// engine's tree, which test/sql/splice_differential.sql compares
// jsonb_merge_patch against.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_merge_patch_tree, 2)
{
    return apply_to_document(fcinfo, false, engine::apply_merge_patch);
}

// jsonb_diff(source jsonb, target jsonb) returns jsonb: an RFC 6902 patch.
// The patch depends on the arguments alone; a patch over
// draft_mode.max_patch_operations operations or draft_mode.max_document_size
// bytes is refused (54000) as soon as the bound is passed. Both documents
// are bounded as the engine bounds its inputs, then compared on their binary
// form (boundary::diff_documents): identical subtrees cost one memcmp each,
// and only the values the patch holds are converted.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_diff, 2)
{
    boundary::require_valid_settings(true);
    Jsonb *source = PG_GETARG_JSONB_P(0);
    Jsonb *target = PG_GETARG_JSONB_P(1);
    boundary::check_document(source);
    boundary::check_document(target);
    PG_RETURN_JSONB_P(boundary::diff_documents(source, target, true));
}

// draft_mode_jsonb_diff_tree(source jsonb, target jsonb) returns jsonb, for
// the tests only, as draft_mode_jsonb_patch_tree: engine::diff of the
// documents converted whole, which test/sql/splice_differential.sql compares
// jsonb_diff against.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_diff_tree, 2)
{
    boundary::require_valid_settings(true);
    engine::Limits limits = boundary::current_limits();
    boundary::OwnedValue *source = boundary::make_owned_value();
    boundary::OwnedValue *target = boundary::make_owned_value();
    boundary::OwnedValue *patch = boundary::make_owned_value();
    engine::Value &from = boundary::jsonb_to_value(PG_GETARG_JSONB_P(0), source, limits);
    engine::Value &to = boundary::jsonb_to_value(PG_GETARG_JSONB_P(1), target, limits);
    ErrorBox error;
    if (!boundary::run_guarded(error, [&] {
            engine::Context context = boundary::engine_context();
            patch->value = new engine::Value(engine::diff(from, to, context));
        }))
        boundary::raise_error(error);
    boundary::release(source);
    return finish(*patch->value, 0, target, patch);
}

// jsonb_pointer_get(doc jsonb, pointer text) returns jsonb: the value at an
// RFC 6901 pointer, or SQL NULL when the location does not exist. Reads the
// jsonb in place: nothing is converted, so the cost is the path walked (and
// the depth check's look at the containers large enough to pass
// max_depth), not the document's size.
DRAFT_MODE_FUNCTION(draft_mode_jsonb_pointer_get, 2)
{
    boundary::require_valid_settings(true);
    engine::Limits limits = boundary::current_limits();
    Jsonb *input = PG_GETARG_JSONB_P(0);
    boundary::check_jsonb_bounds(input, limits);
    text *pointer_text = PG_GETARG_TEXT_PP(1);
    const char *pointer_data = VARDATA_ANY(pointer_text);
    std::size_t pointer_size = VARSIZE_ANY_EXHDR(pointer_text);
    ErrorBox error;
    if (!boundary::run_guarded(error, [&] {
            engine::Context context = boundary::engine_context();
            engine::check_pointer_syntax(std::string_view(pointer_data, pointer_size),
                                         &context.interrupt);
        }))
        boundary::raise_error(error);
    Jsonb *found =
        boundary::jsonb_pointer_lookup(input, std::string_view(pointer_data, pointer_size));
    if (found == nullptr)
        PG_RETURN_NULL();
    PG_RETURN_JSONB_P(found);
}
