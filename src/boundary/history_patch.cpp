// The store's history patch (see history_patch.h).
#include "boundary/history_patch.h"

#include "boundary/guard.h"
#include "boundary/jsonb_convert.h"
#include "boundary/jsonb_read.h"
#include "boundary/settings.h"
#include "engine/json_diff.h"

namespace draft_mode::boundary {

Jsonb *history_patch(Jsonb *from, Jsonb *to)
{
    engine::Limits limits = current_limits();
    DiffSite site;
    narrow_diff(from, to, &site);
    OwnedValue *source = make_owned_value();
    OwnedValue *target = make_owned_value();
    OwnedValue *patch = make_owned_value();
    Jsonb *source_part = site.whole ? from : JsonbValueToJsonb(&site.source);
    Jsonb *target_part = site.whole ? to : JsonbValueToJsonb(&site.target);
    engine::Value &before = jsonb_to_value(source_part, source, limits);
    engine::Value &after = jsonb_to_value(target_part, target, limits);
    const char *base = site.path.data;
    bool too_large = false;
    ErrorBox error;
    if (!run_guarded(error, [&] {
            engine::Context context = engine_context();
            try {
                patch->value = new engine::Value(engine::diff(before, after, context, base));
            } catch (const engine::DiffTooLarge &) {
                too_large = true;
            }
        }))
        raise_error(error);
    release(source);
    if (too_large) {
        // One "replace" of the whole document: the whole target is needed.
        engine::Value &document = site.whole ? after : jsonb_to_value(to, target, limits);
        if (!run_guarded(error, [&] {
                engine::Context context = engine_context();
                patch->value =
                    new engine::Value(engine::replace_whole_document(document, context));
            }))
            raise_error(error);
    }
    Jsonb *result = value_to_jsonb(*patch->value);
    release(target);
    release(patch);
    return result;
}

} // namespace draft_mode::boundary
