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
// being 1) has a descendant container deeper than max_depth. Visits the
// JEntries of containers only; scalars are never decoded.
void check_depth(const JsonbContainer *container, std::size_t depth, std::size_t max_depth,
                 uint32 &visited)
{
    check_stack_depth();
    if (depth > max_depth)
        raise_too_deep(max_depth);
    uint32 count = JsonContainerSize(container);
    uint32 entries = JsonContainerIsObject(container) ? 2 * count : count;
    const char *data = reinterpret_cast<const char *>(&container->children[entries]);
    uint32 offset = 0; // start of the current child's data
    for (uint32 i = 0; i < entries; ++i) {
        if (++visited % 1024 == 0)
            CHECK_FOR_INTERRUPTS();
        JEntry entry = container->children[i];
        uint32 end = JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : offset + JBE_OFFLENFLD(entry);
        if (JBE_ISCONTAINER(entry))
            check_depth(reinterpret_cast<const JsonbContainer *>(data + INTALIGN(offset)),
                        depth + 1, max_depth, visited);
        offset = end;
    }
}

} // namespace

void check_jsonb_bounds(Jsonb *jsonb, const engine::Limits &limits)
{
    if (VARSIZE(jsonb) > limits.max_document_bytes)
        raise_document_too_large(limits.max_document_bytes, false);
    if (JB_ROOT_IS_SCALAR(jsonb) || VARSIZE(jsonb) / min_bytes_per_level <= limits.max_depth)
        return;
    uint32 visited = 0;
    check_depth(&jsonb->root, 1, limits.max_depth, visited);
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
