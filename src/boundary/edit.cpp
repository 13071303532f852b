// Content computations of the store (see edit.h).
#include "boundary/edit.h"

#include <cstring>

#include "boundary/guard.h"
#include "boundary/history_patch.h"
#include "boundary/jsonb_convert.h"
#include "boundary/jsonb_splice.h"
#include "boundary/settings.h"
#include "engine/json_rebase.h"

namespace draft_mode::store {

using boundary::OwnedValue;

bool same_jsonb(Jsonb *a, Jsonb *b)
{
    return VARSIZE(a) == VARSIZE(b) && std::memcmp(a, b, VARSIZE(a)) == 0;
}

// The new content comes from jsonb's binary form (RFC 6902 spliced, RFC
// 7396 written straight, a replacement bounded as the engine would bound
// it), and the history's patches are diffs of the changed part only.
EditResult compute_edit(Jsonb *old_content, Jsonb *argument, EditKind kind)
{
    boundary::require_valid_settings(false);
    EditResult result;
    switch (kind) {
    case EditKind::Patch:
        result.content = boundary::splice_patch(old_content, argument);
        break;
    case EditKind::Merge:
        result.content = boundary::splice_merge_patch(old_content, argument);
        break;
    case EditKind::Replace:
        // The new content first, then the old one (limits may have been
        // lowered since it was stored).
        boundary::check_document(argument);
        boundary::check_document(old_content);
        result.content = argument;
        break;
    }
    result.changed = !same_jsonb(old_content, result.content);
    if (!result.changed)
        result.content = old_content;
    result.forward = result.changed ? boundary::history_patch(old_content, result.content) : nullptr;
    result.inverse = result.changed ? boundary::history_patch(result.content, old_content) : nullptr;
    return result;
}

Jsonb *apply_patches(Jsonb *content, Jsonb **patches, int count)
{
    boundary::require_valid_settings(false);
    // Spliced on the binary form, every patch on the same lazily expanded
    // tree: one serialization at the end.
    return boundary::splice_patches(content, patches, count);
}

char *rebase_conflicts(Jsonb *current, Jsonb *patch, Jsonb **changes, int count,
                       int64 first_version, int limit)
{
    boundary::require_valid_settings(false);
    engine::Limits limits = boundary::current_limits();
    OwnedValue *document = boundary::make_owned_value();
    OwnedValue *operations = boundary::make_owned_value();
    engine::Value &patch_value = boundary::jsonb_to_value(patch, operations, limits, true);
    engine::Value &current_value = boundary::jsonb_to_value(current, document, limits);
    auto **change_values = static_cast<OwnedValue **>(palloc(count * sizeof(OwnedValue *)));
    for (int i = 0; i < count; ++i) {
        change_values[i] = boundary::make_owned_value();
        boundary::jsonb_to_value(changes[i], change_values[i], limits, true);
    }

    boundary::ErrorBox error;
    char *result = nullptr;
    if (!boundary::run_guarded(error, [&] {
            std::vector<const engine::Value *> change_pointers;
            for (int i = 0; i < count; ++i)
                change_pointers.push_back(change_values[i]->value);
            engine::Context context = boundary::engine_context();
            std::vector<engine::RebaseConflict> conflicts =
                engine::rebase_conflicts(current_value, patch_value, change_pointers,
                                         static_cast<std::size_t>(limit), context);
            if (conflicts.empty())
                return;
            std::string text = "[";
            for (const engine::RebaseConflict &conflict : conflicts) {
                if (text.size() > 1)
                    text += ',';
                text += "{\"path\":";
                engine::append_json_string(text, conflict.path);
                text += ",\"changed_path\":";
                engine::append_json_string(text, conflict.changed_path);
                text += ",\"version\":";
                text += std::to_string(first_version + static_cast<int64>(conflict.change));
                text += '}';
            }
            text += ']';
            // palloc_extended raises an ERROR (a longjmp past `text`) for a
            // request over MaxAllocSize, whatever its flags: refuse first.
            if (text.size() >= MaxAllocSize)
                throw engine::EngineError(engine::ErrorKind::LimitExceeded,
                                          "rebase conflict list is larger than " +
                                              std::to_string(MaxAllocSize) + " bytes",
                                          "{\"limit\":\"max_alloc_size\",\"value\":" +
                                              std::to_string(MaxAllocSize) + "}");
            result = static_cast<char *>(palloc_extended(text.size() + 1, MCXT_ALLOC_NO_OOM));
            if (result == nullptr)
                throw std::bad_alloc();
            std::memcpy(result, text.c_str(), text.size() + 1);
        }))
        boundary::raise_error(error);
    boundary::release(document);
    boundary::release(operations);
    for (int i = 0; i < count; ++i)
        boundary::release(change_values[i]);
    return result;
}

} // namespace draft_mode::store
