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
                    errdetail_internal("{\"reason\":\"out_of_memory\"}"),
                    errhint("draft_mode could not allocate memory for a document; lower "
                            "draft_mode.max_document_size or free server memory.")));
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

void raise_document_too_large(std::size_t max_bytes, bool is_patch)
{
    ereport(ERROR,
            (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
             errmsg("%s is larger than the size limit of %zu bytes",
                    is_patch ? "patch" : "document", max_bytes),
             errdetail_internal("{\"limit\":\"max_document_size\",\"value\":%zu}", max_bytes),
             errhint("draft_mode.max_document_size counts draft_mode's memory for a document, "
                     "about 48 bytes per JSON value plus the text of strings, keys and numbers; "
                     "a superuser can raise it (at most 255MB).")));
    pg_unreachable();
}

void check_input_header(Jsonb *jsonb, const engine::Limits &limits, bool is_patch)
{
    // Refusals that need no walk: the engine size is never below the jsonb
    // size, and a patch's operation count is in its array header.
    std::size_t max_bytes =
        limits.max_document_bytes + (is_patch ? engine::patch_overhead_bytes : 0);
    if (VARSIZE(jsonb) > max_bytes)
        raise_document_too_large(max_bytes, is_patch);
    if (is_patch && JB_ROOT_IS_ARRAY(jsonb) && !JB_ROOT_IS_SCALAR(jsonb) &&
        JB_ROOT_COUNT(jsonb) > limits.max_operations)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("patch has %u operations, more than the limit of %zu",
                               JB_ROOT_COUNT(jsonb), limits.max_operations),
                        errdetail_internal("{\"limit\":\"max_patch_operations\",\"value\":%zu}",
                                           limits.max_operations),
                        errhint("See the draft_mode.max_depth, draft_mode.max_patch_operations and "
                                "draft_mode.max_document_size settings (superuser only).")));
}

void raise_input_too_deep(const engine::Limits &limits, bool is_patch)
{
    std::size_t setting = limits.max_depth;
    std::size_t max_depth = is_patch ? setting + engine::patch_value_depth : setting;
    ereport(ERROR,
            (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
             errmsg("%s nesting exceeds the limit of %zu levels", is_patch ? "patch" : "document",
                    max_depth),
             errdetail_internal("{\"limit\":\"max_depth\",\"value\":%zu}", setting),
             is_patch ? errhint("A patch may nest %zu levels deeper than draft_mode.max_depth "
                                "(at most 5000).",
                                engine::patch_value_depth)
                      : errhint("Raise draft_mode.max_depth (at most 5000) to process it.")));
    pg_unreachable();
}

namespace {

// A patch may hold a whole document plus its operation object (the store's
// history falls back to one whole-document "replace").
std::size_t max_input_bytes(const engine::Limits &limits, bool is_patch)
{
    return limits.max_document_bytes + (is_patch ? engine::patch_overhead_bytes : 0);
}

// The body of jsonb_to_value for a container (a whole jsonb's root, or one
// inside it).
Value &container_to_value(JsonbContainer *container, OwnedValue *slot,
                          const engine::Limits &limits, bool is_patch)
{
    std::size_t setting = limits.max_depth;
    std::size_t max_depth = is_patch ? setting + engine::patch_value_depth : setting;
    std::size_t max_bytes = max_input_bytes(limits, is_patch);
    slot->size = 0;
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

    JsonbIterator *iterator = JsonbIteratorInit(container);
    JsonbValue token;
    JsonbIteratorToken kind;
    std::size_t bytes = 0;
    while ((kind = JsonbIteratorNext(&iterator, &token, false)) != WJB_DONE) {
        // Only trivially destructible locals here: the values built so far
        // belong to slot, so a cancel or error may longjmp out of this loop.
        CHECK_FOR_INTERRUPTS();
        Value *parent = depth == 0 ? nullptr : stack[depth - 1];
        // The engine size of what this token adds (engine::approximate_size).
        switch (kind) {
        case WJB_BEGIN_ARRAY:
        case WJB_BEGIN_OBJECT:
            if (!(kind == WJB_BEGIN_ARRAY && token.val.array.rawScalar))
                bytes += engine::value_node_bytes;
            break;
        case WJB_KEY:
            bytes += engine::member_key_bytes + static_cast<std::size_t>(token.val.string.len);
            break;
        case WJB_VALUE:
        case WJB_ELEM:
            bytes += engine::value_node_bytes;
            if (token.type == jbvString)
                bytes += static_cast<std::size_t>(token.val.string.len);
            break; // a number's text is counted once it is decoded, below
        default:
            break;
        }
        if (bytes > max_bytes)
            raise_document_too_large(max_bytes, is_patch);
        switch (kind) {
        case WJB_BEGIN_ARRAY:
        case WJB_BEGIN_OBJECT: {
            bool is_array = kind == WJB_BEGIN_ARRAY;
            if (is_array && token.val.array.rawScalar) {
                raw_scalar = true; // a bare scalar document: its one element is the root
                break;
            }
            if (depth >= max_depth)
                raise_input_too_deep(limits, is_patch);
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
            Value *placed = place_scalar(root, parent, key, key_length, token);
            if (placed == nullptr)
                raise_out_of_memory();
            if (placed->kind() == Kind::Number) {
                bytes += placed->number_text().size();
                if (bytes > max_bytes)
                    raise_document_too_large(max_bytes, is_patch);
            }
            break;
        }
        case WJB_DONE:
            break;
        }
    }
    pfree(stack);
    slot->size = bytes;
    return *root;
}

} // namespace

Value &jsonb_to_value(Jsonb *jsonb, OwnedValue *slot, const engine::Limits &limits, bool is_patch)
{
    check_input_header(jsonb, limits, is_patch);
    return container_to_value(&jsonb->root, slot, limits, is_patch);
}

Value &jsonb_value_to_value(const JsonbValue &value, OwnedValue *slot,
                            const engine::Limits &limits)
{
    std::size_t max_bytes = max_input_bytes(limits, false);
    if (value.type == jbvBinary) {
        if (static_cast<std::size_t>(value.val.binary.len) > max_bytes)
            raise_document_too_large(max_bytes, false);
        return container_to_value(value.val.binary.data, slot, limits, false);
    }
    slot->size = 0;
    slot->value = new (std::nothrow) Value();
    if (slot->value == nullptr || place_scalar(slot->value, nullptr, nullptr, 0, value) == nullptr)
        raise_out_of_memory();
    std::size_t bytes = engine::value_node_bytes;
    if (value.type == jbvString)
        bytes += static_cast<std::size_t>(value.val.string.len);
    else if (value.type == jbvNumeric)
        bytes += slot->value->number_text().size();
    if (bytes > max_bytes)
        raise_document_too_large(max_bytes, false);
    slot->size = bytes;
    return *slot->value;
}

// Output: engine values are written straight into jsonb's binary layout
// (what convertToJsonb in jsonb_util.c produces from a JsonbValue tree), so
// no intermediate JsonbValue tree is allocated. The layout is jsonb's
// on-disk format: a container header, one JEntry per child (an object's keys
// first, then its values), then the children's data; every
// JB_OFFSET_STRIDE'th JEntry holds an end offset instead of a length, and
// numerics and containers start 4-byte aligned, the padding counting as part
// of them. pad_to_int, reserve and check_length (jsonb_convert.h) are shared
// with jsonb_splice, which writes the same layout.
int pad_to_int(StringInfo buffer)
{
    int padding = INTALIGN(buffer->len) - buffer->len;
    enlargeStringInfo(buffer, padding);
    memset(buffer->data + buffer->len, 0, padding);
    buffer->len += padding;
    return padding;
}

int reserve(StringInfo buffer, int length)
{
    enlargeStringInfo(buffer, length);
    int offset = buffer->len;
    buffer->len += length;
    buffer->data[buffer->len] = '\0';
    return offset;
}

void check_length(uint64 length)
{
    if (length > JENTRY_OFFLENMASK)
        ereport(ERROR,
                (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                 errmsg("result is larger than jsonb's limit of %d bytes", JENTRY_OFFLENMASK),
                 errdetail_internal("{\"limit\":\"jsonb_size\",\"value\":%d}", JENTRY_OFFLENMASK),
                 errhint("A jsonb value holds at most 256 MB; lower draft_mode.max_document_size "
                         "or split the document.")));
}

namespace {

// Writes a scalar's data; returns its JEntry (type and length).
uint32 write_scalar(StringInfo buffer, const Value &value)
{
    switch (value.kind()) {
    case Kind::Null:
        return JENTRY_ISNULL;
    case Kind::Boolean:
        return value.as_boolean() ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
    case Kind::String: {
        const std::string &text = value.as_string();
        check_length(text.size());
        appendBinaryStringInfo(buffer, text.data(), static_cast<int>(text.size()));
        return static_cast<uint32>(text.size());
    }
    case Kind::Number: {
        // Reuse the Numeric the number was read from when there is one.
        Numeric numeric = value.number_origin() != nullptr
                              ? static_cast<Numeric>(const_cast<void *>(value.number_origin()))
                              : DatumGetNumeric(DirectFunctionCall3(
                                    numeric_in, CStringGetDatum(value.number_text().c_str()),
                                    ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
        int padding = pad_to_int(buffer);
        int length = VARSIZE_ANY(numeric);
        appendBinaryStringInfo(buffer, reinterpret_cast<const char *>(numeric), length);
        return JENTRY_ISNUMERIC | static_cast<uint32>(padding + length);
    }
    case Kind::Array:
    case Kind::Object:
        break;
    }
    pg_unreachable();
}

uint32 write_value(StringInfo buffer, const Value &value);

// Writes a child and stores its JEntry at slot index of the container whose
// JEntry array starts at entries; total is the running data length.
void write_child(StringInfo buffer, const Value &child, int entries, std::size_t index,
                 uint32 &total)
{
    CHECK_FOR_INTERRUPTS();
    uint32 entry = write_value(buffer, child);
    check_length(static_cast<uint64>(total) + JBE_OFFLENFLD(entry));
    total += JBE_OFFLENFLD(entry);
    if (index % JB_OFFSET_STRIDE == 0)
        entry = (entry & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF;
    memcpy(buffer->data + entries + index * sizeof(JEntry), &entry, sizeof(JEntry));
}

// Writes a container (header, JEntries, children); returns its JEntry.
// raw_scalar wraps a bare scalar document as jsonb does.
uint32 write_container(StringInfo buffer, const Value &value, bool raw_scalar)
{
    check_stack_depth();
    CHECK_FOR_INTERRUPTS();
    int start = buffer->len;
    pad_to_int(buffer);
    uint32 total = 0;
    if (raw_scalar || value.is_array()) {
        std::size_t count = raw_scalar ? 1 : value.as_array().size();
        uint32 header = static_cast<uint32>(count) | JB_FARRAY | (raw_scalar ? JB_FSCALAR : 0);
        appendBinaryStringInfo(buffer, reinterpret_cast<const char *>(&header), sizeof header);
        int entries = reserve(buffer, static_cast<int>(count * sizeof(JEntry)));
        for (std::size_t i = 0; i < count; ++i)
            write_child(buffer, raw_scalar ? value : value.as_array()[i], entries, i, total);
    } else {
        const auto &members = value.as_object().members();
        std::size_t count = members.size();
        uint32 header = static_cast<uint32>(count) | JB_FOBJECT;
        appendBinaryStringInfo(buffer, reinterpret_cast<const char *>(&header), sizeof header);
        int entries = reserve(buffer, static_cast<int>(2 * count * sizeof(JEntry)));
        for (std::size_t i = 0; i < count; ++i) {
            check_length(static_cast<uint64>(total) + members[i].first.size());
            uint32 entry = static_cast<uint32>(members[i].first.size());
            appendBinaryStringInfo(buffer, members[i].first.data(), static_cast<int>(entry));
            total += entry;
            if (i % JB_OFFSET_STRIDE == 0)
                entry = total | JENTRY_HAS_OFF;
            memcpy(buffer->data + entries + i * sizeof(JEntry), &entry, sizeof(JEntry));
        }
        for (std::size_t i = 0; i < count; ++i)
            write_child(buffer, members[i].second, entries, count + i, total);
    }
    check_length(static_cast<uint64>(buffer->len - start));
    uint32 length = static_cast<uint32>(buffer->len - start);
    return JENTRY_ISCONTAINER | length;
}

uint32 write_value(StringInfo buffer, const Value &value)
{
    return value.is_container() ? write_container(buffer, value, false)
                                : write_scalar(buffer, value);
}

} // namespace

Jsonb *value_to_jsonb(const Value &value, std::size_t size_hint)
{
    StringInfoData buffer;
    initStringInfo(&buffer);
    if (size_hint > 0 && size_hint < MaxAllocSize / 2)
        enlargeStringInfo(&buffer, static_cast<int>(size_hint + size_hint / 8));
    reserve(&buffer, VARHDRSZ);
    write_container(&buffer, value, !value.is_container());
    SET_VARSIZE(buffer.data, buffer.len);
    return reinterpret_cast<Jsonb *>(buffer.data);
}

} // namespace draft_mode::boundary
