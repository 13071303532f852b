// Rebase analysis (see json_rebase.h for the rule).
#include "json_rebase.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "json_pointer.h"

namespace draft_mode::engine {

namespace {

// A pointer of an operation, as written and parsed.
struct Path {
    std::string text;
    Pointer pointer;
};

// A path the patch reads or writes, with the lengths of its prefixes that
// address an array the next token indexes into.
struct PatchPath {
    Path path;
    std::vector<std::size_t> array_prefixes;
};

// The "path" and "from" pointers of each operation of patch that parse.
std::vector<Path> operation_paths(const Value &patch)
{
    std::vector<Path> paths;
    if (!patch.is_array())
        return paths;
    for (const Value &operation : patch.as_array()) {
        if (!operation.is_object())
            continue;
        for (const char *member : {"path", "from"}) {
            const Value *pointer = operation.as_object().find(member);
            if (pointer == nullptr || pointer->kind() != Kind::String)
                continue;
            try {
                paths.push_back(Path{pointer->as_string(), Pointer::parse(pointer->as_string())});
            } catch (const EngineError &) {
                // Not a pointer: applying the patch reports it.
            }
        }
    }
    return paths;
}

bool looks_like_index(std::string_view token)
{
    return token == "-" || parse_array_index(token).has_value();
}

// Walks pointer through document and records each prefix length k where
// the first k tokens address an array (so token k indexes into it).
std::vector<std::size_t> array_prefixes(const Value &document, const Pointer &pointer)
{
    std::vector<std::size_t> prefixes;
    const Value *node = &document;
    for (std::size_t k = 0; k < pointer.tokens.size(); ++k) {
        const std::string &token = pointer.tokens[k];
        if (node == nullptr) {
            if (looks_like_index(token))
                prefixes.push_back(k);
            continue;
        }
        if (node->is_array()) {
            prefixes.push_back(k);
            std::optional<std::size_t> index = parse_array_index(token);
            node = index && *index < node->as_array().size() ? &node->as_array()[*index] : nullptr;
        } else if (node->is_object()) {
            node = node->as_object().find(token);
        } else {
            node = nullptr;
        }
    }
    return prefixes;
}

// True when the first length tokens of a and b are equal (both long enough).
bool share_prefix(const Pointer &a, const Pointer &b, std::size_t length)
{
    return a.tokens.size() >= length && b.tokens.size() >= length &&
           std::equal(a.tokens.begin(), a.tokens.begin() + static_cast<std::ptrdiff_t>(length),
                      b.tokens.begin());
}

bool overlaps(const PatchPath &ours, const Pointer &theirs)
{
    std::size_t shorter = std::min(ours.path.pointer.tokens.size(), theirs.tokens.size());
    if (share_prefix(ours.path.pointer, theirs, shorter))
        return true;
    return std::any_of(ours.array_prefixes.begin(), ours.array_prefixes.end(),
                       [&](std::size_t k) { return share_prefix(ours.path.pointer, theirs, k); });
}

} // namespace

std::vector<RebaseConflict> rebase_conflicts(const Value &current, const Value &patch,
                                             const std::vector<const Value *> &changes,
                                             std::size_t limit, Context &context)
{
    std::vector<PatchPath> ours;
    for (Path &path : operation_paths(patch)) {
        std::vector<std::size_t> prefixes = array_prefixes(current, path.pointer);
        ours.push_back(PatchPath{std::move(path), std::move(prefixes)});
    }
    std::vector<RebaseConflict> conflicts;
    for (std::size_t change = 0; change < changes.size(); ++change) {
        for (const Path &theirs : operation_paths(*changes[change])) {
            for (const PatchPath &path : ours) {
                context.interrupt.tick();
                if (!overlaps(path, theirs.pointer))
                    continue;
                conflicts.push_back(RebaseConflict{path.path.text, theirs.text, change});
                if (conflicts.size() >= limit)
                    return conflicts;
            }
        }
    }
    return conflicts;
}

} // namespace draft_mode::engine
