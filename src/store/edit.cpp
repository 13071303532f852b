// Content computations of the store (see edit.h).
#include "store/edit.h"

#include <cstring>

#include "boundary/guard.h"
#include "boundary/jsonb_convert.h"
#include "boundary/settings.h"
#include "engine/json_diff.h"
#include "engine/json_patch.h"
#include "engine/json_rebase.h"

namespace draft_mode::store {

using boundary::OwnedValue;

bool same_jsonb(Jsonb *a, Jsonb *b)
{
    return VARSIZE(a) == VARSIZE(b) && std::memcmp(a, b, VARSIZE(a)) == 0;
}

EditResult compute_edit(Jsonb *old_content, Jsonb *argument, EditKind kind)
{
    std::size_t max_depth = boundary::current_limits().max_depth;
    OwnedValue *old_value = boundary::make_owned_value();
    OwnedValue *new_value = boundary::make_owned_value();
    OwnedValue *forward = boundary::make_owned_value();
    OwnedValue *inverse = boundary::make_owned_value();
    engine::Value &before = boundary::jsonb_to_value(old_content, old_value, max_depth);
    engine::Value &after =
        boundary::jsonb_to_value(argument, new_value, max_depth, kind == EditKind::Patch);

    boundary::ErrorBox error;
    bool changed = false;
    if (!boundary::run_guarded(error, [&] {
            engine::Context context = boundary::engine_context();
            context.document_size = VARSIZE(old_content);
            if (kind != EditKind::Replace) {
                engine::Value operations = std::move(after);
                after = before;
                if (kind == EditKind::Patch)
                    engine::apply_patch(after, operations, context);
                else
                    engine::apply_merge_patch(after, operations, context);
            }
            changed = !engine::identical(before, after);
            if (changed) {
                forward->value = new engine::Value(engine::diff(before, after, context));
                inverse->value = new engine::Value(engine::diff(after, before, context));
            }
        }))
        boundary::raise_error(error);

    EditResult result;
    result.changed = changed;
    result.content = kind == EditKind::Replace || !changed
                         ? (changed ? argument : old_content)
                         : boundary::value_to_jsonb(after, VARSIZE(old_content));
    result.forward = changed ? boundary::value_to_jsonb(*forward->value) : nullptr;
    result.inverse = changed ? boundary::value_to_jsonb(*inverse->value) : nullptr;
    boundary::release(old_value);
    boundary::release(new_value);
    boundary::release(forward);
    boundary::release(inverse);
    return result;
}

Jsonb *apply_patches(Jsonb *content, Jsonb **patches, int count)
{
    std::size_t max_depth = boundary::current_limits().max_depth;
    OwnedValue *document = boundary::make_owned_value();
    engine::Value &value = boundary::jsonb_to_value(content, document, max_depth);
    for (int i = 0; i < count; ++i) {
        OwnedValue *patch = boundary::make_owned_value();
        engine::Value &operations = boundary::jsonb_to_value(patches[i], patch, max_depth, true);
        boundary::ErrorBox error;
        if (!boundary::run_guarded(error, [&] {
                engine::Context context = boundary::engine_context();
                engine::apply_patch(value, operations, context);
            }))
            boundary::raise_error(error);
    }
    return boundary::value_to_jsonb(value, VARSIZE(content));
}

char *rebase_conflicts(Jsonb *current, Jsonb *patch, Jsonb **changes, int count,
                       int64 first_version, int limit)
{
    std::size_t max_depth = boundary::current_limits().max_depth;
    OwnedValue *document = boundary::make_owned_value();
    OwnedValue *operations = boundary::make_owned_value();
    engine::Value &current_value = boundary::jsonb_to_value(current, document, max_depth);
    engine::Value &patch_value = boundary::jsonb_to_value(patch, operations, max_depth, true);
    auto **change_values = static_cast<OwnedValue **>(palloc(count * sizeof(OwnedValue *)));
    for (int i = 0; i < count; ++i) {
        change_values[i] = boundary::make_owned_value();
        boundary::jsonb_to_value(changes[i], change_values[i], max_depth, true);
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
