// The draft_mode.* settings (GUCs) and the engine limits they define.
#include "boundary/settings.h"

#include "boundary/guard.h"

#include <climits>

namespace draft_mode::boundary {

namespace {

int max_depth_setting = 1000;
int max_operations_setting = 10000;
int max_document_size_kb = 64 * 1024;
int undo_steps_setting = 100;
int snapshot_interval_setting = 50;
bool notify_setting = true;
char *actor_setting = nullptr;
char *tenant_setting = nullptr;
bool tenant_from_session_setting = true;
int draft_ttl_seconds = 30 * 24 * 3600;
int idempotency_key_ttl_seconds = 24 * 3600;
int history_keep_versions = 50;
int history_retention_seconds = 45 * 24 * 3600;
int maintenance_batch_size = 1000;
int maintenance_batch_time_ms = 500;
double maintenance_max_share = 0.5;

} // namespace

engine::Limits current_limits()
{
    engine::Limits limits;
    limits.max_depth = static_cast<std::size_t>(max_depth_setting);
    limits.max_operations = static_cast<std::size_t>(max_operations_setting);
    limits.max_document_bytes = static_cast<std::size_t>(max_document_size_kb) * 1024u;
    return limits;
}

engine::Context engine_context()
{
    engine::Context context;
    context.limits = current_limits();
    context.interrupt = engine::Interrupt(cancel_pending);
    return context;
}

int undo_steps()
{
    return undo_steps_setting;
}
int snapshot_interval()
{
    return snapshot_interval_setting;
}

// Registers every draft_mode.* setting; called from _PG_init.
void define_settings()
{
    DefineCustomIntVariable("draft_mode.max_depth",
                            "Maximum nesting depth of documents and patches draft_mode processes.",
                            NULL, &max_depth_setting, 1000, 1, 5000, PGC_USERSET, 0, NULL, NULL,
                            NULL);
    DefineCustomIntVariable(
        "draft_mode.max_patch_operations", "Maximum number of operations in one JSON Patch.", NULL,
        &max_operations_setting, 10000, 1, 1000000, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "draft_mode.max_document_size", "Maximum size of a document draft_mode builds.",
        "Bounds documents grown by patches (for example repeated copies).", &max_document_size_kb,
        64 * 1024, 1, 255 * 1024, PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
    DefineCustomIntVariable("draft_mode.undo_steps",
                            "How many edits of a section undo can step back through.", NULL,
                            &undo_steps_setting, 100, 1, 10000, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "draft_mode.snapshot_interval", "Every how many versions history stores a full snapshot.",
        "Rebuilding a version applies at most this many patches.", &snapshot_interval_setting, 50,
        1, 100000, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomBoolVariable("draft_mode.notify",
                             "Sends a NOTIFY on channel draft_mode for every change.", NULL,
                             &notify_setting, true, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable(
        "draft_mode.actor", "Who makes the changes of this session, as recorded in history.",
        "Set by the application's connection layer; the sub claim of "
        "request.jwt.claims wins; when neither is set, the role is recorded.",
        &actor_setting, "", PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomStringVariable("draft_mode.tenant", "The tenant this session works for.",
                               "Set by the application's connection layer (SET LOCAL in each "
                               "transaction); a JWT's tenant claim in request.jwt.claims wins.",
                               &tenant_setting, "", PGC_USERSET, 0, NULL, NULL, NULL);
    // Superuser-only: with it off (per role, database or server), a role
    // without a binding (draft_mode.bind_tenant) gets no tenant from
    // draft_mode.tenant or JWT claims. A value set before the library loads
    // by a role that may not set it is discarded when it loads.
    DefineCustomBoolVariable(
        "draft_mode.tenant_from_session",
        "Whether roles without a tenant binding take their tenant from session state.",
        "Off: draft_mode.tenant, draft_mode.actor and request.jwt.claims are ignored, and only "
        "roles bound with draft_mode.bind_tenant() work for a tenant.",
        &tenant_from_session_setting, true, PGC_SUSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "draft_mode.draft_ttl", "How long a draft may sit unedited before maintenance expires it.",
        "Per section type: draft_mode.set_draft_ttl(). Expired drafts stay "
        "restorable from history.",
        &draft_ttl_seconds, 30 * 24 * 3600, 60, INT_MAX, PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
    DefineCustomIntVariable("draft_mode.idempotency_key_ttl",
                            "How long an idempotency key and its stored result are kept.",
                            "After this, the key may be used again and maintenance removes it.",
                            &idempotency_key_ttl_seconds, 24 * 3600, 1, INT_MAX, PGC_USERSET,
                            GUC_UNIT_S, NULL, NULL, NULL);
    DefineCustomIntVariable("draft_mode.history_keep_versions",
                            "Maintenance keeps at least this many newest versions per section.",
                            NULL, &history_keep_versions, 50, 1, INT_MAX, PGC_USERSET, 0, NULL,
                            NULL, NULL);
    DefineCustomIntVariable("draft_mode.history_retention",
                            "Maintenance keeps every change newer than this.", NULL,
                            &history_retention_seconds, 45 * 24 * 3600, 0, INT_MAX, PGC_USERSET,
                            GUC_UNIT_S, NULL, NULL, NULL);
    DefineCustomIntVariable(
        "draft_mode.maintenance_batch_size", "Most rows maintenance changes in one transaction.",
        NULL, &maintenance_batch_size, 1000, 1, 1000000, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("draft_mode.maintenance_batch_time",
                            "Longest time maintenance keeps one transaction open.", NULL,
                            &maintenance_batch_time_ms, 500, 10, 60000, PGC_USERSET, GUC_UNIT_MS,
                            NULL, NULL, NULL);
    DefineCustomRealVariable("draft_mode.maintenance_max_share",
                             "Largest share of a table one maintenance run may delete unless "
                             "forced.",
                             NULL, &maintenance_max_share, 0.5, 0.0, 1.0, PGC_USERSET, 0, NULL,
                             NULL, NULL);
    MarkGUCPrefixReserved("draft_mode");
}

} // namespace draft_mode::boundary
