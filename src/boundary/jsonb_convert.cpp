// jsonb <-> engine Value conversion.
#include "boundary/jsonb_convert.h"

#include <new>

#include "boundary/numeric_text.h"
#include "engine/json_patch.h"

namespace draft_mode::boundary {

using engine::Array;
using engine::Kind;
using engine::Value;

namespace {

void delete_owned_value(void *arg)
{
    auto *slot = static_cast<OwnedValue *>(arg);
    delete slot->value;
    slot->value = nullptr;
}

[[noreturn]] void raise_out_of_memory()
{
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                    errdetail("draft_mode could not allocate memory for a document.")));
    pg_unreachable();
}

// Stores value inside parent (as an array item, or as member key of an
// object), or as the root when parent is null. Returns where it was stored.
Value *place(Value *root, Value *parent, const char *key, int key_length, Value &&value)
{
    if (parent == nullptr) {
        *root = std::move(value);
        return root;
    }
    if (parent->is_array()) {
        Array &items = parent->as_array();
        items.push_back(std::move(value));
        return &items.back();
    }
    return &parent->as_object().append_sorted(
        std::string(key, static_cast<std::size_t>(key_length)), std::move(value));
}

// Stores a jsonb scalar. Never throws; null on allocation failure.
Value *place_scalar(Value *root, Value *parent, const char *key, int key_length,
                    const JsonbValue &scalar) noexcept
{
    try {
        switch (scalar.type) {
        case jbvBool:
            return place(root, parent, key, key_length, Value::boolean(scalar.val.boolean));
        case jbvString:
            return place(
                root, parent, key, key_length,
                Value::string(std::string(scalar.val.string.val,
                                          static_cast<std::size_t>(scalar.val.string.len))));
        case jbvNumeric: {
            std::string text;
            append_numeric_text(text, scalar.val.numeric);
            return place(root, parent, key, key_length,
                         Value::number(std::move(text), scalar.val.numeric));
        }
        default:
            return place(root, parent, key, key_length, Value());
        }
    } catch (...) {
        return nullptr;
    }
}

// Stores an empty array or object with room for count children.
// Never throws; null on allocation failure.
Value *place_container(Value *root, Value *parent, const char *key, int key_length, bool is_array,
                       int count) noexcept
{
    try {
        Value *placed =
            place(root, parent, key, key_length, is_array ? Value::array() : Value::object());
        if (is_array)
            placed->as_array().reserve(static_cast<std::size_t>(count));
        else
            placed->as_object().members().reserve(static_cast<std::size_t>(count));
        return placed;
    } catch (...) {
        return nullptr;
    }
}

} // namespace

OwnedValue *make_owned_value()
{
    auto *slot = static_cast<OwnedValue *>(palloc0(sizeof(OwnedValue)));
    auto *callback = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
    callback->func = delete_owned_value;
    callback->arg = slot;
    MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
    return slot;
}

void release(OwnedValue *slot)
{
    if (slot != nullptr)
        delete_owned_value(slot);
}

Value &jsonb_to_value(Jsonb *jsonb, OwnedValue *slot, std::size_t setting, bool is_patch)
{
    std::size_t max_depth = is_patch ? setting + engine::patch_value_depth : setting;
    slot->value = new (std::nothrow) Value();
    if (slot->value == nullptr)
        raise_out_of_memory();
    Value *root = slot->value;

    // Open containers, innermost last; bounded by max_depth.
    auto **stack = static_cast<Value **>(palloc((max_depth + 1) * sizeof(Value *)));
    std::size_t depth = 0;
    const char *key = nullptr;
    int key_length = 0;
    bool raw_scalar = false;

    JsonbIterator *iterator = JsonbIteratorInit(&jsonb->root);
    JsonbValue token;
    JsonbIteratorToken kind;
    while ((kind = JsonbIteratorNext(&iterator, &token, false)) != WJB_DONE) {
        Value *parent = depth == 0 ? nullptr : stack[depth - 1];
        switch (kind) {
        case WJB_BEGIN_ARRAY:
        case WJB_BEGIN_OBJECT: {
            bool is_array = kind == WJB_BEGIN_ARRAY;
            if (is_array && token.val.array.rawScalar) {
                raw_scalar = true; // a bare scalar document: its one element is the root
                break;
            }
            if (depth >= max_depth)
                ereport(ERROR,
                        (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                         errmsg("%s nesting exceeds the limit of %zu levels",
                                is_patch ? "patch" : "document", max_depth),
                         errdetail_internal("{\"limit\":\"max_depth\",\"value\":%zu}", setting),
                         is_patch ? errhint("A patch may nest %zu levels deeper than "
                                            "draft_mode.max_depth (at most 5000).",
                                            engine::patch_value_depth)
                                  : errhint("Raise draft_mode.max_depth (at most 5000) to process "
                                            "it.")));
            Value *placed =
                place_container(root, parent, key, key_length, is_array,
                                is_array ? token.val.array.nElems : token.val.object.nPairs);
            if (placed == nullptr)
                raise_out_of_memory();
            stack[depth++] = placed;
            break;
        }
        case WJB_END_ARRAY:
        case WJB_END_OBJECT:
            if (raw_scalar)
                raw_scalar = false;
            else
                --depth;
            break;
        case WJB_KEY:
            key = token.val.string.val;
            key_length = token.val.string.len;
            break;
        case WJB_VALUE:
        case WJB_ELEM: {
            if (place_scalar(root, parent, key, key_length, token) == nullptr)
                raise_out_of_memory();
            break;
        }
        case WJB_DONE:
            break;
        }
    }
    pfree(stack);
    return *root;
}

namespace {

// Fills scalar with the jsonb form of an engine scalar. Strings point into
// the engine value, which outlives the jsonb being built.
void scalar_to_jsonb(const Value &value, JsonbValue &scalar)
{
    switch (value.kind()) {
    case Kind::Null:
        scalar.type = jbvNull;
        break;
    case Kind::Boolean:
        scalar.type = jbvBool;
        scalar.val.boolean = value.as_boolean();
        break;
    case Kind::Number:
        scalar.type = jbvNumeric;
        // Reuse the Numeric the number was read from when there is one.
        if (value.number_origin() != nullptr)
            scalar.val.numeric = static_cast<Numeric>(const_cast<void *>(value.number_origin()));
        else
            scalar.val.numeric = DatumGetNumeric(
                DirectFunctionCall3(numeric_in, CStringGetDatum(value.number_text().c_str()),
                                    ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
        break;
    case Kind::String:
        scalar.type = jbvString;
        scalar.val.string.val = const_cast<char *>(value.as_string().data());
        scalar.val.string.len = static_cast<int>(value.as_string().size());
        break;
    case Kind::Array:
    case Kind::Object:
        pg_unreachable();
    }
}

// Pushes value into the jsonb being built, as an element or member value.
// Returns what pushJsonbValue returned last: the finished tree once the
// outermost container is closed.
JsonbValue *push_value(JsonbParseState **state, const Value &value, JsonbIteratorToken as)
{
    CHECK_FOR_INTERRUPTS();
    if (value.is_array()) {
        const Array &items = value.as_array();
        pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
        for (std::size_t i = 0; i < items.size(); ++i)
            push_value(state, items[i], WJB_ELEM);
        return pushJsonbValue(state, WJB_END_ARRAY, NULL);
    }
    if (value.is_object()) {
        const auto &members = value.as_object().members();
        pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
        for (std::size_t i = 0; i < members.size(); ++i) {
            JsonbValue key;
            key.type = jbvString;
            key.val.string.val = const_cast<char *>(members[i].first.data());
            key.val.string.len = static_cast<int>(members[i].first.size());
            pushJsonbValue(state, WJB_KEY, &key);
            push_value(state, members[i].second, WJB_VALUE);
        }
        return pushJsonbValue(state, WJB_END_OBJECT, NULL);
    }
    JsonbValue scalar;
    scalar_to_jsonb(value, scalar);
    return pushJsonbValue(state, as, &scalar);
}

} // namespace

Jsonb *value_to_jsonb(const Value &value)
{
    if (!value.is_container()) {
        JsonbValue scalar;
        scalar_to_jsonb(value, scalar);
        return JsonbValueToJsonb(&scalar);
    }
    JsonbParseState *state = NULL;
    return JsonbValueToJsonb(push_value(&state, value, WJB_ELEM));
}

} // namespace draft_mode::boundary
