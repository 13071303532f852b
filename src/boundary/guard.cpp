// The C++ -> Postgres error boundary and the settings it reads.
#include "boundary/guard.h"

#include <cstring>

namespace draft_mode::boundary {

namespace {

// Copies text into CurrentMemoryContext without ever raising an error.
const char *copy_text(const char *text, const char *fallback) noexcept
{
    std::size_t size = std::strlen(text) + 1;
    auto *copy = static_cast<char *>(
        MemoryContextAllocExtended(CurrentMemoryContext, size, MCXT_ALLOC_NO_OOM));
    if (copy == nullptr)
        return fallback;
    std::memcpy(copy, text, size);
    return copy;
}

} // namespace

void capture(ErrorBox &box, const engine::EngineError &error) noexcept
{
    using engine::ErrorKind;
    box.state = ErrorBox::State::Failed;
    box.message = copy_text(error.what(), "draft_mode engine error");
    box.detail = error.detail().empty() ? nullptr : copy_text(error.detail().c_str(), nullptr);
    switch (error.kind()) {
    case ErrorKind::InvalidPatch:
        box.sqlstate = MAKE_SQLSTATE('D', 'M', '0', '0', '1');
        box.hint = "A patch is a JSON array of operation objects, as RFC 6902 defines.";
        break;
    case ErrorKind::InvalidPointer:
        box.sqlstate = MAKE_SQLSTATE('D', 'M', '0', '0', '2');
        box.hint = "A JSON pointer is empty or starts with \"/\"; escape \"~\" as \"~0\" and "
                   "\"/\" as \"~1\".";
        break;
    case ErrorKind::PathNotFound:
        box.sqlstate = MAKE_SQLSTATE('D', 'M', '0', '0', '3');
        box.hint = "Read the current document and rebuild the patch against it.";
        break;
    case ErrorKind::TestFailed:
        box.sqlstate = MAKE_SQLSTATE('D', 'M', '0', '0', '4');
        box.hint = "The document no longer matches the patch's \"test\" operation; re-read it.";
        break;
    case ErrorKind::LimitExceeded:
        box.sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
        box.hint = "See the draft_mode.max_depth, draft_mode.max_patch_operations and "
                   "draft_mode.max_document_size settings.";
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
    box.message = copy_text(what, "unexpected C++ exception");
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
                        errdetail("draft_mode could not allocate memory for a document.")));
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
