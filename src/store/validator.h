// Validators: functions of the users' own that publish runs on content.
#pragma once

namespace draft_mode::store {

// True while a validator runs in this backend. draft_mode.caller() then
// refuses (42501): every draft_mode function and policy decides who is
// calling through it, and inside a validator the session's role is the
// publisher's, whose rights the validator's owner must not get.
bool validator_running();

} // namespace draft_mode::store
