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

// Output: engine values are written straight into jsonb's binary layout
// (what convertToJsonb in jsonb_util.c produces from a JsonbValue tree), so
// no intermediate JsonbValue tree is allocated. The layout is jsonb's
// on-disk format: a container header, one JEntry per child (an object's keys
// first, then its values), then the children's data; every
// JB_OFFSET_STRIDE'th JEntry holds an end offset instead of a length, and
// numerics and containers start 4-byte aligned, the padding counting as part
// of them.
namespace {

// Appends zero bytes up to a multiple of 4; returns how many.
int pad_to_int(StringInfo buffer)
{
    int padding = INTALIGN(buffer->len) - buffer->len;
    enlargeStringInfo(buffer, padding);
    memset(buffer->data + buffer->len, 0, padding);
    buffer->len += padding;
    return padding;
}

// Reserves length bytes; returns their offset.
int reserve(StringInfo buffer, int length)
{
    enlargeStringInfo(buffer, length);
    int offset = buffer->len;
    buffer->len += length;
    buffer->data[buffer->len] = '\0';
    return offset;
}

void check_length(uint32 length)
{
    if (length > JENTRY_OFFLENMASK)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("total size of jsonb array elements exceeds the maximum of %d bytes",
                               JENTRY_OFFLENMASK)));
}

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
        check_length(static_cast<uint32>(text.size()));
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
    uint32 entry = write_value(buffer, child);
    total += JBE_OFFLENFLD(entry);
    check_length(total);
    if (index % JB_OFFSET_STRIDE == 0)
        entry = (entry & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF;
    memcpy(buffer->data + entries + index * sizeof(JEntry), &entry, sizeof(JEntry));
}

// Writes a container (header, JEntries, children); returns its JEntry.
// raw_scalar wraps a bare scalar document as jsonb does.
uint32 write_container(StringInfo buffer, const Value &value, bool raw_scalar)
{
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
            uint32 entry = static_cast<uint32>(members[i].first.size());
            appendBinaryStringInfo(buffer, members[i].first.data(), static_cast<int>(entry));
            total += entry;
            check_length(total);
            if (i % JB_OFFSET_STRIDE == 0)
                entry = total | JENTRY_HAS_OFF;
            memcpy(buffer->data + entries + i * sizeof(JEntry), &entry, sizeof(JEntry));
        }
        for (std::size_t i = 0; i < count; ++i)
            write_child(buffer, members[i].second, entries, count + i, total);
    }
    uint32 length = static_cast<uint32>(buffer->len - start);
    check_length(length);
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
