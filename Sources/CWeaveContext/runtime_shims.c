// Build facts the Swift side asks about.
#include "weave_runtime_shims.h"
#include "weave_context.h"

int weave_address_sanitizer_enabled(void) {
#if WEAVE_ASAN
    return 1;
#else
    return 0;
#endif
}
