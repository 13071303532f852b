// The draft_mode.* settings (GUCs) and the engine limits they define.
//
// Every setting that affects other tenants, retention, storage or server
// memory is PGC_SUSET (only superusers, or ALTER ROLE/DATABASE ... SET by a
// superuser, change it); draft_mode.tenant, draft_mode.actor and
// draft_mode.notify are per session (PGC_USERSET); draft_mode.notify_patches
// (content in notifications, which any role can LISTEN to) is PGC_SUSET.
//
// The time settings are strings parsed as intervals ('1 second',
// '90 minutes', '30d', '500ms'; a bare number is in the setting's unit), so
// that they take the syntax set_draft_ttl() and leases take; SHOW prints
// them in the short form Postgres uses for units ('30d', '90min').
//
// A value set before the library loads (SET, ALTER ROLE ... SET, a
// connection option) is only checked when the library defines the setting;
// Postgres then rejects a bad one with a WARNING and keeps the default.
// That rejection is remembered here: until the setting is assigned again
// (SET, RESET), every draft_mode function that reads it refuses to run
// (22023, reason rejected_before_load) instead of silently using the default.
#include "boundary/settings.h"

#include "boundary/guard.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
}

namespace draft_mode::boundary {

namespace {

int max_depth_setting = 1000;
int max_operations_setting = 10000;
int max_document_size_kb = 64 * 1024;
int undo_steps_setting = 100;
int snapshot_interval_setting = 50;
bool notify_setting = true;
bool notify_patches_setting = false;
bool delegate_edits_setting = true;
char *actor_setting = nullptr;
char *tenant_setting = nullptr;
bool tenant_from_session_setting = true;
int history_keep_versions = 50;
int maintenance_batch_size = 1000;
double maintenance_max_share = 0.5;

// A setting whose value set before the library loaded was rejected.
struct Rejected {
    const char *name = nullptr; // setting name, or null when none is pending
    char *value = nullptr;      // the rejected text (TopMemoryContext)
    bool limit = false;         // one of the engine limits (max_*)
};

// Which setting has a pending rejection, by index into a small table
// filled in define_settings; cleared by the setting's assign hook.
constexpr int max_tracked = 16;
Rejected rejected[max_tracked];
int tracked_count = 0;

void clear_rejection(int index)
{
    if (index >= 0 && index < max_tracked)
        rejected[index].name = nullptr;
}

template <int Index> void assign_int(int, void *)
{
    clear_rejection(Index);
}
template <int Index> void assign_real(double, void *)
{
    clear_rejection(Index);
}

// An interval setting: its value in base units (seconds or milliseconds),
// the text Postgres stores, and its bounds.
struct IntervalSetting {
    const char *name;
    bool milliseconds; // base unit ms (else s)
    int minimum;
    int maximum;
    int value;      // in base units
    char *text;     // the GUC's string variable
    char shown[32]; // SHOW output
};

IntervalSetting interval_settings[] = {
    {"draft_mode.draft_ttl", false, 1, INT_MAX, 30 * 24 * 3600, nullptr, ""},
    {"draft_mode.idempotency_key_ttl", false, 1, INT_MAX, 24 * 3600, nullptr, ""},
    {"draft_mode.history_retention", false, 0, INT_MAX, 45 * 24 * 3600, nullptr, ""},
    {"draft_mode.maintenance_batch_time", true, 10, 60000, 500, nullptr, ""},
};

// Parses text as an interval in the setting's base unit without ever
// raising an error: a bare integer is in the base unit, anything else goes
// through Postgres' interval parser (the one interval_in uses, which
// reports errors by return code). Months count 30 days. False when the text
// is not an interval or the value is outside [minimum, maximum].
bool parse_interval_setting(const IntervalSetting &setting, const char *text, int *result)
{
    char *end = nullptr;
    errno = 0;
    long bare = std::strtol(text, &end, 10);
    double units;
    if (end != text && *end == '\0' && errno == 0) {
        units = static_cast<double>(bare);
    } else {
        char work[256];
        char *field[MAXDATEFIELDS];
        int ftype[MAXDATEFIELDS];
        int fields = 0;
        int dtype = 0;
        struct pg_itm_in parsed;
        std::memset(&parsed, 0, sizeof parsed);
        if (std::strlen(text) >= sizeof work)
            return false;
        int error = ParseDateTime(text, work, sizeof work, field, ftype, MAXDATEFIELDS, &fields);
        if (error == 0)
            error = DecodeInterval(field, ftype, fields, INTERVAL_FULL_RANGE, &dtype, &parsed);
        if (error == DTERR_BAD_FORMAT) {
            // ISO 8601 ("P1D", "PT90M"); the parser writes into its input.
            std::strcpy(work, text);
            std::memset(&parsed, 0, sizeof parsed);
            error = DecodeISO8601Interval(work, &dtype, &parsed);
        }
        Interval interval;
        if (error != 0 || dtype != DTK_DELTA || itmin2interval(&parsed, &interval) != 0)
            return false;
        double microseconds =
            static_cast<double>(interval.time) +
            (static_cast<double>(interval.day) + 30.0 * static_cast<double>(interval.month)) *
                86400.0 * 1e6;
        units = microseconds / (setting.milliseconds ? 1e3 : 1e6);
    }
    if (units < setting.minimum || units > setting.maximum)
        return false;
    *result = static_cast<int>(units);
    return true;
}

// The short form Postgres prints for a time setting: the largest unit
// that divides the value evenly.
void format_interval_setting(IntervalSetting &setting)
{
    long long ms = setting.milliseconds ? setting.value : 1000LL * setting.value;
    static const struct {
        long long ms;
        const char *unit;
    } units[] = {{86400000LL, "d"}, {3600000LL, "h"}, {60000LL, "min"}, {1000LL, "s"}, {1, "ms"}};
    for (const auto &unit : units) {
        if (ms == 0 || ms % unit.ms == 0) {
            snprintf(setting.shown, sizeof setting.shown, "%lld%s", ms / unit.ms,
                     ms == 0 ? "s" : unit.unit);
            return;
        }
    }
}

template <int Index> bool check_interval(char **newval, void **extra, GucSource)
{
    IntervalSetting &setting = interval_settings[Index];
    int value = 0;
    if (!parse_interval_setting(setting, *newval, &value)) {
        GUC_check_errdetail("\"%s\" must be an interval from %d %s to %d %s, such as '1 second', "
                            "'90 minutes' or '30d'; a bare number is in %s.",
                            setting.name, setting.minimum, setting.milliseconds ? "ms" : "s",
                            setting.maximum, setting.milliseconds ? "ms" : "s",
                            setting.milliseconds ? "milliseconds" : "seconds");
        return false;
    }
    // The GUC machinery frees extra itself: with free() before PostgreSQL
    // 16, with guc_free() (pfree in its own context) since.
#if PG_VERSION_NUM >= 160000
    auto *parsed = static_cast<int *>(guc_malloc(LOG, sizeof(int)));
#else
    auto *parsed = static_cast<int *>(malloc(sizeof(int)));
#endif
    if (parsed == nullptr)
        return false;
    *parsed = value;
    *extra = parsed;
    return true;
}

// Interval settings are tracked after the int/real ones: index offset.
constexpr int interval_tracking_offset = 10;

template <int Index> void assign_interval(const char *, void *extra)
{
    IntervalSetting &setting = interval_settings[Index];
    setting.value = *static_cast<int *>(extra);
    format_interval_setting(setting);
    clear_rejection(interval_tracking_offset + Index);
}

template <int Index> const char *show_interval()
{
    return interval_settings[Index].shown;
}

// Before a setting is defined: the text of a value set while the library
// was not loaded (a placeholder), copied, or null.
char *placeholder_value(const char *name)
{
    const char *value = GetConfigOption(name, true, false);
    // An empty placeholder is one that was never given a value (or RESET).
    if (value == nullptr || *value == '\0')
        return nullptr;
    // Quoted in an error message later: keep at most 200 bytes of it.
    MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
    char *copy = pnstrdup(value, pg_mbcliplen(value, static_cast<int>(strnlen(value, 200)), 200));
    MemoryContextSwitchTo(old);
    return copy;
}

// After a setting is defined: records a rejection when the placeholder's
// value did not become the setting's value.
void note_rejection(int index, const char *name, char *placeholder, bool accepted, bool limit)
{
    if (placeholder == nullptr || accepted)
        return;
    rejected[index].name = name;
    rejected[index].value = placeholder;
    rejected[index].limit = limit;
    if (index + 1 > tracked_count)
        tracked_count = index + 1;
}

// Defines an integer setting, tracking a rejected placeholder.
template <int Index>
void define_int(const char *name, const char *description, const char *long_description,
                int *variable, int boot, int minimum, int maximum, int flags, bool limit)
{
    char *placeholder = placeholder_value(name);
    DefineCustomIntVariable(name, description, long_description, variable, boot, minimum, maximum,
                            PGC_SUSET, flags, NULL, assign_int<Index>, NULL);
    int parsed = 0;
    bool accepted = placeholder != nullptr && parse_int(placeholder, &parsed, flags, NULL) &&
                    parsed == *variable;
    note_rejection(Index, name, placeholder, accepted, limit);
}

template <int Index> void define_interval(const char *description, const char *long_description)
{
    IntervalSetting &setting = interval_settings[Index];
    IntervalSetting defaults = setting;
    format_interval_setting(defaults);
    char *placeholder = placeholder_value(setting.name);
    DefineCustomStringVariable(setting.name, description, long_description, &setting.text,
                               MemoryContextStrdup(TopMemoryContext, defaults.shown), PGC_SUSET, 0,
                               check_interval<Index>, assign_interval<Index>, show_interval<Index>);
    int parsed = 0;
    bool accepted = placeholder != nullptr &&
                    parse_interval_setting(setting, placeholder, &parsed) &&
                    parsed == setting.value;
    note_rejection(interval_tracking_offset + Index, setting.name, placeholder, accepted, false);
}

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

void require_valid_settings(bool limits_only)
{
    for (int i = 0; i < tracked_count; ++i) {
        const Rejected &entry = rejected[i];
        if (entry.name == nullptr || (limits_only && !entry.limit))
            continue;
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("setting \"%s\" was given the value \"%s\" before draft_mode was loaded, "
                        "and that value was rejected",
                        entry.name, entry.value),
                 errdetail_internal("{\"setting\":\"%s\",\"reason\":\"rejected_before_load\"}",
                                    entry.name),
                 errhint("Set a valid value or RESET it in this session, and fix it where it was "
                         "set (ALTER ROLE or ALTER DATABASE ... SET, connection options); add "
                         "draft_mode to session_preload_libraries to have bad values refused "
                         "when they are set.")));
    }
}

int undo_steps()
{
    return undo_steps_setting;
}
int snapshot_interval()
{
    return snapshot_interval_setting;
}
bool delegate_edits()
{
    return delegate_edits_setting;
}

// Registers every draft_mode.* setting; called from _PG_init.
void define_settings()
{
    define_int<0>("draft_mode.max_depth",
                  "Maximum nesting depth of documents and patches draft_mode processes.", NULL,
                  &max_depth_setting, 1000, 1, 5000, 0, true);
    define_int<1>("draft_mode.max_patch_operations",
                  "Maximum number of operations in one JSON Patch.", NULL, &max_operations_setting,
                  10000, 1, 1000000, 0, true);
    define_int<2>("draft_mode.max_document_size",
                  "Maximum size of a document draft_mode holds in memory.",
                  "Counted as draft_mode's memory for it: about 48 bytes per JSON value plus the "
                  "text of strings, keys and numbers.",
                  &max_document_size_kb, 64 * 1024, 1, 255 * 1024, GUC_UNIT_KB, true);
    define_int<3>("draft_mode.undo_steps",
                  "How many edits of a section undo can step back through.", NULL,
                  &undo_steps_setting, 100, 1, 10000, 0, false);
    define_int<4>("draft_mode.snapshot_interval",
                  "Every how many versions history stores a full snapshot.",
                  "Rebuilding a version applies at most this many patches.",
                  &snapshot_interval_setting, 50, 1, 100000, 0, false);
    define_int<5>("draft_mode.history_keep_versions",
                  "Maintenance keeps at least this many newest versions per section.", NULL,
                  &history_keep_versions, 50, 1, INT_MAX, 0, false);
    define_int<6>("draft_mode.maintenance_batch_size",
                  "Most rows maintenance changes in one transaction.", NULL,
                  &maintenance_batch_size, 1000, 1, 1000000, 0, false);
    {
        const char *name = "draft_mode.maintenance_max_share";
        char *placeholder = placeholder_value(name);
        DefineCustomRealVariable(name,
                                 "Largest share of a table one maintenance run may delete unless "
                                 "forced.",
                                 NULL, &maintenance_max_share, 0.5, 0.0, 1.0, PGC_SUSET, 0, NULL,
                                 assign_real<7>, NULL);
        double parsed = 0;
        bool accepted = placeholder != nullptr && parse_real(placeholder, &parsed, 0, NULL) &&
                        parsed == maintenance_max_share;
        note_rejection(7, name, placeholder, accepted, false);
    }
    define_interval<0>("How long a draft may sit unedited before maintenance expires it.",
                       "Per section type: draft_mode.set_draft_ttl(). Expired drafts stay "
                       "restorable from history. At least 1 second.");
    define_interval<1>("How long an idempotency key and its stored result are kept.",
                       "After this, the key may be used again and maintenance removes it.");
    define_interval<2>("Maintenance keeps every change newer than this.", NULL);
    define_interval<3>("Longest time maintenance keeps one transaction open.",
                       "From 10 ms to 1 minute.");
    // Any role that can connect may LISTEN: a notification names the tenant
    // and section (content only with draft_mode.notify_patches). Turned off
    // per role or database where untrusted roles can connect.
    DefineCustomBoolVariable("draft_mode.notify",
                             "Sends a NOTIFY on channel draft_mode for every change.",
                             "Any role that can connect may LISTEN on channel draft_mode and "
                             "learns the tenant, section, version and kind of every change.",
                             &notify_setting, true, PGC_USERSET, 0, NULL, NULL, NULL);
    // Superuser-only: any role that can connect may LISTEN on a channel
    // (LISTEN has no privileges), so change notifications carry content
    // only where a superuser allows it.
    DefineCustomBoolVariable("draft_mode.notify_patches",
                             "Whether change notifications carry the change's forward patch.",
                             "Any role that can connect may LISTEN on channel draft_mode. Off: a "
                             "notification names the tenant, section, version, kind and feed "
                             "cursor only; listeners read the change from the feed.",
                             &notify_patches_setting, false, PGC_SUSET, 0, NULL, NULL, NULL);
    // Off: edits run on the coordinator, as before 0.4.0 (safe either way:
    // the tenant and actor are checked on the coordinator both ways). Also
    // turned off inside the delegated call itself (edit_on_worker).
    DefineCustomBoolVariable("draft_mode.delegate_edits",
                             "On a Citus coordinator, runs each edit in one call on the tenant's "
                             "worker.",
                             "Off: save_draft, patch_draft and merge_draft run on the "
                             "coordinator, one round trip to the worker per statement.",
                             &delegate_edits_setting, true, PGC_USERSET, 0, NULL, NULL, NULL);
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
    MarkGUCPrefixReserved("draft_mode");
}

} // namespace draft_mode::boundary
