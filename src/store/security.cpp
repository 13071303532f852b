// Session helpers: who is calling (the role outside any SECURITY DEFINER
// function, for the actor recorded in history and for role checks), and the
// draft_mode settings as SQL sees them.
#include "boundary/entry_point.h"
#include "boundary/postgres_headers.h"
#include "boundary/settings.h"
#include "store/validator.h"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/json.h"
}

// caller() returns name: the session's current role as set by login or SET
// ROLE, even inside a SECURITY DEFINER function (where current_user is the
// function's owner). Inside a validator it refuses: the session's role is
// then whoever publishes, and the validator's code is its owner's.
DRAFT_MODE_FUNCTION(draft_mode_caller, 0)
{
    if (draft_mode::store::validator_running())
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("draft_mode cannot be used from inside a validator"),
                 errdetail_internal("{\"reason\":\"inside_validator\"}"),
                 errhint("A validator checks the content it is given and returns its errors; it "
                         "cannot read or change sections, history, leases or the change feed.")));
    PG_RETURN_DATUM(
        DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false))));
}

// setting(name text) returns text: a draft_mode setting's current value, as
// SHOW prints it. Being part of the library, it loads the library (which
// defines the settings) in a session that has not used draft_mode yet, such
// as a pg_cron worker's, where current_setting() would not know them.
DRAFT_MODE_FUNCTION(draft_mode_setting, 1)
{
    draft_mode::boundary::require_valid_settings(false);
    char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char *value = GetConfigOptionByName(name, NULL, true);
    if (value == nullptr) {
        // The name as given, cut to 100 bytes on a character boundary.
        char *shown = pnstrdup(name, pg_mbcliplen(name, static_cast<int>(strlen(name)), 100));
        StringInfoData detail;
        initStringInfo(&detail);
        appendStringInfoString(&detail,
                               "{\"argument\":\"name\",\"reason\":\"unknown_setting\",\"name\":");
        escape_json(&detail, shown);
        appendStringInfoChar(&detail, '}');
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                        errmsg("unrecognized configuration parameter \"%s\"", shown),
                        errdetail_internal("%s", detail.data),
                        errhint("Name a setting, such as draft_mode.max_document_size (README: "
                                "Settings).")));
    }
    PG_RETURN_TEXT_P(cstring_to_text(value));
}
