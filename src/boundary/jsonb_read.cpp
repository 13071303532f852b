// In-place reads of jsonb's binary form.
#include "boundary/jsonb_read.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "boundary/guard.h"
#include "boundary/jsonb_convert.h"
#include "boundary/jsonb_splice.h"
#include "boundary/settings.h"
#include "engine/json_diff.h"
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

// jsonb's key order: shorter keys first, then bytewise (engine::jsonb_key_less).
int compare_keys(const JsonbContainer *a, const Child &x, const JsonbContainer *b, const Child &y)
{
    uint32 x_length;
    uint32 y_length;
    const char *x_bytes = child_bytes(a, x, x_length);
    const char *y_bytes = child_bytes(b, y, y_length);
    if (x_length != y_length)
        return x_length < y_length ? -1 : 1;
    return x_length == 0 ? 0 : memcmp(x_bytes, y_bytes, x_length);
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

// Appends a pointer token for key, escaped (~ -> ~0, / -> ~1): the runs
// between escapes are appended whole.
void append_token(StringInfo path, const char *key, uint32 length)
{
    appendStringInfoChar(path, '/');
    uint32 run = 0;
    for (uint32 i = 0; i < length; ++i) {
        if (key[i] != '~' && key[i] != '/')
            continue;
        appendBinaryStringInfo(path, key + run, static_cast<int>(i - run));
        appendBinaryStringInfo(path, key[i] == '~' ? "~0" : "~1", 2);
        run = i + 1;
    }
    appendBinaryStringInfo(path, key + run, static_cast<int>(length - run));
}

// ---------------------------------------------------------------------------
// diff on the binary form: the engine's Differ (engine/json_diff.cpp), step
// for step, with byte equality for identical().

// One diff in progress: the patch (engine values, built through
// engine::append_operation so that diff's bounds count as in the engine),
// the pointer of the values being compared, and what diff_documents was
// asked to do when the patch passes a bound.
struct Walk {
    OwnedValue *patch;
    OwnedValue *value; // the value being appended, converted
    std::size_t bytes;
    bool raise;
    bool too_large;
    engine::Limits limits;
    StringInfoData path;
    std::size_t work;
};
DRAFT_MODE_POSTGRES_SIDE(Walk);

// Runs one step of the engine on the patch under the guard; a bound passed
// raises diff's error, or (not w.raise) sets w.too_large.
template <typename Step> void patch_step(Walk &w, Step step)
{
    ErrorBox box;
    bool too_large = false;
    if (!run_guarded(box, [&] {
            engine::Context context = engine_context();
            engine::PatchBuilder patch{w.patch->value->as_array(), w.bytes};
            std::string path(w.path.data, static_cast<std::size_t>(w.path.len));
            try {
                step(patch, path, context);
            } catch (const engine::DiffTooLarge &) {
                if (w.raise)
                    throw;
                too_large = true;
            }
        }))
        raise_error(box);
    w.too_large = too_large;
}

// A value of the documents as an engine value, in w.value, converted in
// place (its numbers point into the documents, which outlive the walk):
// nothing else is kept, so the operations a collapse drops free all they
// held.
engine::Value *convert(Walk &w, const JsonbValue &value)
{
    release(w.value);
    return &jsonb_value_to_value(value, w.value, w.limits);
}

// Appends {op, the current path[, value]} (moving the converted value into
// it). At the operation limit nothing is converted: append_operation
// refuses before it looks at a value.
void emit(Walk &w, const char *op, const JsonbValue *value)
{
    bool full = w.patch->value->as_array().size() >= w.limits.max_operations;
    engine::Value *converted = value != nullptr && !full ? convert(w, *value) : nullptr;
    patch_step(w, [&](engine::PatchBuilder &patch, const std::string &path,
                      engine::Context &context) {
        engine::append_operation(patch, op, path, converted, context);
    });
    release(w.value);
}

void emit_child(Walk &w, const char *op, const JsonbContainer *container, const Child *child)
{
    JsonbValue value;
    if (child != nullptr)
        child_value(container, *child, &value);
    emit(w, op, child != nullptr ? &value : nullptr);
}

int push_key(Walk &w, const JsonbContainer *container, const Child &key)
{
    int saved = w.path.len;
    uint32 length;
    const char *bytes = child_bytes(container, key, length);
    tick(w.work, length / 1024);
    append_token(&w.path, bytes, length);
    return saved;
}

int push_index(Walk &w, std::size_t index)
{
    int saved = w.path.len;
    appendStringInfo(&w.path, "/%zu", index);
    return saved;
}

void pop(Walk &w, int saved)
{
    w.path.len = saved;
    w.path.data[saved] = '\0';
}

void diff_values(Walk &w, const JsonbValue &source, const JsonbValue &target);

// Diffs two children that may be identical (nothing to do then).
void diff_children(Walk &w, const JsonbContainer *a, const Child &x, const JsonbContainer *b,
                   const Child &y)
{
    if (same_child(a, x, b, y, w.work))
        return;
    JsonbValue source;
    JsonbValue target;
    child_value(a, x, &source);
    child_value(b, y, &target);
    diff_values(w, source, target);
}

// Differ::diff_object: keys only in the source are removed, keys only in
// the target added, common keys diffed, in jsonb key order.
void diff_objects(Walk &w, const JsonbContainer *a, const JsonbContainer *b)
{
    uint32 a_count = JsonContainerSize(a);
    uint32 b_count = JsonContainerSize(b);
    ForwardCursor a_keys = forward_from(a, 0);
    ForwardCursor b_keys = forward_from(b, 0);
    ForwardCursor a_values = forward_from(a, a_count);
    ForwardCursor b_values = forward_from(b, b_count);
    uint32 i = 0;
    uint32 j = 0;
    Child a_key = a_count > 0 ? a_keys.next() : Child{};
    Child b_key = b_count > 0 ? b_keys.next() : Child{};
    while ((i < a_count || j < b_count) && !w.too_large) {
        tick(w.work, 1);
        int order = j == b_count   ? -1
                    : i == a_count ? 1
                                   : compare_keys(a, a_key, b, b_key);
        if (order < 0) {
            a_values.next();
            int saved = push_key(w, a, a_key);
            emit(w, "remove", nullptr);
            pop(w, saved);
        } else if (order > 0) {
            Child value = b_values.next();
            int saved = push_key(w, b, b_key);
            emit_child(w, "add", b, &value);
            pop(w, saved);
        } else {
            Child source = a_values.next();
            Child target = b_values.next();
            int saved = push_key(w, a, a_key);
            diff_children(w, a, source, b, target);
            pop(w, saved);
        }
        if (order <= 0 && ++i < a_count)
            a_key = a_keys.next();
        if (order >= 0 && ++j < b_count)
            b_key = b_keys.next();
    }
}

// Differ::diff_positionally over the middles [begin, a_end) of a and
// [begin, b_end) of b: pairs diffed in place, then the extra source
// elements removed from the last one down, then the extra target elements
// added.
void diff_positionally(Walk &w, const JsonbContainer *a, uint32 a_end, const JsonbContainer *b,
                       uint32 b_end, uint32 begin)
{
    uint32 common = Min(a_end, b_end) - begin;
    ForwardCursor x = forward_from(a, begin);
    ForwardCursor y = forward_from(b, begin);
    for (uint32 k = 0; k < common && !w.too_large; ++k) {
        int saved = push_index(w, begin + k);
        diff_children(w, a, x.next(), b, y.next());
        pop(w, saved);
    }
    for (uint32 index = a_end; index > begin + common && !w.too_large; --index) {
        tick(w.work, 1);
        int saved = push_index(w, index - 1);
        emit(w, "remove", nullptr);
        pop(w, saved);
    }
    for (uint32 index = begin + common; index < b_end && !w.too_large; ++index) {
        tick(w.work, 1);
        Child added = y.next();
        int saved = push_index(w, index);
        emit_child(w, "add", b, &added);
        pop(w, saved);
    }
}

// Differ's assign_ids with byte equality, run under the guard (it polls the
// engine's interrupt, never ereports): equal ids for byte-identical
// elements of the middles [begin, a_end) of a and [begin, b_end) of b. An
// element's id is its position in both middles read one after the other
// (that of the first element with its bytes), found in an open-addressing
// table of 8-byte slots (a 32-bit hash of type and bytes, a position), at
// most three quarters full, probed by double hashing: the first slot from the hash's
// low bits, the step from all of it, so hashes that share their low bits
// do not share a probe sequence. An element whose probe passes 128 slots
// (only 32-bit hashes made to collide can do that) gets an id of its own,
// as the engine leaves values past 8 in one hash bucket unmatched: a
// longer patch, never a wrong one.
struct IdSlot {
    uint32 hash;
    uint32 position; // 0: empty; else the position + 1
};

// The step of a hash's probe sequence: odd (so it visits every slot of a
// power-of-two table), from the hash's bits mixed (Fibonacci hashing).
std::size_t probe_step(uint32 hash)
{
    return ((static_cast<std::size_t>(hash) * 0x9E3779B97F4A7C15ull) >> 40) | 1;
}

struct Middles {
    const JsonbContainer *a;
    const JsonbContainer *b;
    uint32 begin;
    uint32 a_count;
    uint32 b_count;
};

// The bytes (padding left out) and type of the element at position (in both middles).
const char *element_bytes(const Middles &m, uint32 position, uint32 &length, uint32 &type)
{
    const JsonbContainer *container = position < m.a_count ? m.a : m.b;
    int index = static_cast<int>(m.begin + (position < m.a_count ? position : position - m.a_count));
    uint32 start = getJsonbOffset(container, index);
    JEntry entry = container->children[index];
    Child child = {entry, start, start + getJsonbLength(container, index)};
    type = entry & JENTRY_TYPEMASK;
    return child_bytes(container, child, length);
}

void assign_ids(const Middles &m, engine::ElementIds &a_ids, engine::ElementIds &b_ids,
                engine::Context &context)
{
    constexpr uint32 max_probes = 128;
    std::vector<IdSlot> slots(64);
    std::size_t used = 0;
    a_ids.reserve(m.a_count);
    b_ids.reserve(m.b_count);
    for (int side = 0; side < 2; ++side) {
        const JsonbContainer *container = side == 0 ? m.a : m.b;
        ForwardCursor cursor = forward_from(container, m.begin);
        uint32 count = side == 0 ? m.a_count : m.b_count;
        engine::ElementIds &ids = side == 0 ? a_ids : b_ids;
        for (uint32 k = 0; k < count; ++k) {
            Child child = cursor.next();
            uint32 length;
            const char *bytes = child_bytes(container, child, length);
            uint32 type = child.entry & JENTRY_TYPEMASK;
            context.interrupt.tick(1 + length / 1024);
            uint32 hash = hash_bytes_extended(reinterpret_cast<const unsigned char *>(bytes),
                                              static_cast<int>(length), type) &
                          0xFFFFFFFFu;
            uint32 position = (side == 0 ? 0 : m.a_count) + k;
            uint32 id = position;
            std::size_t mask = slots.size() - 1;
            std::size_t probe = hash & mask;
            std::size_t step = probe_step(hash);
            for (uint32 probes = 0;; ++probes, probe = (probe + step) & mask) {
                IdSlot &slot = slots[probe];
                if (slot.position == 0) {
                    slot = {hash, position + 1};
                    ++used;
                    break;
                }
                if (probes == max_probes)
                    break;
                if (slot.hash != hash)
                    continue;
                uint32 other_length;
                uint32 other_type;
                const char *other = element_bytes(m, slot.position - 1, other_length, other_type);
                context.interrupt.tick(1 + length / 1024);
                if (other_type == type && other_length == length &&
                    memcmp(other, bytes, length) == 0) {
                    id = slot.position - 1;
                    break;
                }
            }
            ids.push_back(id);
            if (4 * used > 3 * slots.size()) {
                // Rehash into twice the slots.
                std::vector<IdSlot> grown(2 * slots.size());
                std::size_t grown_mask = grown.size() - 1;
                for (const IdSlot &slot : slots) {
                    if (slot.position == 0)
                        continue;
                    std::size_t at = slot.hash & grown_mask;
                    while (grown[at].position != 0)
                        at = (at + probe_step(slot.hash)) & grown_mask;
                    grown[at] = slot;
                }
                slots.swap(grown);
            }
        }
    }
}

// Differ::diff_array: the identical prefix and suffix trimmed (bytes), the
// middles paired by position when one is empty or both hold one element,
// else the engine's edit script over their ids replayed: each run of
// deletions and insertions between kept elements is paired position by
// position (a changed element diffed in place), the unpaired rest removed
// from the top down or added.
void diff_arrays(Walk &w, const JsonbContainer *a, const JsonbContainer *b)
{
    uint32 a_count = JsonContainerSize(a);
    uint32 b_count = JsonContainerSize(b);
    uint32 prefix = 0;
    ForwardCursor x = forward_from(a, 0);
    ForwardCursor y = forward_from(b, 0);
    while (prefix < a_count && prefix < b_count && same_child(a, x.next(), b, y.next(), w.work))
        ++prefix;
    uint32 a_end = a_count;
    uint32 b_end = b_count;
    if (a_end > prefix && b_end > prefix) {
        BackwardCursor u = backward_from_last(a, static_cast<int>(a_count) - 1);
        BackwardCursor v = backward_from_last(b, static_cast<int>(b_count) - 1);
        while (a_end > prefix && b_end > prefix &&
               same_child(a, u.previous(), b, v.previous(), w.work)) {
            --a_end;
            --b_end;
        }
    }
    Middles m = {a, b, prefix, a_end - prefix, b_end - prefix};
    if (m.a_count == 0 || m.b_count == 0 || (m.a_count == 1 && m.b_count == 1)) {
        diff_positionally(w, a, a_end, b, b_end, prefix);
        return;
    }
    // A script has at most one step per element of either middle.
    auto *script = static_cast<engine::Edit *>(MemoryContextAllocHuge(
        CurrentMemoryContext, (static_cast<std::size_t>(m.a_count) + m.b_count) * sizeof(engine::Edit)));
    std::size_t steps = 0;
    bool scripted = false;
    ErrorBox box;
    if (!run_guarded(box, [&] {
            engine::Context context = engine_context();
            engine::ElementIds a_ids;
            engine::ElementIds b_ids;
            assign_ids(m, a_ids, b_ids, context);
            std::vector<engine::Edit> edits;
            scripted = engine::array_edit_script(a_ids, b_ids, edits, context);
            steps = edits.size();
            std::copy(edits.begin(), edits.end(), script);
        }))
        raise_error(box);
    if (!scripted) {
        pfree(script);
        diff_positionally(w, a, a_end, b, b_end, prefix);
        return;
    }
    // The array as the patch has rebuilt it so far is target[0, position)
    // followed by source[next source, end); the cursors are at the next
    // source and target elements.
    x = forward_from(a, prefix);
    y = forward_from(b, prefix);
    std::size_t position = prefix;
    std::size_t step = 0;
    while (step < steps && !w.too_large) {
        tick(w.work, 1);
        if (script[step] == engine::Edit::Keep) {
            x.next();
            y.next();
            ++position;
            ++step;
            continue;
        }
        uint32 deleted = 0;
        uint32 inserted = 0;
        for (; step < steps && script[step] != engine::Edit::Keep; ++step) {
            if (script[step] == engine::Edit::Delete)
                ++deleted;
            else
                ++inserted;
        }
        uint32 paired = Min(deleted, inserted);
        for (uint32 k = 0; k < paired && !w.too_large; ++k) {
            int saved = push_index(w, position + k);
            diff_children(w, a, x.next(), b, y.next());
            pop(w, saved);
        }
        for (uint32 k = deleted; k > paired && !w.too_large; --k) {
            x.next();
            tick(w.work, 1);
            int saved = push_index(w, position + k - 1);
            emit(w, "remove", nullptr);
            pop(w, saved);
        }
        for (uint32 k = paired; k < inserted && !w.too_large; ++k) {
            tick(w.work, 1);
            Child added = y.next();
            int saved = push_index(w, position + k);
            emit_child(w, "add", b, &added);
            pop(w, saved);
        }
        position += inserted;
    }
    pfree(script);
}

// Differ::diff_value for two values that are not byte-identical:
// containers of the same kind are diffed member by member or element by
// element (then diff's collapse rule applies to them), anything else is
// replaced whole.
void diff_values(Walk &w, const JsonbValue &source, const JsonbValue &target)
{
    check_stack_depth();
    tick(w.work, 1);
    if (source.type == jbvBinary && target.type == jbvBinary) {
        const JsonbContainer *a = source.val.binary.data;
        const JsonbContainer *b = target.val.binary.data;
        bool objects = JsonContainerIsObject(a);
        if (objects == static_cast<bool>(JsonContainerIsObject(b))) {
            std::size_t first = w.patch->value->as_array().size();
            std::size_t bytes_before = w.bytes;
            if (objects)
                diff_objects(w, a, b);
            else
                diff_arrays(w, a, b);
            if (w.too_large)
                return;
            engine::PatchBuilder patch{w.patch->value->as_array(), w.bytes};
            if (!engine::may_collapse(patch, first, bytes_before))
                return;
            std::size_t size = container_engine_size(b);
            bool wanted = false;
            patch_step(w, [&](engine::PatchBuilder &built, const std::string &path,
                              engine::Context &) {
                wanted = engine::collapse_wanted(built, bytes_before, path, size);
            });
            if (!wanted)
                return;
            engine::Value *converted = convert(w, target);
            patch_step(w, [&](engine::PatchBuilder &built, const std::string &path,
                              engine::Context &context) {
                engine::collapse(built, first, bytes_before, path, converted, context);
            });
            release(w.value);
            return;
        }
    }
    emit(w, "replace", &target);
}

// The root of a jsonb as a JsonbValue: a bare scalar itself, else its
// container.
void root_value(Jsonb *jsonb, JsonbValue *value)
{
    if (JB_ROOT_IS_SCALAR(jsonb)) {
        JsonbExtractScalar(&jsonb->root, value);
        return;
    }
    value->type = jbvBinary;
    value->val.binary.data = &jsonb->root;
    value->val.binary.len = static_cast<int>(VARSIZE(jsonb) - VARHDRSZ);
}

} // namespace

Jsonb *diff_documents(Jsonb *source, Jsonb *target, bool raise)
{
    Walk w = {};
    w.raise = raise;
    w.limits = current_limits();
    initStringInfo(&w.path);
    w.patch = make_owned_value();
    w.value = make_owned_value();
    ErrorBox box;
    if (!run_guarded(box, [&] { w.patch->value = new engine::Value(engine::Value::array()); }))
        raise_error(box);
    bool identical = VARSIZE(source) == VARSIZE(target) &&
                     memcmp(VARDATA(source), VARDATA(target), VARSIZE(source) - VARHDRSZ) == 0;
    if (!identical) {
        JsonbValue a;
        JsonbValue b;
        root_value(source, &a);
        root_value(target, &b);
        diff_values(w, a, b);
    }
    Jsonb *result = w.too_large ? nullptr : value_to_jsonb(*w.patch->value);
    release(w.patch);
    release(w.value);
    pfree(w.path.data);
    return result;
}

} // namespace draft_mode::boundary
