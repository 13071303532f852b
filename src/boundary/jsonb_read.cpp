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

} // namespace draft_mode::boundary
