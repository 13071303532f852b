// Decimal text of a jsonb numeric, decoded straight from its stored form.
#pragma once

#include <string>

#include "boundary/postgres_headers.h"

namespace draft_mode::boundary {

// Appends the decimal text numeric_out() would print for a finite numeric
// (jsonb holds no NaN or infinity). Reads only the value's bytes: it never
// allocates from Postgres and never raises an error, so the engine's
// conversion can call it; std::bad_alloc is the only exception it can throw.
void append_numeric_text(std::string &out, Numeric numeric);

// The length of the text append_numeric_text appends, computed from the
// numeric's header alone (nothing is decoded or allocated): what the
// engine's size accounting counts for a number.
std::size_t numeric_text_length(Numeric numeric);

} // namespace draft_mode::boundary
