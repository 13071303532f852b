// Module entry: the library magic block and _PG_init.
#include "boundary/settings.h"

extern "C" {

PG_MODULE_MAGIC;

// Registers the draft_mode.* settings when the library is loaded.
void _PG_init(void)
{
    draft_mode::boundary::define_settings();
}

} // extern "C"
