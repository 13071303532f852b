// Patch generation: diff(source, target) -> RFC 6902 patch.
//
// Algorithm
// ---------
// The two documents are walked together from the root. Values of different
// kinds, and scalars that are not identical() (number text included, so "1.0"
// versus "1" is a change), become one "replace". Objects are merge-walked in
// their stored jsonb key order: keys only in the source become "remove", keys
// only in the target become "add", common keys are diffed recursively.
//
// Arrays: the common prefix and suffix are trimmed with identical(). The
// elements left in the middle get equivalence ids (structural_hash first,
// identical() to confirm), and Myers' greedy shortest edit script is computed
// on the ids with the edit distance D bounded by kMaxEditDistance (256). In
// the script, each run of deletions and insertions between two kept elements
// is paired position by position, so a modified element becomes a recursive
// diff (fine-grained ops inside it) instead of remove + add; the unpaired rest
// of the run becomes "remove" ops (highest index first) or "add" ops. When
// the edit distance exceeds the bound, the elements that occur once on each
// side anchor the middle (their longest common order is kept) and each gap
// between anchors gets its own bounded script, or, past the bound there too,
// is paired position by position (see anchored_edit_script); when that
// script would not be shorter than pairing the whole middle by position (a
// reversed array), the middle is paired by position. A single
// insertion or removal anywhere in an array is thus one operation.
// Every emitted index is the index in the document as it stands after the
// previous operations, so the patch applies in order.
//
// Bounds, for arrays of N and M elements: trimming and id assignment are
// O(N + M + size of the elements read); the Myers search is O((N+M)·D) time
// and O(D²) memory with D <= 256; pairing and emission are O(N + M) plus the
// size of the values copied into "add"/"replace" ops. Object walks are
// O(members). A changed value nested k levels deep is read once by the
// identical() probe at each level above it, so the worst case is
// O(size · depth), with depth capped by Limits::max_depth. There is no
// quadratic step in N: one insertion into a 50,000-element array takes about
// a millisecond. Past the bound, scattered edits among distinct elements
// still give one op each; only a gap of more than 256 edits among repeated
// elements is paired position by position (long, never wrong).
//
// Every loop over members or elements, and every node the identical() and
// structural_hash() probes visit, polls context.interrupt, so a query cancel
// stops a long diff within a few thousand nodes.
//
// Output bound: the patch is counted as it is built, operations and engine
// bytes (each operation's path and value included). As soon as it would
// have more than limits.max_operations operations or more than
// limits.max_document_bytes bytes, diff throws DiffTooLarge; it never
// returns a different patch because of a setting, so its result depends on
// its two arguments alone. Memory is thus bounded by the inputs plus about
// max_document_bytes.
#include "json_diff.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "json_pointer.h"

namespace draft_mode::engine {

namespace {

// Largest edit distance the Myers search explores before it gives up and
// the middle of the array is diffed positionally. 256 keeps the search at
// most 256·(N+M) steps and its trace at about 256² integers, while every
// realistic edit of a stored document (a few insertions and removals) still
// gets a minimal script.
constexpr std::size_t kMaxEditDistance = 256;

// Engine bytes of operations under one container past which they are
// replaced by one "replace" of the container when that is smaller.
constexpr std::size_t kCollapseSlack = 64 * 1024;

// Most distinct values one hash bucket may hold before further colliding
// values are left unmatched; keeps id assignment linear even with a weak or
// adversarial hash (an unmatched value only costs a larger patch).
constexpr std::size_t kMaxBucketCandidates = 8;

// Builds patch operations while the two documents are walked together.
class Differ {
  public:
    Differ(PatchBuilder patch, Context &context) : patch_(patch), context_(context) {}

    // Appends to the patch what turns source into target at the current path.
    void diff_value(const Value &source, const Value &target);

  private:
    void diff_object(const Object &source, const Object &target);
    void diff_array(const Array &source, const Array &target);
    void diff_positionally(const Array &source, const Array &target, std::size_t begin,
                           std::size_t source_end, std::size_t target_end);
    void diff_element(const Value &source, const Value &target, std::size_t index);
    void emit(const char *op, const std::string &path, const Value *value);
    void collapse_if_larger(std::size_t first, std::size_t bytes_before, const Value &target);

    PatchBuilder patch_;
    Context &context_;
    // Path of the value being diffed; tokens are pushed and popped on the way
    // down so that recursion does not copy the whole path at every level.
    Pointer path_;
};

// What one operation object costs in engine memory, its value aside: the
// array element, three members with their keys, the op name and the path.
std::size_t operation_bytes(const std::string &path)
{
    return value_node_bytes + 3 * (member_key_bytes + value_node_bytes) + 16 + path.size();
}

// Counts one operation against the bounds: both are checked before
// anything is allocated for it.
void count_operation(PatchBuilder &patch, const std::string &path, const Value *value,
                     Context &context)
{
    const Limits &limits = context.limits;
    if (patch.ops.size() >= limits.max_operations)
        throw DiffTooLarge("diff would have more than " + std::to_string(limits.max_operations) +
                               " operations",
                           "{\"limit\":\"max_patch_operations\",\"value\":" +
                               std::to_string(limits.max_operations) + "}");
    patch.bytes += operation_bytes(path);
    if (value != nullptr && patch.bytes <= limits.max_document_bytes)
        patch.bytes += approximate_size(*value, &context.interrupt);
    if (patch.bytes > limits.max_document_bytes)
        throw DiffTooLarge("diff would be larger than the document size limit of " +
                               std::to_string(limits.max_document_bytes) + " bytes",
                           "{\"limit\":\"max_document_size\",\"value\":" +
                               std::to_string(limits.max_document_bytes) + "}");
}

// Appends {"op", "path"[, "value"]}; members are added in jsonb key order
// ("op" < "path" < "value": shorter keys first).
void push_operation(PatchBuilder &patch, const char *op, const std::string &path, Value value,
                    bool has_value)
{
    Object operation;
    operation.append_sorted("op", Value::string(op));
    operation.append_sorted("path", Value::string(path));
    if (has_value)
        operation.append_sorted("value", std::move(value));
    patch.ops.push_back(Value::object(std::move(operation)));
}

void Differ::emit(const char *op, const std::string &path, const Value *value)
{
    count_operation(patch_, path, value, context_);
    push_operation(patch_, op, path,
                   value != nullptr ? copy_value(*value, &context_.interrupt) : Value(),
                   value != nullptr);
}

// Dispatches on kind: containers of the same kind are diffed member by member
// or element by element, anything else that differs is replaced whole.
void Differ::diff_value(const Value &source, const Value &target)
{
    context_.interrupt.tick();
    if (source.kind() != target.kind()) {
        emit("replace", path_.to_string(), &target);
        return;
    }
    switch (source.kind()) {
    case Kind::Object: {
        std::size_t first = patch_.ops.size();
        std::size_t bytes_before = patch_.bytes;
        diff_object(source.as_object(), target.as_object());
        collapse_if_larger(first, bytes_before, target);
        return;
    }
    case Kind::Array: {
        std::size_t first = patch_.ops.size();
        std::size_t bytes_before = patch_.bytes;
        diff_array(source.as_array(), target.as_array());
        collapse_if_larger(first, bytes_before, target);
        return;
    }
    default:
        if (!identical(source, target, &context_.interrupt))
            emit("replace", path_.to_string(), &target);
        return;
    }
}

// Replaces the operations emitted since first by one "replace" of target
// when they are larger than it (see may_collapse, collapse_wanted).
void Differ::collapse_if_larger(std::size_t first, std::size_t bytes_before, const Value &target)
{
    if (!may_collapse(patch_, first, bytes_before))
        return;
    std::string path = path_.to_string();
    if (!collapse_wanted(patch_, bytes_before, path,
                         approximate_size(target, &context_.interrupt)))
        return;
    Value copy = copy_value(target, &context_.interrupt);
    collapse(patch_, first, bytes_before, path, &copy, context_);
}

// Merge-walks two objects whose members are both sorted in jsonb key order:
// one pass, no lookups.
void Differ::diff_object(const Object &source, const Object &target)
{
    const std::vector<Member> &from = source.members();
    const std::vector<Member> &to = target.members();
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < from.size() || j < to.size()) {
        context_.interrupt.tick();
        if (j == to.size() || (i < from.size() && jsonb_key_less(from[i].first, to[j].first))) {
            emit("remove", path_.child(from[i].first).to_string(), nullptr);
            ++i;
        } else if (i == from.size() || jsonb_key_less(to[j].first, from[i].first)) {
            emit("add", path_.child(to[j].first).to_string(), &to[j].second);
            ++j;
        } else {
            path_.tokens.push_back(from[i].first);
            diff_value(from[i].second, to[j].second);
            path_.tokens.pop_back();
            ++i;
            ++j;
        }
    }
}

// Diffs element source at the current array path's child index into target.
void Differ::diff_element(const Value &source, const Value &target, std::size_t index)
{
    path_.tokens.push_back(std::to_string(index));
    diff_value(source, target);
    path_.tokens.pop_back();
}

// Pairs the middles [begin, source_end) and [begin, target_end) element by
// element, then removes or adds the tail; the fallback when the edit
// distance is over the bound, O(N + M + size).
void Differ::diff_positionally(const Array &source, const Array &target, std::size_t begin,
                               std::size_t source_end, std::size_t target_end)
{
    std::size_t common = std::min(source_end - begin, target_end - begin);
    for (std::size_t k = 0; k < common; ++k) {
        context_.interrupt.tick();
        diff_element(source[begin + k], target[begin + k], begin + k);
    }
    // Extra source elements: remove from the last one down so each index is
    // still valid when its operation is applied.
    for (std::size_t index = source_end; index > begin + common; --index) {
        context_.interrupt.tick();
        emit("remove", path_.child(index - 1).to_string(), nullptr);
    }
    for (std::size_t index = begin + common; index < target_end; ++index) {
        context_.interrupt.tick();
        emit("add", path_.child(index).to_string(), &target[index]);
    }
}

// Gives every element of the two middles an id such that equal ids mean
// identical() values: structural_hash buckets them, identical() confirms.
// O(size of the elements) unless hashes collide.
void assign_ids(const Array &source, const Array &target, std::size_t begin, std::size_t source_end,
                std::size_t target_end, ElementIds &source_ids, ElementIds &target_ids,
                Context &context)
{
    // Hash -> the distinct values seen with that hash, as (value, id).
    std::unordered_map<std::uint64_t, std::vector<std::pair<const Value *, std::uint32_t>>> buckets;
    std::uint32_t next_id = 0;
    auto id_of = [&](const Value &value) {
        std::vector<std::pair<const Value *, std::uint32_t>> &bucket =
            buckets[structural_hash(value, &context.interrupt)];
        for (const auto &candidate : bucket) {
            context.interrupt.tick();
            if (identical(*candidate.first, value, &context.interrupt))
                return candidate.second;
        }
        std::uint32_t id = next_id++;
        if (bucket.size() < kMaxBucketCandidates)
            bucket.emplace_back(&value, id);
        return id;
    };
    source_ids.reserve(source_end - begin);
    for (std::size_t index = begin; index < source_end; ++index) {
        context.interrupt.tick();
        source_ids.push_back(id_of(source[index]));
    }
    target_ids.reserve(target_end - begin);
    for (std::size_t index = begin; index < target_end; ++index) {
        context.interrupt.tick();
        target_ids.push_back(id_of(target[index]));
    }
}

// Myers' greedy shortest edit script from a to b, exploring edit distances up
// to max_distance. Returns false when the distance is larger; otherwise fills
// script with Keep/Delete/Insert steps in order. O((N+M)·D) time, O(D²)
// memory for the trace of furthest-reaching points.
bool shortest_edit_script(const ElementIds &a, const ElementIds &b,
                          std::size_t max_distance, std::vector<Edit> &script, Context &context)
{
    const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(a.size());
    const std::ptrdiff_t m = static_cast<std::ptrdiff_t>(b.size());
    const std::ptrdiff_t bound = std::min(static_cast<std::ptrdiff_t>(max_distance), n + m);
    const std::ptrdiff_t offset = bound + 1;
    // furthest[k + offset]: furthest x reached on diagonal k = x - y.
    std::vector<std::ptrdiff_t> furthest(static_cast<std::size_t>(2 * bound + 3), 0);
    // trace[d]: furthest before step d; the backtrack reads the moves from it.
    std::vector<std::vector<std::ptrdiff_t>> trace;
    std::ptrdiff_t distance = -1;
    for (std::ptrdiff_t d = 0; d <= bound && distance < 0; ++d) {
        trace.push_back(furthest);
        for (std::ptrdiff_t k = -d; k <= d; k += 2) {
            context.interrupt.tick();
            std::ptrdiff_t x;
            if (k == -d || (k != d && furthest[k - 1 + offset] < furthest[k + 1 + offset]))
                x = furthest[k + 1 + offset]; // step down: insert b[y - 1]
            else
                x = furthest[k - 1 + offset] + 1; // step right: delete a[x - 1]
            std::ptrdiff_t y = x - k;
            while (x < n && y < m && a[x] == b[y]) {
                context.interrupt.tick();
                ++x;
                ++y;
            }
            furthest[k + offset] = x;
            if (x >= n && y >= m) {
                distance = d;
                break;
            }
        }
    }
    if (distance < 0)
        return false;

    // Walk back from (n, m) through the trace, collecting steps in reverse.
    script.clear();
    std::ptrdiff_t x = n;
    std::ptrdiff_t y = m;
    for (std::ptrdiff_t d = distance; d > 0; --d) {
        const std::vector<std::ptrdiff_t> &before = trace[static_cast<std::size_t>(d)];
        std::ptrdiff_t k = x - y;
        bool down = k == -d || (k != d && before[k - 1 + offset] < before[k + 1 + offset]);
        std::ptrdiff_t previous_k = down ? k + 1 : k - 1;
        std::ptrdiff_t previous_x = before[previous_k + offset];
        std::ptrdiff_t previous_y = previous_x - previous_k;
        std::ptrdiff_t start_x = down ? previous_x : previous_x + 1; // where the snake began
        while (x > start_x) {
            context.interrupt.tick();
            script.push_back(Edit::Keep);
            --x;
            --y;
        }
        script.push_back(down ? Edit::Insert : Edit::Delete);
        x = previous_x;
        y = previous_y;
    }
    while (x > 0) {
        context.interrupt.tick();
        script.push_back(Edit::Keep);
        --x;
    }
    std::reverse(script.begin(), script.end());
    return true;
}

// The edit script when the whole middle is past the bound (many scattered
// edits in a long array): anchors are the elements whose id occurs exactly
// once on each side; the longest sequence of anchors in the same order on
// both sides (a longest increasing subsequence of their target positions,
// O(k log k)) is kept, and each gap between two kept anchors gets a bounded
// Myers script of its own, or, past the bound there too, all its elements
// deleted and inserted (which the replay pairs position by position). So
// deleting every 19th of 5,000 numbers gives 263 removals, not one replace
// per shifted position. O(N + M) plus the gaps' bounded searches.
void anchored_edit_script(const ElementIds &a, const ElementIds &b,
                          std::vector<Edit> &script, Context &context)
{
    // Per id, packed in 32 bits: how often it occurs in a and in b (0, 1,
    // or 2 for more: bits 30-31 and 28-29) and its last position in b (bits
    // 0-27: jsonb arrays hold fewer than 2^28 elements, and so do the
    // engine's, bounded by max_document_size). Ids are below a.size() +
    // b.size() (array_edit_script), so a vector indexed by id holds them.
    constexpr std::uint32_t position_bits = (1u << 28) - 1;
    script.clear();
    if (b.size() > position_bits) {
        // Not reachable from jsonb: no anchors, the caller pairs by position.
        script.insert(script.end(), a.size(), Edit::Delete);
        script.insert(script.end(), b.size(), Edit::Insert);
        return;
    }
    std::vector<std::uint32_t> counts(a.size() + b.size(), 0);
    for (std::size_t j = 0; j < b.size(); ++j) {
        context.interrupt.tick();
        std::uint32_t &count = counts[b[j]];
        std::uint32_t in_b = std::min<std::uint32_t>(((count >> 28) & 3) + 1, 2);
        count = (count & (3u << 30)) | (in_b << 28) | static_cast<std::uint32_t>(j);
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        context.interrupt.tick();
        std::uint32_t &count = counts[a[i]];
        std::uint32_t in_a = std::min<std::uint32_t>((count >> 30) + 1, 2);
        count = (count & ~(3u << 30)) | (in_a << 30);
    }
    // Unique pairs in source order: (i, j).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (std::size_t i = 0; i < a.size(); ++i) {
        context.interrupt.tick();
        std::uint32_t count = counts[a[i]];
        if ((count >> 28) == 0x5) // once in a, once in b
            pairs.emplace_back(static_cast<std::uint32_t>(i), count & position_bits);
    }
    counts = std::vector<std::uint32_t>();
    // Longest increasing subsequence of the j's (patience sorting).
    std::vector<std::uint32_t> tails;                            // pair index ending each length
    std::vector<std::uint32_t> previous(pairs.size(), UINT32_MAX); // pair before it in its sequence
    for (std::size_t p = 0; p < pairs.size(); ++p) {
        context.interrupt.tick();
        auto place = std::lower_bound(
            tails.begin(), tails.end(), pairs[p].second,
            [&](std::size_t tail, std::size_t j) { return pairs[tail].second < j; });
        if (place != tails.begin())
            previous[p] = *(place - 1);
        if (place == tails.end())
            tails.push_back(static_cast<std::uint32_t>(p));
        else
            *place = static_cast<std::uint32_t>(p);
    }
    // The sequence's pair indexes, in order, into tails (no longer needed),
    // then its pairs moved to the front of pairs: the anchors. An index is
    // never below its place in the sequence, so no pair is overwritten
    // before it is read.
    std::size_t length = tails.size();
    std::uint32_t p = length == 0 ? UINT32_MAX : tails.back();
    for (std::size_t k = length; k > 0; --k, p = previous[p])
        tails[k - 1] = p;
    previous = std::vector<std::uint32_t>();
    std::vector<std::pair<std::uint32_t, std::uint32_t>> &anchors = pairs;
    for (std::size_t k = 0; k < length; ++k)
        anchors[k] = anchors[tails[k]];
    anchors.resize(length);
    tails = std::vector<std::uint32_t>();
    // The end closes the last gap.
    anchors.emplace_back(static_cast<std::uint32_t>(a.size()), static_cast<std::uint32_t>(b.size()));

    std::size_t from_a = 0;
    std::size_t from_b = 0;
    std::vector<Edit> gap_script;
    for (const auto &[end_a, end_b] : anchors) {
        ElementIds gap_a(a.begin() + static_cast<std::ptrdiff_t>(from_a),
                         a.begin() + static_cast<std::ptrdiff_t>(end_a));
        ElementIds gap_b(b.begin() + static_cast<std::ptrdiff_t>(from_b),
                         b.begin() + static_cast<std::ptrdiff_t>(end_b));
        if (!gap_a.empty() && !gap_b.empty() &&
            shortest_edit_script(gap_a, gap_b, kMaxEditDistance, gap_script, context)) {
            script.insert(script.end(), gap_script.begin(), gap_script.end());
        } else {
            script.insert(script.end(), gap_a.size(), Edit::Delete);
            script.insert(script.end(), gap_b.size(), Edit::Insert);
        }
        if (end_a < a.size())
            script.push_back(Edit::Keep);
        from_a = static_cast<std::size_t>(end_a) + 1;
        from_b = static_cast<std::size_t>(end_b) + 1;
    }
}

// The operations a script's replay emits at least: one per element of each
// run of deletions and insertions, paired or not (a paired element is a
// recursive diff of one or more operations).
std::size_t script_operations(const std::vector<Edit> &script)
{
    std::size_t operations = 0;
    std::size_t deleted = 0;
    std::size_t inserted = 0;
    for (Edit edit : script) {
        if (edit == Edit::Keep) {
            operations += std::max(deleted, inserted);
            deleted = inserted = 0;
        } else if (edit == Edit::Delete) {
            ++deleted;
        } else {
            ++inserted;
        }
    }
    return operations + std::max(deleted, inserted);
}

// The same for pairing by position: every differing pair, and the tail.
std::size_t positional_operations(const ElementIds &a, const ElementIds &b)
{
    std::size_t common = std::min(a.size(), b.size());
    std::size_t operations = std::max(a.size(), b.size()) - common;
    for (std::size_t i = 0; i < common; ++i)
        operations += a[i] != b[i];
    return operations;
}

// Diffs two arrays: trims the identical prefix and suffix, then turns the
// middle into a minimal edit script (bounded Myers) whose delete/insert runs
// are paired into recursive diffs; falls back to positional pairing when
// the script would be too std::ptrdiff_t.
void Differ::diff_array(const Array &source, const Array &target)
{
    std::size_t prefix = 0;
    while (prefix < source.size() && prefix < target.size() &&
           identical(source[prefix], target[prefix], &context_.interrupt)) {
        context_.interrupt.tick();
        ++prefix;
    }
    std::size_t source_end = source.size();
    std::size_t target_end = target.size();
    while (source_end > prefix && target_end > prefix &&
           identical(source[source_end - 1], target[target_end - 1], &context_.interrupt)) {
        context_.interrupt.tick();
        --source_end;
        --target_end;
    }

    // Only one side has a middle, or each side has one element: the
    // positional diff is already the shortest, and needs no hashing.
    if (source_end == prefix || target_end == prefix ||
        (source_end - prefix == 1 && target_end - prefix == 1)) {
        diff_positionally(source, target, prefix, source_end, target_end);
        return;
    }

    ElementIds source_ids;
    ElementIds target_ids;
    assign_ids(source, target, prefix, source_end, target_end, source_ids, target_ids, context_);
    std::vector<Edit> script;
    if (!array_edit_script(source_ids, target_ids, script, context_)) {
        diff_positionally(source, target, prefix, source_end, target_end);
        return;
    }

    // Replay the script. The array as the patch has rebuilt it so far is
    // target[0, position) followed by source[next_source, end), so position
    // is the index every next operation applies at.
    std::size_t position = prefix;
    std::size_t next_source = prefix;
    std::size_t next_target = prefix;
    std::size_t step = 0;
    while (step < script.size()) {
        context_.interrupt.tick();
        if (script[step] == Edit::Keep) {
            ++position;
            ++next_source;
            ++next_target;
            ++step;
            continue;
        }
        // A run of deletions and insertions between two kept elements.
        std::size_t deleted = 0;
        std::size_t inserted = 0;
        while (step < script.size() && script[step] != Edit::Keep) {
            context_.interrupt.tick();
            if (script[step] == Edit::Delete)
                ++deleted;
            else
                ++inserted;
            ++step;
        }
        // Pair the run position by position: a changed element is diffed
        // in place rather than removed and added again.
        std::size_t paired = std::min(deleted, inserted);
        for (std::size_t k = 0; k < paired; ++k) {
            context_.interrupt.tick();
            diff_element(source[next_source + k], target[next_target + k], position + k);
        }
        // Unpaired deletions: source[next_source + paired, next_source +
        // deleted) now sits at [position + paired, ...); remove it from the
        // top down.
        for (std::size_t k = deleted; k > paired; --k) {
            context_.interrupt.tick();
            emit("remove", path_.child(position + k - 1).to_string(), nullptr);
        }
        for (std::size_t k = paired; k < inserted; ++k) {
            context_.interrupt.tick();
            emit("add", path_.child(position + k).to_string(), &target[next_target + k]);
        }
        position += inserted;
        next_source += deleted;
        next_target += inserted;
    }
}

} // namespace

Value diff(const Value &source, const Value &target, Context &context)
{
    Array ops;
    std::size_t bytes = 0;
    Differ differ(PatchBuilder{ops, bytes}, context);
    differ.diff_value(source, target);
    return Value::array(std::move(ops));
}

void append_operation(PatchBuilder &patch, const char *op, const std::string &path, Value *value,
                      Context &context)
{
    count_operation(patch, path, value, context);
    push_operation(patch, op, path, value != nullptr ? std::move(*value) : Value(),
                   value != nullptr);
}

bool may_collapse(const PatchBuilder &patch, std::size_t first, std::size_t bytes_before)
{
    return patch.ops.size() - first >= 2 && patch.bytes - bytes_before > kCollapseSlack;
}

bool collapse_wanted(const PatchBuilder &patch, std::size_t bytes_before, const std::string &path,
                     std::size_t target_size)
{
    return patch.bytes - bytes_before > operation_bytes(path) + target_size;
}

void collapse(PatchBuilder &patch, std::size_t first, std::size_t bytes_before,
              const std::string &path, Value *target, Context &context)
{
    patch.ops.erase(patch.ops.begin() + static_cast<std::ptrdiff_t>(first), patch.ops.end());
    patch.bytes = bytes_before;
    append_operation(patch, "replace", path, target, context);
}

bool array_edit_script(const ElementIds &source_ids, const ElementIds &target_ids,
                       std::vector<Edit> &script,
                       Context &context)
{
    if (shortest_edit_script(source_ids, target_ids, kMaxEditDistance, script, context))
        return true;
    // Anchors help when the arrays keep most of their order (scattered
    // edits); when they do not (a reversal), pairing by position is
    // shorter. Each side's operation count is estimated from the ids.
    anchored_edit_script(source_ids, target_ids, script, context);
    return script_operations(script) < positional_operations(source_ids, target_ids);
}

Value replace_whole_document(const Value &target, Context &context)
{
    Object replace;
    replace.append_sorted("op", Value::string("replace"));
    replace.append_sorted("path", Value::string(""));
    replace.append_sorted("value", copy_value(target, &context.interrupt));
    Array ops;
    ops.push_back(Value::object(std::move(replace)));
    return Value::array(std::move(ops));
}

} // namespace draft_mode::engine
