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
    Jsonb *patch = diff_documents(from, to, false);
    if (patch != nullptr)
        return patch;
    // One "replace" of the whole document: the whole target is needed.
    OwnedValue *target = make_owned_value();
    OwnedValue *replace = make_owned_value();
    engine::Value &document = jsonb_to_value(to, target, current_limits());
    ErrorBox error;
    if (!run_guarded(error, [&] {
            engine::Context context = engine_context();
            replace->value = new engine::Value(engine::replace_whole_document(document, context));
        }))
        raise_error(error);
    release(target);
    Jsonb *result = value_to_jsonb(*replace->value);
    release(replace);
    return result;
}

} // namespace draft_mode::boundary
