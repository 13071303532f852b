// RFC 6902 patches on jsonb's binary form (see jsonb_splice.h).
//
// Everything here may ereport: locals are plain structs and pointers, tree
// memory is palloc'd in a child memory context. The engine is called only
// inside run_guarded, to validate a patch's skeleton and to build the exact
// error of a failing operation.
#include "boundary/jsonb_splice.h"

#include <cstring>
#include <string>

#include "boundary/guard.h"
#include "boundary/jsonb_convert.h"
#include "boundary/numeric_text.h"
#include "boundary/settings.h"
#include "engine/json_patch.h"
#include "engine/json_pointer.h"

namespace draft_mode::boundary {

namespace {

using engine::ErrorKind;

// ---------------------------------------------------------------------------
// The tree: a node is a reference to a value's bytes inside some jsonb (the
// document, a patch, an earlier result), or a container expanded because an
// operation edits something under it.

enum class NodeKind : uint8 { Ref, Object, Array };

struct Container;

struct Node {
    NodeKind kind;
    uint32 type;   // Ref: the JEntry type bits (JENTRY_ISSTRING, ...)
    uint32 length; // Ref: the value's bytes, alignment padding excluded
    union {
        const char *data;     // Ref: the value's bytes (a container: its JsonbContainer)
        Container *container; // Object, Array
    };
};
DRAFT_MODE_POSTGRES_SIDE(Node);

// An object key or a pointer token: bytes that outlive the operation.
struct Key {
    const char *data;
    uint32 length;
};
DRAFT_MODE_POSTGRES_SIDE(Key);

// An expanded container: keys (objects only) and values, in jsonb order.
struct Container {
    uint32 count;
    uint32 capacity;
    Key *keys;
    Node *values;
};
DRAFT_MODE_POSTGRES_SIDE(Container);

// A parsed pointer: its tokens, unescaped.
struct Path {
    uint32 count;
    Key *tokens;
};
DRAFT_MODE_POSTGRES_SIDE(Path);

enum class Op : uint8 { Add, Remove, Replace, Move, Copy, Test };

// The state of one application: the document and the running size estimate
// of the engine's Patcher, and the operation being applied (for errors).
struct Splicer {
    Node root;
    engine::Limits limits;
    std::size_t size; // the engine's estimate of the document's size; 0 until needed
    uint32 index;
    const char *op;
    Key path_text;
    Key from_text;
    bool has_from;
};
DRAFT_MODE_POSTGRES_SIDE(Splicer);

const JsonbContainer *as_container(const Node &node)
{
    return reinterpret_cast<const JsonbContainer *>(node.data);
}

bool is_container_ref(const Node &node)
{
    return node.kind == NodeKind::Ref && node.type == JENTRY_ISCONTAINER;
}

bool is_object(const Node &node)
{
    return node.kind == NodeKind::Object ||
           (is_container_ref(node) && JsonContainerIsObject(as_container(node)));
}

bool is_array(const Node &node)
{
    return node.kind == NodeKind::Array ||
           (is_container_ref(node) && JsonContainerIsArray(as_container(node)));
}

// The start of a binary container's children's data.
const char *children_data(const JsonbContainer *container)
{
    uint32 count = JsonContainerSize(container);
    uint32 entries = JsonContainerIsObject(container) ? 2 * count : count;
    return reinterpret_cast<const char *>(&container->children[entries]);
}

// A reference to the child whose data is [start, end) of base (padding
// before a numeric or a container included, as in its JEntry).
Node make_ref(const char *base, JEntry entry, uint32 start, uint32 end)
{
    Node node;
    node.kind = NodeKind::Ref;
    node.type = entry & JENTRY_TYPEMASK;
    if (node.type == JENTRY_ISNUMERIC || node.type == JENTRY_ISCONTAINER)
        start = INTALIGN(start);
    node.length = end - start;
    node.data = base + start;
    return node;
}

// Child index (a JEntry index: an object's values follow its keys).
Node binary_child(const JsonbContainer *container, uint32 index)
{
    uint32 start = getJsonbOffset(container, static_cast<int>(index));
    uint32 end = start + getJsonbLength(container, static_cast<int>(index));
    return make_ref(children_data(container), container->children[index], start, end);
}

Key binary_key(const JsonbContainer *container, uint32 index)
{
    uint32 start = getJsonbOffset(container, static_cast<int>(index));
    return {children_data(container) + start, getJsonbLength(container, static_cast<int>(index))};
}

// The node of a whole jsonb: its root container, or a bare scalar itself.
Node root_node(Jsonb *jsonb)
{
    if (JB_ROOT_IS_SCALAR(jsonb))
        return binary_child(&jsonb->root, 0);
    Node node;
    node.kind = NodeKind::Ref;
    node.type = JENTRY_ISCONTAINER;
    node.length = VARSIZE(jsonb) - VARHDRSZ;
    node.data = reinterpret_cast<const char *>(&jsonb->root);
    return node;
}

// jsonb's key order: shorter keys first, then bytewise.
int compare_keys(const Key &a, const Key &b)
{
    if (a.length != b.length)
        return a.length < b.length ? -1 : 1;
    return a.length == 0 ? 0 : memcmp(a.data, b.data, a.length);
}

// Binary search in a binary object: the key's index, or -1.
int64 binary_find(const JsonbContainer *container, const Key &key)
{
    int64 low = 0;
    int64 high = static_cast<int64>(JsonContainerSize(container));
    while (low < high) {
        int64 middle = low + (high - low) / 2;
        int order = compare_keys(binary_key(container, static_cast<uint32>(middle)), key);
        if (order == 0)
            return middle;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return -1;
}

// Binary search in an expanded object: the key's position (found) or where
// it would be inserted.
uint32 expanded_find(const Container *container, const Key &key, bool *found)
{
    uint32 low = 0;
    uint32 high = container->count;
    while (low < high) {
        uint32 middle = low + (high - low) / 2;
        int order = compare_keys(container->keys[middle], key);
        if (order == 0) {
            *found = true;
            return middle;
        }
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    *found = false;
    return low;
}

uint32 node_count(const Node &node)
{
    return node.kind == NodeKind::Ref ? JsonContainerSize(as_container(node))
                                      : node.container->count;
}

// Replaces a container reference by its expansion: one Key and one Node per
// child, each child still a reference. Costs one pass over its JEntries.
Container *expand(Node &node)
{
    if (node.kind != NodeKind::Ref)
        return node.container;
    const JsonbContainer *binary = as_container(node);
    uint32 count = JsonContainerSize(binary);
    bool object = JsonContainerIsObject(binary);
    auto *container = static_cast<Container *>(palloc(sizeof(Container)));
    container->count = count;
    container->capacity = count + 1;
    container->values = static_cast<Node *>(
        MemoryContextAllocHuge(CurrentMemoryContext, container->capacity * sizeof(Node)));
    container->keys = object ? static_cast<Key *>(MemoryContextAllocHuge(
                                   CurrentMemoryContext, container->capacity * sizeof(Key)))
                             : nullptr;
    const char *base = children_data(binary);
    uint32 entries = object ? 2 * count : count;
    uint32 offset = 0;
    for (uint32 i = 0; i < entries; ++i) {
        if ((i & 1023) == 1023)
            CHECK_FOR_INTERRUPTS();
        JEntry entry = binary->children[i];
        uint32 end = JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : offset + JBE_OFFLENFLD(entry);
        if (object && i < count)
            container->keys[i] = {base + offset, end - offset};
        else
            container->values[object ? i - count : i] = make_ref(base, entry, offset, end);
        offset = end;
    }
    node.kind = object ? NodeKind::Object : NodeKind::Array;
    node.container = container;
    return container;
}

// Makes room for one more child at position (shifting the ones after it).
void open_slot(Container *container, uint32 position, bool object)
{
    if (container->count == container->capacity) {
        container->capacity = container->capacity * 2 + 1;
        container->values = static_cast<Node *>(
            repalloc_huge(container->values, container->capacity * sizeof(Node)));
        if (object)
            container->keys = static_cast<Key *>(
                repalloc_huge(container->keys, container->capacity * sizeof(Key)));
    }
    uint32 after = container->count - position;
    memmove(&container->values[position + 1], &container->values[position], after * sizeof(Node));
    if (object)
        memmove(&container->keys[position + 1], &container->keys[position], after * sizeof(Key));
    ++container->count;
}

void close_slot(Container *container, uint32 position, bool object)
{
    uint32 after = container->count - position - 1;
    memmove(&container->values[position], &container->values[position + 1], after * sizeof(Node));
    if (object)
        memmove(&container->keys[position], &container->keys[position + 1], after * sizeof(Key));
    --container->count;
}

// ---------------------------------------------------------------------------
// Errors: built by the engine (inside run_guarded) so that message and
// DETAIL are exactly apply_patch's, then raised here.

[[noreturn]] void raise_operation_error(const Splicer &s, ErrorKind kind, const char *summary,
                                        const char *reason, const char *at_fault)
{
    ErrorBox box;
    run_guarded(box, [&] {
        std::string path(s.path_text.data, s.path_text.length);
        std::string from = s.has_from ? std::string(s.from_text.data, s.from_text.length)
                                      : std::string();
        engine::throw_operation_error(kind, s.index, s.op, path, s.has_from ? &from : nullptr,
                                      summary, reason, at_fault);
    });
    raise_error(box);
}

[[noreturn]] void raise_not_found(const Splicer &s, const char *which, const char *reason)
{
    const char *summary = strcmp(reason, "parent_not_container") == 0
                              ? "location is inside a scalar value"
                              : "location does not exist";
    raise_operation_error(s, ErrorKind::PathNotFound, summary, reason, which);
}

// ---------------------------------------------------------------------------
// Sizes and depths, as the engine counts them (engine::approximate_size,
// engine::depth), read from the binary form where a node is a reference.

// Walks a binary container's JEntries forward with a running offset.
struct Cursor {
    const JsonbContainer *container;
    const char *base;
    uint32 index;
    uint32 offset;
};
DRAFT_MODE_POSTGRES_SIDE(Cursor);

Cursor cursor_at(const JsonbContainer *container, uint32 index)
{
    return {container, children_data(container), index,
            index == 0 ? 0 : getJsonbOffset(container, static_cast<int>(index))};
}

Node cursor_next(Cursor &cursor)
{
    JEntry entry = cursor.container->children[cursor.index++];
    uint32 end =
        JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : cursor.offset + JBE_OFFLENFLD(entry);
    Node node = make_ref(cursor.base, entry, cursor.offset, end);
    cursor.offset = end;
    return node;
}

// The text bytes the engine counts for a scalar (a string's bytes, a number's text).
std::size_t scalar_text_bytes(const Node &node)
{
    if (node.type == JENTRY_ISSTRING)
        return node.length;
    if (node.type == JENTRY_ISNUMERIC)
        return numeric_text_length(reinterpret_cast<Numeric>(const_cast<char *>(node.data)));
    return 0;
}

void tick(std::size_t &work)
{
    if ((++work & 1023) == 0)
        CHECK_FOR_INTERRUPTS();
}

std::size_t node_size(const Node &node, std::size_t &work);

std::size_t binary_size(const JsonbContainer *container, std::size_t &work)
{
    check_stack_depth();
    std::size_t total = engine::value_node_bytes;
    uint32 count = JsonContainerSize(container);
    bool object = JsonContainerIsObject(container);
    Cursor cursor = cursor_at(container, 0);
    if (object)
        for (uint32 i = 0; i < count; ++i)
            total += engine::member_key_bytes + cursor_next(cursor).length;
    for (uint32 i = 0; i < count; ++i)
        total += node_size(cursor_next(cursor), work);
    return total;
}

std::size_t node_size(const Node &node, std::size_t &work)
{
    tick(work);
    if (node.kind == NodeKind::Ref) {
        if (node.type == JENTRY_ISCONTAINER)
            return binary_size(as_container(node), work);
        return engine::value_node_bytes + scalar_text_bytes(node);
    }
    check_stack_depth();
    std::size_t total = engine::value_node_bytes;
    const Container *container = node.container;
    for (uint32 i = 0; i < container->count; ++i) {
        if (node.kind == NodeKind::Object)
            total += engine::member_key_bytes + container->keys[i].length;
        total += node_size(container->values[i], work);
    }
    return total;
}

std::size_t node_depth(const Node &node, std::size_t &work)
{
    tick(work);
    if (node.kind == NodeKind::Ref && node.type != JENTRY_ISCONTAINER)
        return 0;
    check_stack_depth();
    std::size_t deepest = 0;
    if (node.kind == NodeKind::Ref) {
        const JsonbContainer *container = as_container(node);
        uint32 count = JsonContainerSize(container);
        Cursor cursor = cursor_at(container, JsonContainerIsObject(container) ? count : 0);
        for (uint32 i = 0; i < count; ++i) {
            std::size_t child = node_depth(cursor_next(cursor), work);
            deepest = child > deepest ? child : deepest;
        }
    } else {
        for (uint32 i = 0; i < node.container->count; ++i) {
            std::size_t child = node_depth(node.container->values[i], work);
            deepest = child > deepest ? child : deepest;
        }
    }
    return deepest + 1;
}

// What jsonb_to_value refuses while it converts an input, in its order (it
// counts bytes per token and checks the depth when a container opens), and
// the engine size it counts: the input's limits without converting it.
struct Measure {
    std::size_t bytes;
    std::size_t max_bytes;
    std::size_t max_depth;
    bool is_patch;
    const engine::Limits *limits;
    std::size_t work;
};
DRAFT_MODE_POSTGRES_SIDE(Measure);

void count_bytes(Measure &m, std::size_t bytes)
{
    m.bytes += bytes;
    if (m.bytes > m.max_bytes)
        raise_document_too_large(m.max_bytes, m.is_patch);
}

void measure_scalar(Measure &m, const Node &node)
{
    count_bytes(m, engine::value_node_bytes + (node.type == JENTRY_ISSTRING ? node.length : 0));
    if (node.type == JENTRY_ISNUMERIC)
        count_bytes(m, scalar_text_bytes(node));
}

// depth: the containers open around this one. One tight pass over the
// JEntries: an object's keys are contiguous at the start of its data, so
// their bytes are one offset; scalars are summed without a check each, and
// the size is checked before entering a child container and at the end,
// which refuses exactly the inputs jsonb_to_value refuses, with the same
// error first (only size errors can come between two containers).
void measure_container(Measure &m, const JsonbContainer *container, std::size_t depth)
{
    if ((++m.work & 15) == 0)
        CHECK_FOR_INTERRUPTS();
    count_bytes(m, engine::value_node_bytes);
    if (depth >= m.max_depth)
        raise_input_too_deep(*m.limits, m.is_patch);
    check_stack_depth();
    uint32 count = JsonContainerSize(container);
    if (count == 0)
        return;
    bool object = JsonContainerIsObject(container);
    const char *base = children_data(container);
    uint32 first = 0;
    uint32 offset = 0;
    std::size_t bytes = 0;
    // Keys come first in the data, one after another, without padding: the
    // bytes of keys 0..j are the offset where key j + 1 starts. jsonb_to_value
    // counts key j just before value j, so keys are counted up to the one of
    // a child container before it is entered.
    std::size_t keys_counted = 0;
    std::size_t keys_total = 0;
    if (object) {
        first = count;
        offset = getJsonbOffset(container, static_cast<int>(count));
        keys_total = count * engine::member_key_bytes + offset;
    }
    uint32 entries = first + count;
    for (uint32 i = first; i < entries; ++i) {
        JEntry entry = container->children[i];
        uint32 end = JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : offset + JBE_OFFLENFLD(entry);
        switch (entry & JENTRY_TYPEMASK) {
        case JENTRY_ISSTRING:
            bytes += engine::value_node_bytes + (end - offset);
            break;
        case JENTRY_ISNUMERIC:
            bytes += engine::value_node_bytes +
                     numeric_text_length(reinterpret_cast<Numeric>(
                         const_cast<char *>(base + INTALIGN(offset))));
            break;
        case JENTRY_ISCONTAINER:
            if (object) {
                uint32 next = i - first + 1;
                std::size_t keys = next * engine::member_key_bytes +
                                   getJsonbOffset(container, static_cast<int>(next));
                bytes += keys - keys_counted;
                keys_counted = keys;
            }
            count_bytes(m, bytes);
            bytes = 0;
            measure_container(
                m, reinterpret_cast<const JsonbContainer *>(base + INTALIGN(offset)), depth + 1);
            break;
        default: // null, true, false
            bytes += engine::value_node_bytes;
            break;
        }
        offset = end;
        if (((i - first) & 1023) == 1023)
            CHECK_FOR_INTERRUPTS();
    }
    count_bytes(m, bytes + keys_total - keys_counted);
}

// Refuses an input as jsonb_to_value would (same errors, same order);
// returns its engine size.
std::size_t measure_input(Jsonb *jsonb, const engine::Limits &limits, bool is_patch)
{
    check_input_header(jsonb, limits, is_patch);
    Measure m = {};
    m.max_bytes = limits.max_document_bytes + (is_patch ? engine::patch_overhead_bytes : 0);
    m.max_depth = limits.max_depth + (is_patch ? engine::patch_value_depth : 0);
    m.is_patch = is_patch;
    m.limits = &limits;
    if (JB_ROOT_IS_SCALAR(jsonb))
        measure_scalar(m, root_node(jsonb));
    else
        measure_container(m, &jsonb->root, 0);
    return m.bytes;
}

// ---------------------------------------------------------------------------
// Navigation.

// The child of container named by token, read only; false with the
// engine's reason when there is none.
bool read_step(const Node &container, const Key &token, Node *child, const char **reason)
{
    if (is_object(container)) {
        if (container.kind == NodeKind::Object) {
            bool found;
            uint32 position = expanded_find(container.container, token, &found);
            if (found)
                *child = container.container->values[position];
            *reason = "member_not_found";
            return found;
        }
        const JsonbContainer *binary = as_container(container);
        int64 position = binary_find(binary, token);
        *reason = "member_not_found";
        if (position < 0)
            return false;
        *child = binary_child(binary, JsonContainerSize(binary) + static_cast<uint32>(position));
        return true;
    }
    if (is_array(container)) {
        std::optional<std::size_t> index =
            engine::parse_array_index(std::string_view(token.data, token.length));
        if (!index) {
            *reason = "invalid_index";
            return false;
        }
        if (*index >= node_count(container)) {
            *reason = "index_out_of_range";
            return false;
        }
        *child = container.kind == NodeKind::Array
                     ? container.container->values[*index]
                     : binary_child(as_container(container), static_cast<uint32>(*index));
        return true;
    }
    *reason = "parent_not_container";
    return false;
}

// The existing value at path (engine Patcher::target), read only.
Node read_target(const Splicer &s, const Path &path, const char *which)
{
    Node current = s.root;
    for (uint32 i = 0; i < path.count; ++i) {
        Node next;
        const char *reason;
        if (!read_step(current, path.tokens[i], &next, &reason))
            raise_not_found(s, which, reason);
        current = next;
    }
    return current;
}

// The child slot of container named by token, for editing: the container
// is expanded (it will be re-encoded), the child is not.
Node *edit_step(const Splicer &s, Node &container, const Key &token, const char *which)
{
    if (is_object(container)) {
        Container *expanded = expand(container);
        bool found;
        uint32 position = expanded_find(expanded, token, &found);
        if (!found)
            raise_not_found(s, which, "member_not_found");
        return &expanded->values[position];
    }
    if (is_array(container)) {
        std::optional<std::size_t> index =
            engine::parse_array_index(std::string_view(token.data, token.length));
        if (!index)
            raise_not_found(s, which, "invalid_index");
        if (*index >= node_count(container))
            raise_not_found(s, which, "index_out_of_range");
        return &expand(container)->values[*index];
    }
    raise_not_found(s, which, "parent_not_container");
}

// The container holding path's last token (engine Patcher::parent),
// expanded along the way.
Node *edit_parent(Splicer &s, const Path &path, const char *which)
{
    Node *current = &s.root;
    for (uint32 i = 0; i + 1 < path.count; ++i)
        current = edit_step(s, *current, path.tokens[i], which);
    return current;
}

// The value an "add" at path would take the place of (engine
// Patcher::replaced_by_add): the whole document, or an existing object member.
bool replaced_by_add(const Splicer &s, const Path &path, Node *replaced)
{
    if (path.count == 0) {
        *replaced = s.root;
        return true;
    }
    Node current = s.root;
    for (uint32 i = 0; i + 1 < path.count; ++i) {
        Node next;
        const char *reason;
        if (!read_step(current, path.tokens[i], &next, &reason))
            return false;
        current = next;
    }
    const char *reason;
    return is_object(current) && read_step(current, path.tokens[path.count - 1], replaced, &reason);
}

bool same_path(const Path &a, const Path &b)
{
    if (a.count != b.count)
        return false;
    for (uint32 i = 0; i < a.count; ++i)
        if (compare_keys(a.tokens[i], b.tokens[i]) != 0)
            return false;
    return true;
}

bool proper_prefix(const Path &a, const Path &b)
{
    if (a.count >= b.count)
        return false;
    for (uint32 i = 0; i < a.count; ++i)
        if (compare_keys(a.tokens[i], b.tokens[i]) != 0)
            return false;
    return true;
}

// A copy that shares nothing editable: references are immutable and are
// shared, expanded containers are copied.
Node copy_node(const Node &node, std::size_t &work)
{
    if (node.kind == NodeKind::Ref)
        return node;
    tick(work);
    check_stack_depth();
    const Container *source = node.container;
    auto *copy = static_cast<Container *>(palloc(sizeof(Container)));
    copy->count = source->count;
    copy->capacity = source->count + 1;
    copy->values = static_cast<Node *>(
        MemoryContextAllocHuge(CurrentMemoryContext, copy->capacity * sizeof(Node)));
    copy->keys = nullptr;
    if (node.kind == NodeKind::Object) {
        copy->keys = static_cast<Key *>(
            MemoryContextAllocHuge(CurrentMemoryContext, copy->capacity * sizeof(Key)));
        memcpy(copy->keys, source->keys, source->count * sizeof(Key));
    }
    for (uint32 i = 0; i < source->count; ++i)
        copy->values[i] = copy_node(source->values[i], work);
    Node result = node;
    result.container = copy;
    return result;
}

// ---------------------------------------------------------------------------
// Equality as RFC 6902 "test" defines it (engine::json_equal): numbers by
// value, objects by members, arrays element by element.

Node child_at(const Node &node, uint32 index)
{
    if (node.kind != NodeKind::Ref)
        return node.container->values[index];
    const JsonbContainer *container = as_container(node);
    uint32 first = JsonContainerIsObject(container) ? JsonContainerSize(container) : 0;
    return binary_child(container, first + index);
}

Key key_at(const Node &node, uint32 index)
{
    if (node.kind != NodeKind::Ref)
        return node.container->keys[index];
    return binary_key(as_container(node), index);
}

bool nodes_equal(const Node &a, const Node &b, std::size_t &work)
{
    tick(work);
    if (a.kind == NodeKind::Ref && b.kind == NodeKind::Ref && a.type == b.type &&
        a.length == b.length && memcmp(a.data, b.data, a.length) == 0)
        return true;
    bool a_container = a.kind != NodeKind::Ref || a.type == JENTRY_ISCONTAINER;
    bool b_container = b.kind != NodeKind::Ref || b.type == JENTRY_ISCONTAINER;
    if (a_container != b_container)
        return false;
    if (!a_container) {
        if (a.type != b.type)
            return false;
        if (a.type == JENTRY_ISSTRING)
            return a.length == b.length && memcmp(a.data, b.data, a.length) == 0;
        if (a.type == JENTRY_ISNUMERIC)
            return DatumGetInt32(DirectFunctionCall2(
                       numeric_cmp, PointerGetDatum(a.data), PointerGetDatum(b.data))) == 0;
        return true; // null, true, false: the type says it all
    }
    check_stack_depth();
    bool object = is_object(a);
    if (object != is_object(b))
        return false;
    uint32 count = node_count(a);
    if (count != node_count(b))
        return false;
    for (uint32 i = 0; i < count; ++i) {
        if (object && compare_keys(key_at(a, i), key_at(b, i)) != 0)
            return false;
        if (!nodes_equal(child_at(a, i), child_at(b, i), work))
            return false;
    }
    return true;
}

// ---------------------------------------------------------------------------
// The operations, as engine Patcher::apply does them (same checks, same
// order, same size accounting).

void check_depth(const Splicer &s, const Path &path, const Node &value)
{
    std::size_t limit = s.limits.max_depth;
    // A scalar nests 0 levels (its path alone may pass the limit); a
    // container of length bytes at most 1 + length / 8 levels (a header and
    // a JEntry per level): most values need no walk.
    if (value.kind == NodeKind::Ref &&
        path.count + (value.type != JENTRY_ISCONTAINER ? 0 : 1 + value.length / 8) <= limit)
        return;
    std::size_t work = 0;
    if (path.count + node_depth(value, work) > limit) {
        char summary[128];
        snprintf(summary, sizeof summary, "result would nest deeper than the limit of %zu levels",
                 limit);
        raise_operation_error(s, ErrorKind::LimitExceeded, summary, "max_depth", nullptr);
    }
}

void check_growth(Splicer &s, const Path &path, const Node &value, const Node *replaced)
{
    check_depth(s, path, value);
    std::size_t work = 0;
    if (s.size == 0)
        s.size = node_size(s.root, work);
    if (replaced != nullptr) {
        std::size_t bytes = node_size(*replaced, work);
        s.size -= bytes < s.size ? bytes : s.size;
    } else if (path.count > 0) {
        s.size += engine::member_key_bytes + path.tokens[path.count - 1].length;
    }
    s.size += node_size(value, work);
    if (s.size > s.limits.max_document_bytes) {
        char summary[128];
        snprintf(summary, sizeof summary,
                 "result would exceed the document size limit of %zu bytes",
                 s.limits.max_document_bytes);
        raise_operation_error(s, ErrorKind::LimitExceeded, summary, "max_document_size", nullptr);
    }
}

void add(Splicer &s, const Path &path, const Node &value, const char *which)
{
    if (path.count == 0) {
        s.root = value;
        return;
    }
    Node *parent = edit_parent(s, path, which);
    const Key &token = path.tokens[path.count - 1];
    if (is_object(*parent)) {
        Container *container = expand(*parent);
        bool found;
        uint32 position = expanded_find(container, token, &found);
        if (!found) {
            open_slot(container, position, true);
            container->keys[position] = token;
        }
        container->values[position] = value;
    } else if (is_array(*parent)) {
        Container *container = expand(*parent);
        uint32 position;
        if (token.length == 1 && token.data[0] == '-') {
            position = container->count;
        } else {
            std::optional<std::size_t> index =
                engine::parse_array_index(std::string_view(token.data, token.length));
            if (!index)
                raise_not_found(s, which, "invalid_index");
            if (*index > container->count)
                raise_not_found(s, which, "index_out_of_range");
            position = static_cast<uint32>(*index);
        }
        open_slot(container, position, false);
        container->values[position] = value;
    } else {
        raise_not_found(s, which, "parent_not_container");
    }
}

Node remove(Splicer &s, const Path &path, const char *which)
{
    if (path.count == 0)
        raise_operation_error(s, ErrorKind::InvalidPatch, "cannot remove the whole document",
                              "remove_root", nullptr);
    Node *parent = edit_parent(s, path, which);
    Node *removed = edit_step(s, *parent, path.tokens[path.count - 1], which);
    Node taken = *removed;
    Container *container = parent->container; // expanded by edit_step
    close_slot(container, static_cast<uint32>(removed - container->values),
               parent->kind == NodeKind::Object);
    return taken;
}

// One validated operation.
struct Operation {
    Op op;
    Path path;
    Path from;
    Node value;
};
DRAFT_MODE_POSTGRES_SIDE(Operation);

void apply_operation(Splicer &s, const Operation &operation)
{
    std::size_t work = 0;
    switch (operation.op) {
    case Op::Add: {
        Node replaced;
        bool replaces = replaced_by_add(s, operation.path, &replaced);
        check_growth(s, operation.path, operation.value, replaces ? &replaced : nullptr);
        add(s, operation.path, operation.value, "path");
        break;
    }
    case Op::Remove: {
        Node removed = remove(s, operation.path, "path");
        if (s.size != 0) {
            std::size_t bytes = node_size(removed, work);
            s.size -= bytes < s.size ? bytes : s.size;
        }
        break;
    }
    case Op::Replace: {
        Node *replaced = operation.path.count == 0
                             ? &s.root
                             : edit_step(s, *edit_parent(s, operation.path, "path"),
                                         operation.path.tokens[operation.path.count - 1], "path");
        check_growth(s, operation.path, operation.value, replaced);
        *replaced = operation.value;
        break;
    }
    case Op::Move: {
        Node moved = read_target(s, operation.from, "from");
        if (same_path(operation.from, operation.path))
            break;
        if (proper_prefix(operation.from, operation.path))
            raise_operation_error(s, ErrorKind::InvalidPatch,
                                  "cannot move a value into one of its own children",
                                  "move_into_child", nullptr);
        check_depth(s, operation.path, moved);
        Node taken = remove(s, operation.from, "from");
        add(s, operation.path, taken, "path");
        break;
    }
    case Op::Copy: {
        Node source = read_target(s, operation.from, "from");
        Node replaced;
        bool replaces = replaced_by_add(s, operation.path, &replaced);
        check_growth(s, operation.path, source, replaces ? &replaced : nullptr);
        add(s, operation.path, copy_node(source, work), "path");
        break;
    }
    case Op::Test:
        if (!nodes_equal(read_target(s, operation.path, "path"), operation.value, work))
            raise_operation_error(s, ErrorKind::TestFailed, "test failed", "value_differs",
                                  nullptr);
        break;
    }
}

// ---------------------------------------------------------------------------
// Reading and validating the patch.

// The engine kind of a node (for the skeleton and its messages).
engine::Kind node_kind(const Node &node)
{
    if (node.kind == NodeKind::Object)
        return engine::Kind::Object;
    if (node.kind == NodeKind::Array)
        return engine::Kind::Array;
    switch (node.type) {
    case JENTRY_ISNULL:
        return engine::Kind::Null;
    case JENTRY_ISBOOL_TRUE:
    case JENTRY_ISBOOL_FALSE:
        return engine::Kind::Boolean;
    case JENTRY_ISNUMERIC:
        return engine::Kind::Number;
    case JENTRY_ISSTRING:
        return engine::Kind::String;
    default:
        return JsonContainerIsObject(as_container(node)) ? engine::Kind::Object
                                                         : engine::Kind::Array;
    }
}

// A member of an operation object (a binary object), by name.
bool find_member(const Node &object, const char *name, Node *member)
{
    Key key = {name, static_cast<uint32>(strlen(name))};
    const char *reason;
    return read_step(object, key, member, &reason);
}

// An engine value of the given kind standing in for one whose content the
// validation never reads.
engine::Value placeholder(engine::Kind kind)
{
    switch (kind) {
    case engine::Kind::Null:
        return engine::Value();
    case engine::Kind::Boolean:
        return engine::Value::boolean(false);
    case engine::Kind::Number:
        return engine::Value::number("0");
    case engine::Kind::String:
        return engine::Value::string(std::string());
    case engine::Kind::Array:
        return engine::Value::array();
    case engine::Kind::Object:
        break;
    }
    return engine::Value::object();
}

// The patch as the engine's validation sees it: operation objects with
// their op, path and from members (strings in full, other kinds as
// placeholders) and a placeholder for value. Reads bytes only (nothing
// that can ereport): it runs inside run_guarded.
engine::Value skeleton(const Node &patch)
{
    if (!is_array(patch))
        return placeholder(node_kind(patch));
    engine::Array items;
    uint32 count = node_count(patch);
    items.reserve(count);
    for (uint32 i = 0; i < count; ++i) {
        Node item = child_at(patch, i);
        if (!is_object(item)) {
            items.push_back(placeholder(node_kind(item)));
            continue;
        }
        engine::Object object;
        for (const char *name : {"op", "path", "from", "value"}) {
            Node member;
            if (!find_member(item, name, &member))
                continue;
            bool text = strcmp(name, "value") != 0 && member.kind == NodeKind::Ref &&
                        member.type == JENTRY_ISSTRING;
            object.set(name, text ? engine::Value::string(std::string(member.data, member.length))
                                  : placeholder(node_kind(member)));
        }
        items.push_back(engine::Value::object(std::move(object)));
    }
    return engine::Value::array(std::move(items));
}

// Refuses an invalid patch with apply_patch's own error.
void validate(const Node &patch)
{
    ErrorBox box;
    if (!run_guarded(box, [&] {
            engine::Context context = engine_context();
            engine::validate_patch(skeleton(patch), context);
        }))
        raise_error(box);
}

// A validated pointer's tokens, unescaped into memory of their own.
Path parse_path(const Node &text)
{
    Path path = {0, nullptr};
    for (uint32 i = 0; i < text.length; ++i)
        path.count += text.data[i] == '/';
    if (path.count == 0)
        return path;
    path.tokens = static_cast<Key *>(palloc(path.count * sizeof(Key)));
    char *buffer = static_cast<char *>(palloc(text.length + 1));
    std::string_view pointer(text.data, text.length);
    std::size_t position = 0;
    for (uint32 i = 0; i < path.count; ++i) {
        std::string_view escaped = engine::next_pointer_token(pointer, position);
        std::size_t length = engine::unescape_pointer_token(escaped, buffer);
        path.tokens[i] = {buffer, static_cast<uint32>(length)};
        buffer += length;
    }
    return path;
}

Op parse_op(const Node &name)
{
    std::string_view text(name.data, name.length);
    if (text == "add")
        return Op::Add;
    if (text == "remove")
        return Op::Remove;
    if (text == "replace")
        return Op::Replace;
    if (text == "move")
        return Op::Move;
    if (text == "copy")
        return Op::Copy;
    return Op::Test; // validated: nothing else is left
}

const char *op_name(Op op)
{
    static const char *const names[] = {"add", "remove", "replace", "move", "copy", "test"};
    return names[static_cast<int>(op)];
}

// Validates patch and applies its operations to s.root.
void apply_patch(Splicer &s, Jsonb *patch)
{
    Node operations = root_node(patch);
    validate(operations);
    uint32 count = node_count(operations);
    for (uint32 i = 0; i < count; ++i) {
        CHECK_FOR_INTERRUPTS();
        Node item = child_at(operations, i);
        Node member;
        Operation operation = {};
        find_member(item, "op", &member);
        operation.op = parse_op(member);
        find_member(item, "path", &member);
        s.index = i;
        s.op = op_name(operation.op);
        s.path_text = {member.data, member.length};
        operation.path = parse_path(member);
        s.has_from = operation.op == Op::Move || operation.op == Op::Copy;
        if (s.has_from) {
            find_member(item, "from", &member);
            s.from_text = {member.data, member.length};
            operation.from = parse_path(member);
        }
        if (operation.op == Op::Add || operation.op == Op::Replace || operation.op == Op::Test)
            find_member(item, "value", &operation.value);
        apply_operation(s, operation);
    }
}

// ---------------------------------------------------------------------------
// Serialization: expanded containers are re-encoded as convertToJsonb
// (jsonb_util.c) lays them out; references are copied as bytes, 4-byte
// aligned where jsonb aligns them.

uint32 write_node(StringInfo buffer, const Node &node, std::size_t &work);

// Stores a child's JEntry at slot index; every JB_OFFSET_STRIDE'th holds
// the end offset instead of the length.
void store_entry(StringInfo buffer, int entries, uint32 index, uint32 entry, uint32 &total)
{
    check_length(static_cast<uint64>(total) + JBE_OFFLENFLD(entry));
    total += JBE_OFFLENFLD(entry);
    if (index % JB_OFFSET_STRIDE == 0)
        entry = (entry & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF;
    memcpy(buffer->data + entries + index * sizeof(JEntry), &entry, sizeof(JEntry));
}

uint32 write_expanded(StringInfo buffer, const Node &node, std::size_t &work)
{
    check_stack_depth();
    int start = buffer->len;
    pad_to_int(buffer);
    const Container *container = node.container;
    bool object = node.kind == NodeKind::Object;
    uint32 count = container->count;
    uint32 header = count | (object ? JB_FOBJECT : JB_FARRAY);
    appendBinaryStringInfo(buffer, reinterpret_cast<const char *>(&header), sizeof header);
    int entries = reserve(buffer, static_cast<int>((object ? 2 : 1) * count * sizeof(JEntry)));
    uint32 total = 0;
    if (object)
        for (uint32 i = 0; i < count; ++i) {
            const Key &key = container->keys[i];
            check_length(static_cast<uint64>(total) + key.length);
            appendBinaryStringInfo(buffer, key.data, static_cast<int>(key.length));
            store_entry(buffer, entries, i, key.length, total);
        }
    uint32 first = object ? count : 0;
    for (uint32 i = 0; i < count; ++i)
        store_entry(buffer, entries, first + i, write_node(buffer, container->values[i], work),
                    total);
    check_length(static_cast<uint64>(buffer->len - start));
    return JENTRY_ISCONTAINER | static_cast<uint32>(buffer->len - start);
}

// Writes a node's data; returns its JEntry (type and length, padding included).
uint32 write_node(StringInfo buffer, const Node &node, std::size_t &work)
{
    tick(work);
    if (node.kind != NodeKind::Ref)
        return write_expanded(buffer, node, work);
    switch (node.type) {
    case JENTRY_ISNULL:
    case JENTRY_ISBOOL_TRUE:
    case JENTRY_ISBOOL_FALSE:
        return node.type;
    case JENTRY_ISSTRING:
        appendBinaryStringInfo(buffer, node.data, static_cast<int>(node.length));
        return node.type | node.length;
    default: {
        int padding = pad_to_int(buffer);
        appendBinaryStringInfo(buffer, node.data, static_cast<int>(node.length));
        return node.type | (static_cast<uint32>(padding) + node.length);
    }
    }
}

// The jsonb of a tree, in CurrentMemoryContext; a bare scalar is wrapped as
// jsonb wraps it (a one-element array flagged scalar).
Jsonb *serialize(const Node &root, std::size_t size_hint)
{
    StringInfoData buffer;
    initStringInfo(&buffer);
    if (size_hint > 0 && size_hint < MaxAllocSize / 2)
        enlargeStringInfo(&buffer, static_cast<int>(size_hint + size_hint / 8));
    reserve(&buffer, VARHDRSZ);
    std::size_t work = 0;
    if (root.kind == NodeKind::Ref && root.type != JENTRY_ISCONTAINER) {
        uint32 header = 1 | JB_FARRAY | JB_FSCALAR;
        appendBinaryStringInfo(&buffer, reinterpret_cast<const char *>(&header), sizeof header);
        int entries = reserve(&buffer, sizeof(JEntry));
        uint32 total = 0;
        store_entry(&buffer, entries, 0, write_node(&buffer, root, work), total);
    } else {
        write_node(&buffer, root, work);
    }
    SET_VARSIZE(buffer.data, buffer.len);
    return reinterpret_cast<Jsonb *>(buffer.data);
}

// The body of splice_patch (patch_first: the patch is bounded before the
// document, and the document's measured size seeds the estimate, as
// jsonb_patch and compute_edit do) and of splice_patches (the document
// first; every patch starts its estimate afresh, as apply_patches does).
Jsonb *splice(Jsonb *document, Jsonb **patches, int count, bool patch_first)
{
    engine::Limits limits = current_limits();
    MemoryContext caller = CurrentMemoryContext;
    MemoryContext work = AllocSetContextCreate(caller, "draft_mode splice", ALLOCSET_DEFAULT_SIZES);
    MemoryContextSwitchTo(work);
    if (patch_first)
        measure_input(patches[0], limits, true);
    std::size_t document_size = measure_input(document, limits, false);
    Splicer s = {};
    s.root = root_node(document);
    s.limits = limits;
    std::size_t size_hint = VARSIZE(document);
    for (int i = 0; i < count; ++i) {
        if (!(patch_first && i == 0))
            measure_input(patches[i], limits, true);
        s.size = patch_first ? document_size : 0;
        size_hint += VARSIZE(patches[i]);
        apply_patch(s, patches[i]);
    }
    MemoryContextSwitchTo(caller);
    // Nothing was edited (only tests, or no operation): the document itself.
    Jsonb *result = s.root.kind == NodeKind::Ref && s.root.data == reinterpret_cast<const char *>(
                                                                      &document->root)
                        ? document
                        : serialize(s.root, size_hint);
    MemoryContextDelete(work);
    return result;
}

// ---------------------------------------------------------------------------
// RFC 7396 merge patch, written straight into the result in one walk of the
// document and the patch together: an object's members are the union of
// both sorted key lists (a linear merge, as the engine's Merger does), each
// document member the patch leaves alone is copied as bytes, each patch
// member is merged into its counterpart. Nothing is expanded: the memory is
// the result's buffer.

// The running size estimate of the engine's Merger (engine/json_patch.cpp),
// changed at the same points and in the same order, so that exactly the same
// merges are refused with the same error.
struct Merge {
    std::size_t size;
    engine::Limits limits;
    std::size_t work;
};
DRAFT_MODE_POSTGRES_SIDE(Merge);

void merge_shrink(Merge &m, std::size_t bytes)
{
    m.size -= bytes < m.size ? bytes : m.size;
}

void merge_grow(Merge &m, std::size_t bytes)
{
    m.size += bytes;
    if (m.size <= m.limits.max_document_bytes)
        return;
    ErrorBox box;
    run_guarded(box, [&] { engine::throw_merge_too_large(m.limits); });
    raise_error(box);
}

bool is_null(const Node &node)
{
    return node.kind == NodeKind::Ref && node.type == JENTRY_ISNULL;
}

// One key of the union of a document object's keys (none when the
// document's value is not an object) and a patch object's, with the value
// of each side that has it.
struct MergeMember {
    Key key;
    bool in_target;
    bool in_patch;
    Node target;
    Node patch;
};
DRAFT_MODE_POSTGRES_SIDE(MergeMember);

// The two objects' members walked together in jsonb key order: a key cursor
// and a value cursor per side, and each side's next key.
struct MergeWalk {
    Cursor target_keys;
    Cursor target_values;
    Cursor patch_keys;
    Cursor patch_values;
    uint32 target_left;
    uint32 patch_left;
    Key target_key;
    Key patch_key;
};
DRAFT_MODE_POSTGRES_SIDE(MergeWalk);

Key next_key(Cursor &keys, uint32 left)
{
    if (left == 0)
        return {nullptr, 0};
    Node key = cursor_next(keys);
    return {key.data, key.length};
}

MergeWalk start_walk(const Node &target, const Node &patch)
{
    MergeWalk walk = {};
    const JsonbContainer *changes = as_container(patch);
    walk.patch_left = JsonContainerSize(changes);
    walk.patch_keys = cursor_at(changes, 0);
    walk.patch_values = cursor_at(changes, walk.patch_left);
    walk.patch_key = next_key(walk.patch_keys, walk.patch_left);
    if (is_object(target)) {
        const JsonbContainer *members = as_container(target);
        walk.target_left = JsonContainerSize(members);
        walk.target_keys = cursor_at(members, 0);
        walk.target_values = cursor_at(members, walk.target_left);
        walk.target_key = next_key(walk.target_keys, walk.target_left);
    }
    return walk;
}

bool next_member(MergeWalk &walk, MergeMember *member, std::size_t &work)
{
    if (walk.target_left == 0 && walk.patch_left == 0)
        return false;
    tick(work);
    int order = walk.target_left == 0  ? 1
                : walk.patch_left == 0 ? -1
                                       : compare_keys(walk.target_key, walk.patch_key);
    member->in_target = order <= 0;
    member->in_patch = order >= 0;
    if (member->in_target) {
        member->key = walk.target_key;
        member->target = cursor_next(walk.target_values);
        walk.target_key = next_key(walk.target_keys, --walk.target_left);
    }
    if (member->in_patch) {
        member->key = walk.patch_key;
        member->patch = cursor_next(walk.patch_values);
        walk.patch_key = next_key(walk.patch_keys, --walk.patch_left);
    }
    return true;
}

// A member the result keeps: every one but those the patch sets to null.
bool kept(const MergeMember &member)
{
    return !(member.in_patch && is_null(member.patch));
}

// Writes the merge of patch into target (both references); returns its
// JEntry. The estimate changes as in Merger::merge_into: a non-object patch
// replaces the target; an object patch turns a non-object target into {},
// then, per patch member in key order, a null deletes the member, a new
// member counts as a null before its value is merged into it.
uint32 write_merged(StringInfo buffer, const Node &target, const Node &patch, Merge &m)
{
    tick(m.work);
    if (!is_object(patch)) {
        merge_shrink(m, node_size(target, m.work));
        merge_grow(m, node_size(patch, m.work));
        return write_node(buffer, patch, m.work);
    }
    if (!is_object(target))
        merge_shrink(m, node_size(target, m.work));
    check_stack_depth();
    MergeMember member;
    uint32 count = 0;
    MergeWalk walk = start_walk(target, patch);
    while (next_member(walk, &member, m.work))
        count += kept(member) ? 1 : 0;

    int start = buffer->len;
    pad_to_int(buffer);
    uint32 header = count | JB_FOBJECT;
    appendBinaryStringInfo(buffer, reinterpret_cast<const char *>(&header), sizeof header);
    int entries = reserve(buffer, static_cast<int>(2 * count * sizeof(JEntry)));
    uint32 total = 0;
    uint32 index = 0;
    walk = start_walk(target, patch);
    while (next_member(walk, &member, m.work)) {
        if (!kept(member))
            continue;
        check_length(static_cast<uint64>(total) + member.key.length);
        appendBinaryStringInfo(buffer, member.key.data, static_cast<int>(member.key.length));
        store_entry(buffer, entries, index++, member.key.length, total);
    }
    walk = start_walk(target, patch);
    while (next_member(walk, &member, m.work)) {
        std::size_t key_bytes = engine::member_key_bytes + member.key.length;
        if (!kept(member)) {
            if (member.in_target)
                merge_shrink(m, key_bytes + node_size(member.target, m.work));
            continue;
        }
        uint32 entry;
        if (!member.in_patch) {
            entry = write_node(buffer, member.target, m.work);
        } else {
            Node into = member.target;
            if (!member.in_target) {
                merge_grow(m, key_bytes + engine::value_node_bytes);
                into = {};
                into.kind = NodeKind::Ref;
                into.type = JENTRY_ISNULL;
            }
            entry = write_merged(buffer, into, member.patch, m);
        }
        store_entry(buffer, entries, index++, entry, total);
    }
    check_length(static_cast<uint64>(buffer->len - start));
    return JENTRY_ISCONTAINER | static_cast<uint32>(buffer->len - start);
}

} // namespace

Jsonb *splice_patch(Jsonb *document, Jsonb *patch)
{
    return splice(document, &patch, 1, true);
}

Jsonb *splice_patches(Jsonb *document, Jsonb **patches, int count)
{
    return splice(document, patches, count, false);
}

Jsonb *splice_merge_patch(Jsonb *document, Jsonb *patch)
{
    engine::Limits limits = current_limits();
    // Both are bounded as documents, the patch first (as jsonb_merge_patch
    // converted them).
    measure_input(patch, limits, false);
    Merge m = {};
    m.size = measure_input(document, limits, false);
    m.limits = limits;
    Node target = root_node(document);
    Node change = root_node(patch);
    if (!is_object(change)) {
        // The patch replaces the whole document: the result is the patch,
        // already bounded as a document (the engine's estimate drops to 0,
        // then grows by the patch's size: never past the limit).
        return patch;
    }
    StringInfoData buffer;
    initStringInfo(&buffer);
    std::size_t size_hint = static_cast<std::size_t>(VARSIZE(document)) + VARSIZE(patch);
    if (size_hint < MaxAllocSize / 2)
        enlargeStringInfo(&buffer, static_cast<int>(size_hint + size_hint / 8));
    reserve(&buffer, VARHDRSZ);
    write_merged(&buffer, target, change, m);
    SET_VARSIZE(buffer.data, buffer.len);
    return reinterpret_cast<Jsonb *>(buffer.data);
}

std::size_t check_document(Jsonb *document, bool is_patch)
{
    return measure_input(document, current_limits(), is_patch);
}

std::size_t container_engine_size(const JsonbContainer *container)
{
    std::size_t work = 0;
    return binary_size(container, work);
}

} // namespace draft_mode::boundary
