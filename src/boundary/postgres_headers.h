// The Postgres headers the boundary layer uses, included with C linkage.
// Only src/boundary includes this; src/engine never sees Postgres.
#pragma once

extern "C" {
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
}

#include <type_traits>

// Declares that Type lives in code that may ereport (and so longjmp past
// it): the compiler then refuses a member with a destructor, which would be
// skipped. Put it after every struct that Postgres-side code keeps on its
// stack.
#define DRAFT_MODE_POSTGRES_SIDE(Type)                                                           \
    static_assert(std::is_trivially_destructible_v<Type>,                                        \
                  #Type " lives in code that may ereport: it must be trivially destructible")
