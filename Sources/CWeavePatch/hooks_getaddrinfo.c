// getaddrinfo: a greenlet's name lookup runs on the blocking pool, whose threads have no
// hub: there the same hook passes straight through to glibc.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <errno.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **result) {
    if (!weave_patch_applies()) return WEAVE_REAL(getaddrinfo)(node, service, hints, result);
    __atomic_load_n(&weave_patch_enabled_flag, __ATOMIC_ACQUIRE);
    int status = weave_patch_active.resolve(node, service, hints, result);
    if (status == EAI_SYSTEM && errno == EPERM) return WEAVE_REAL(getaddrinfo)(node, service, hints, result);
    return status;
}
