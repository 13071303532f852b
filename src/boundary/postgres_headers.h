// The Postgres headers the boundary layer uses, included with C linkage.
// Only src/boundary includes this; src/engine never sees Postgres.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
}
