// In-place reads of jsonb's binary form.
#include "boundary/jsonb_read.h"

#include "boundary/jsonb_convert.h"
#include "engine/json_pointer.h"

namespace draft_mode::boundary {

namespace {

// The smallest jsonb size a document nesting depth containers deep can
// have: each container takes at least its header and its JEntry in its
// parent.
constexpr std::size_t min_bytes_per_level = sizeof(uint32) + sizeof(JEntry);

// Raises the 54000 depth error of jsonb_to_value.
[[noreturn]] void raise_too_deep(std::size_t max_depth)
{
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("document nesting exceeds the limit of %zu levels", max_depth),
                    errdetail_internal("{\"limit\":\"max_depth\",\"value\":%zu}", max_depth),
                    errhint("Raise draft_mode.max_depth (at most 5000) to process it.")));
    pg_unreachable();
}

// Raises the depth error when container (at nesting level depth, the root
// being 1, and length bytes long) has a descendant container deeper than
// max_depth. A container of length bytes holds at most
// length / min_bytes_per_level levels, so a container too small to pass
// the limit is not entered: for ordinary documents only the few large
// containers near the root are. Inside the others, only the JEntries' type
// bits are read; scalars are never decoded.
void check_depth(const JsonbContainer *container, uint32 length, std::size_t depth,
                 std::size_t max_depth, std::size_t &visited)
{
    if (depth > max_depth)
        raise_too_deep(max_depth);
    if (depth + length / min_bytes_per_level <= max_depth)
        return;
    check_stack_depth();
    uint32 count = JsonContainerSize(container);
    uint32 first = JsonContainerIsObject(container) ? count : 0; // an object's values
    uint32 entries = first + count;
    visited += count;
    if (visited >= 1024) {
        visited = 0;
        CHECK_FOR_INTERRUPTS();
    }
    const char *data = reinterpret_cast<const char *>(&container->children[entries]);
    for (uint32 i = first; i < entries; ++i) {
        if (!JBE_ISCONTAINER(container->children[i]))
            continue;
        uint32 offset = getJsonbOffset(container, static_cast<int>(i));
        uint32 child_length = getJsonbLength(container, static_cast<int>(i));
        // The padding before a child container counts in its length.
        check_depth(reinterpret_cast<const JsonbContainer *>(data + INTALIGN(offset)),
                    child_length - (INTALIGN(offset) - offset), depth + 1, max_depth, visited);
    }
}

} // namespace

void check_jsonb_bounds(Jsonb *jsonb, const engine::Limits &limits)
{
    if (VARSIZE(jsonb) > limits.max_document_bytes)
        raise_document_too_large(limits.max_document_bytes, false);
    if (JB_ROOT_IS_SCALAR(jsonb))
        return;
    std::size_t visited = 0;
    check_depth(&jsonb->root, VARSIZE(jsonb) - VARHDRSZ, 1, limits.max_depth, visited);
}

Jsonb *jsonb_pointer_lookup(Jsonb *jsonb, std::string_view pointer)
{
    if (pointer.empty())
        return jsonb;
    if (JB_ROOT_IS_SCALAR(jsonb))
        return nullptr; // every token under a scalar is missing
    // The longest token is never longer than the pointer.
    char *token = static_cast<char *>(palloc(pointer.size() + 1));
    JsonbContainer *container = &jsonb->root;
    JsonbValue found;
    std::size_t position = 0;
    while (position < pointer.size()) {
        CHECK_FOR_INTERRUPTS();
        if (container == nullptr)
            return nullptr; // a token under a scalar
        std::string_view escaped = engine::next_pointer_token(pointer, position);
        std::size_t length = engine::unescape_pointer_token(escaped, token);
        if (JsonContainerIsObject(container)) {
            if (length > JENTRY_OFFLENMASK ||
                getKeyJsonValueFromContainer(container, token, static_cast<int>(length), &found) ==
                    nullptr)
                return nullptr;
        } else {
            std::optional<std::size_t> index =
                engine::parse_array_index(std::string_view(token, length));
            if (!index || *index >= JsonContainerSize(container))
                return nullptr;
            JsonbValue *element =
                getIthJsonbValueFromContainer(container, static_cast<uint32>(*index));
            found = *element;
            pfree(element);
        }
        container = found.type == jbvBinary ? found.val.binary.data : nullptr;
    }
    pfree(token);
    // A container is copied out as bytes; a scalar becomes a bare-scalar jsonb.
    return JsonbValueToJsonb(&found);
}

namespace {

// The start of a container's children's data.
const char *children_data(const JsonbContainer *container)
{
    uint32 count = JsonContainerSize(container);
    uint32 entries = JsonContainerIsObject(container) ? 2 * count : count;
    return reinterpret_cast<const char *>(&container->children[entries]);
}

// One child of a container: its JEntry and its data range [start, end)
// relative to children_data (padding before numerics and containers
// included, as in the JEntry).
struct Child {
    JEntry entry;
    uint32 start;
    uint32 end;
};

// Walks a container's JEntries forward from index, keeping a running offset
// (no per-child search for the last stored offset).
struct ForwardCursor {
    const JsonbContainer *container;
    uint32 index;
    uint32 offset;

    Child next()
    {
        JEntry entry = container->children[index++];
        uint32 end = JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : offset + JBE_OFFLENFLD(entry);
        Child child = {entry, offset, end};
        offset = end;
        return child;
    }
};

// Walks a container's JEntries backward from the last one.
struct BackwardCursor {
    const JsonbContainer *container;
    int index;
    uint32 end;

    Child previous()
    {
        uint32 start = end - getJsonbLength(container, index);
        Child child = {container->children[index], start, end};
        end = start;
        --index;
        return child;
    }
};

ForwardCursor forward_from(const JsonbContainer *container, uint32 index)
{
    return {container, index, index == 0 ? 0 : getJsonbOffset(container, static_cast<int>(index))};
}

BackwardCursor backward_from_last(const JsonbContainer *container, int last)
{
    return {container, last, getJsonbOffset(container, last) + getJsonbLength(container, last)};
}

// The bytes of a child's value, its alignment padding left out.
const char *child_bytes(const JsonbContainer *container, const Child &child, uint32 &length)
{
    uint32 start = child.start;
    if (JBE_ISNUMERIC(child.entry) || JBE_ISCONTAINER(child.entry))
        start = INTALIGN(start);
    length = child.end - start;
    return children_data(container) + start;
}

// Polls for cancel about every 1,024 elements or 1 MB compared: work counts
// one unit per element plus one per KB of bytes compared, so that a deep
// document whose every level compares a large differing subtree is
// cancelled as promptly as a wide one.
void tick(std::size_t &work, std::size_t units)
{
    std::size_t before = work;
    work += units;
    if (before / 1024 != work / 1024)
        CHECK_FOR_INTERRUPTS();
}

// True when two children hold byte-identical values.
bool same_child(const JsonbContainer *a, const Child &x, const JsonbContainer *b, const Child &y,
                std::size_t &work)
{
    if ((x.entry & JENTRY_TYPEMASK) != (y.entry & JENTRY_TYPEMASK)) {
        tick(work, 1);
        return false;
    }
    uint32 x_length;
    uint32 y_length;
    const char *x_bytes = child_bytes(a, x, x_length);
    const char *y_bytes = child_bytes(b, y, y_length);
    bool same = x_length == y_length && memcmp(x_bytes, y_bytes, x_length) == 0;
    tick(work, 1 + (x_length == y_length ? x_length / 1024 : 0));
    return same;
}

// The JsonbValue of a child (a container as jbvBinary), as jsonb's own
// fillJsonbValue builds it.
void child_value(const JsonbContainer *container, const Child &child, JsonbValue *value)
{
    uint32 length;
    const char *bytes = child_bytes(container, child, length);
    if (JBE_ISNULL(child.entry)) {
        value->type = jbvNull;
    } else if (JBE_ISSTRING(child.entry)) {
        value->type = jbvString;
        value->val.string.val = const_cast<char *>(bytes);
        value->val.string.len = static_cast<int>(length);
    } else if (JBE_ISNUMERIC(child.entry)) {
        value->type = jbvNumeric;
        value->val.numeric = reinterpret_cast<Numeric>(const_cast<char *>(bytes));
    } else if (JBE_ISBOOL_TRUE(child.entry) || JBE_ISBOOL_FALSE(child.entry)) {
        value->type = jbvBool;
        value->val.boolean = JBE_ISBOOL_TRUE(child.entry);
    } else {
        value->type = jbvBinary;
        value->val.binary.data = reinterpret_cast<JsonbContainer *>(const_cast<char *>(bytes));
        value->val.binary.len = static_cast<int>(length);
    }
}

// Appends a pointer token for key, escaped (~ -> ~0, / -> ~1).
void append_token(StringInfo path, const char *key, uint32 length)
{
    appendStringInfoChar(path, '/');
    for (uint32 i = 0; i < length; ++i) {
        if (key[i] == '~')
            appendBinaryStringInfo(path, "~0", 2);
        else if (key[i] == '/')
            appendBinaryStringInfo(path, "~1", 2);
        else
            appendStringInfoChar(path, key[i]);
    }
}

// Where arrays a and b differ: true (with the two elements and the path
// extended by their index) when one element of each is all that differs;
// identical set when nothing does.
bool narrow_array(const JsonbContainer *a, const JsonbContainer *b, DiffSite *site,
                  const JsonbContainer **next_a, const JsonbContainer **next_b, std::size_t &work)
{
    uint32 a_count = JsonContainerSize(a);
    uint32 b_count = JsonContainerSize(b);
    uint32 common = Min(a_count, b_count);
    ForwardCursor x = forward_from(a, 0);
    ForwardCursor y = forward_from(b, 0);
    uint32 prefix = 0;
    Child a_child = {};
    Child b_child = {};
    while (prefix < common) {
        a_child = x.next();
        b_child = y.next();
        if (!same_child(a, a_child, b, b_child, work))
            break;
        ++prefix;
    }
    if (prefix == common && a_count == b_count) {
        site->identical = true;
        return false;
    }
    if (a_count - prefix != 1 || b_count - prefix != 1) {
        // Only a single differing element on each side is narrowed.
        if (a_count != b_count)
            return false;
        uint32 suffix = 0;
        BackwardCursor u = backward_from_last(a, static_cast<int>(a_count) - 1);
        BackwardCursor v = backward_from_last(b, static_cast<int>(b_count) - 1);
        while (suffix < a_count - prefix - 1) {
            if (!same_child(a, u.previous(), b, v.previous(), work))
                return false;
            ++suffix;
        }
    }
    // a_child and b_child are the differing elements at index prefix.
    JsonbValue a_value;
    JsonbValue b_value;
    child_value(a, a_child, &a_value);
    child_value(b, b_child, &b_value);
    appendStringInfo(&site->path, "/%u", prefix);
    site->whole = false;
    site->source = a_value;
    site->target = b_value;
    *next_a = a_value.type == jbvBinary ? a_value.val.binary.data : nullptr;
    *next_b = b_value.type == jbvBinary ? b_value.val.binary.data : nullptr;
    return true;
}

// The same for objects: true when they have the same keys and one value
// differs.
bool narrow_object(const JsonbContainer *a, const JsonbContainer *b, DiffSite *site,
                   const JsonbContainer **next_a, const JsonbContainer **next_b, std::size_t &work)
{
    uint32 count = JsonContainerSize(a);
    if (JsonContainerSize(b) != count)
        return false;
    ForwardCursor a_keys = forward_from(a, 0);
    ForwardCursor b_keys = forward_from(b, 0);
    ForwardCursor a_values = forward_from(a, count);
    ForwardCursor b_values = forward_from(b, count);
    bool found = false;
    Child a_key = {};
    Child a_child = {};
    Child b_child = {};
    for (uint32 i = 0; i < count; ++i) {
        Child x = a_keys.next();
        Child y = b_keys.next();
        if (!same_child(a, x, b, y, work))
            return false; // a key added or removed
        Child u = a_values.next();
        Child v = b_values.next();
        if (same_child(a, u, b, v, work))
            continue;
        if (found)
            return false; // two members differ
        found = true;
        a_key = x;
        a_child = u;
        b_child = v;
    }
    if (!found) {
        site->identical = true;
        return false;
    }
    JsonbValue a_value;
    JsonbValue b_value;
    child_value(a, a_child, &a_value);
    child_value(b, b_child, &b_value);
    append_token(&site->path, children_data(a) + a_key.start, a_key.end - a_key.start);
    site->whole = false;
    site->source = a_value;
    site->target = b_value;
    *next_a = a_value.type == jbvBinary ? a_value.val.binary.data : nullptr;
    *next_b = b_value.type == jbvBinary ? b_value.val.binary.data : nullptr;
    return true;
}

} // namespace

void narrow_diff(Jsonb *source, Jsonb *target, DiffSite *site)
{
    site->identical = VARSIZE(source) == VARSIZE(target) &&
                      memcmp(VARDATA(source), VARDATA(target), VARSIZE(source) - VARHDRSZ) == 0;
    site->whole = true;
    initStringInfo(&site->path);
    if (site->identical || JB_ROOT_IS_SCALAR(source) || JB_ROOT_IS_SCALAR(target))
        return;
    const JsonbContainer *a = &source->root;
    const JsonbContainer *b = &target->root;
    std::size_t work = 0;
    while (a != nullptr && b != nullptr) {
        check_stack_depth();
        const JsonbContainer *next_a = nullptr;
        const JsonbContainer *next_b = nullptr;
        bool narrowed;
        if (JsonContainerIsArray(a) && JsonContainerIsArray(b))
            narrowed = narrow_array(a, b, site, &next_a, &next_b, work);
        else if (JsonContainerIsObject(a) && JsonContainerIsObject(b))
            narrowed = narrow_object(a, b, site, &next_a, &next_b, work);
        else
            return;
        if (!narrowed)
            return;
        a = next_a;
        b = next_b;
    }
}

} // namespace draft_mode::boundary
