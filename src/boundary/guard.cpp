// The C++ -> Postgres error boundary and the settings it reads.
#include "boundary/guard.h"

#include <cstring>

#include "boundary/sqlstates.h"

namespace draft_mode::boundary {

namespace {

// Most bytes of an error's message or DETAIL copied out of a catch handler.
// The engine already quotes at most engine::max_quoted_bytes of any input,
// so this only ever cuts a text nothing else bounded.
constexpr std::size_t max_error_text = 16 * 1024;

// Copies text into CurrentMemoryContext without ever raising an error: the
// length is bounded first (so the allocation is small and can never be an
// invalid request), and the copy is cut at a UTF-8 character boundary.
// Text that is too long becomes truncated when given, else is cut.
const char *copy_text(const char *text, const char *fallback, const char *truncated) noexcept
{
    std::size_t length = strnlen(text, max_error_text + 1);
    if (length > max_error_text) {
        if (truncated != nullptr)
            return truncated;
        length = max_error_text;
        while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80)
            --length;
    }
    auto *copy = static_cast<char *>(
        MemoryContextAllocExtended(CurrentMemoryContext, length + 1, MCXT_ALLOC_NO_OOM));
    if (copy == nullptr)
        return fallback;
    std::memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

} // namespace

void capture(ErrorBox &box, const engine::EngineError &error) noexcept
{
    using engine::ErrorKind;
    box.state = ErrorBox::State::Failed;
    box.message = copy_text(error.what(), "draft_mode engine error", nullptr);
    // A DETAIL is JSON: cut, it would no longer parse, so an overlong one is
    // replaced by a short valid one.
    box.detail = error.detail().empty()
                     ? nullptr
                     : copy_text(error.detail().c_str(), "{\"reason\":\"out_of_memory\"}",
                                 "{\"reason\":\"detail_too_long\"}");
    switch (error.kind()) {
    case ErrorKind::InvalidPatch:
        box.sqlstate = sqlstate::invalid_patch;
        box.hint = "A patch is a JSON array of operation objects, as RFC 6902 defines.";
        break;
    case ErrorKind::InvalidPointer:
        box.sqlstate = sqlstate::invalid_pointer;
        box.hint = "A JSON pointer is empty or starts with \"/\"; escape \"~\" as \"~0\" and "
                   "\"/\" as \"~1\".";
        break;
    case ErrorKind::PathNotFound:
        box.sqlstate = sqlstate::path_not_found;
        box.hint = "Read the current document and rebuild the patch against it.";
        break;
    case ErrorKind::TestFailed:
        box.sqlstate = sqlstate::test_failed;
        box.hint = "The document no longer matches the patch's \"test\" operation; re-read it.";
        break;
    case ErrorKind::LimitExceeded:
        box.sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
        box.hint = "See the draft_mode.max_depth, draft_mode.max_patch_operations and "
                   "draft_mode.max_document_size settings (superuser only).";
        break;
    case ErrorKind::InvalidJson:
        box.sqlstate = ERRCODE_INVALID_TEXT_REPRESENTATION;
        box.hint = nullptr;
        break;
    }
}

void capture_unexpected(ErrorBox &box, const char *what) noexcept
{
    box.state = ErrorBox::State::Failed;
    box.sqlstate = ERRCODE_INTERNAL_ERROR;
    box.message = copy_text(what, "unexpected C++ exception", nullptr);
    box.detail = nullptr;
    box.hint = nullptr;
}

void raise_error(const ErrorBox &box)
{
    switch (box.state) {
    case ErrorBox::State::Cancelled:
        // Let Postgres raise its own error (cancel, timeout or termination).
        CHECK_FOR_INTERRUPTS();
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                        errmsg("canceling statement due to user request")));
        break;
    case ErrorBox::State::OutOfMemory:
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                        errdetail_internal("{\"reason\":\"out_of_memory\"}"),
                        errhint("draft_mode could not allocate memory for a document; lower "
                                "draft_mode.max_document_size or free server memory.")));
        break;
    case ErrorBox::State::Failed:
    case ErrorBox::State::None:
        ereport(ERROR, (errcode(box.sqlstate), errmsg_internal("%s", box.message),
                        box.detail ? errdetail_internal("%s", box.detail) : 0,
                        box.hint ? errhint("%s", box.hint) : 0));
        break;
    }
    pg_unreachable();
}

bool cancel_pending()
{
    return InterruptPending && (QueryCancelPending || ProcDiePending);
}

} // namespace draft_mode::boundary
