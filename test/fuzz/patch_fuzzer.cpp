// libFuzzer target for the JSON engine: patch, merge patch and diff.
//
// Input: a JSON document, a newline, then a JSON patch (any JSON value, used
// both as an RFC 6902 patch and as an RFC 7396 merge patch). Beyond "does not
// crash", it checks the engine's invariants and traps when one breaks:
//   - diff(doc, result) applied to doc gives result, and the reverse diff
//     applied to result gives doc back (inverse patches);
//   - the same holds for the merge patch's result.
// Build with `make fuzz`; run with `build/patch_fuzzer -max_total_time=300
// test/fuzz/corpus` (see README).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/json_diff.h"
#include "engine/json_patch.h"
#include "engine/json_text.h"

using namespace draft_mode::engine;

namespace {

// Small limits keep each run fast; they are exercised, not avoided.
Context fuzz_context()
{
    Context context;
    context.limits.max_depth = 64;
    context.limits.max_operations = 256;
    context.limits.max_document_bytes = 1u << 20;
    return context;
}

// Traps unless patching `from` with diff(from, to) reproduces `to` exactly.
void check_round_trip(const Value &from, const Value &to)
{
    Context context = fuzz_context();
    context.limits.max_operations = 1u << 20;     // a diff may need many ops
    context.limits.max_document_bytes = 1u << 28; // and many bytes
    Value patch = diff(from, to, context);
    Value rebuilt = from;
    apply_patch(rebuilt, patch, context);
    if (!identical(rebuilt, to))
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char *>(data), size);
    std::size_t split = input.find('\n');
    if (split == std::string_view::npos)
        return 0;
    Context context = fuzz_context();
    Value document, patch;
    try {
        document = parse_json(input.substr(0, split), context.limits);
        patch = parse_json(input.substr(split + 1), context.limits);
    } catch (const EngineError &) {
        return 0; // not JSON: nothing to check
    }

    Value patched = document;
    try {
        apply_patch(patched, patch, context);
        check_round_trip(document, patched);
        check_round_trip(patched, document);
    } catch (const EngineError &) {
        // A rejected patch is fine; only crashes and broken invariants count.
    }

    Value merged = document;
    try {
        apply_merge_patch(merged, patch, context);
        check_round_trip(document, merged);
        check_round_trip(merged, document);
    } catch (const EngineError &) {
    }
    return 0;
}
