// glibc's own definitions of every hooked function, found once with
// dlsym(RTLD_NEXT, ...): the next definition after this executable's, which is libc's.
#define _GNU_SOURCE
#include "patch_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct weave_patch_real_functions weave_patch_real;

static pthread_once_t weave_patch_real_once = PTHREAD_ONCE_INIT;

static void *weave_patch_find(const char *name) {
    void *found = dlsym(RTLD_NEXT, name);
    if (found == NULL) {
        // Without the real function no call could go through: say which and stop, as the
        // dynamic linker does for a missing symbol.
        fprintf(stderr, "CWeavePatch: glibc's %s was not found (dlsym: %s)\n", name, dlerror());
        abort();
    }
    return found;
}

#define WEAVE_FIND(name) \
    __atomic_store_n((void **)&weave_patch_real.name, weave_patch_find(#name), __ATOMIC_RELEASE)

static void weave_patch_find_all(void) {
    WEAVE_FIND(sleep);
    WEAVE_FIND(usleep);
    WEAVE_FIND(nanosleep);
    WEAVE_FIND(clock_nanosleep);
    WEAVE_FIND(read);
    WEAVE_FIND(readv);
    WEAVE_FIND(recv);
    WEAVE_FIND(recvfrom);
    WEAVE_FIND(recvmsg);
    WEAVE_FIND(write);
    WEAVE_FIND(writev);
    WEAVE_FIND(send);
    WEAVE_FIND(sendto);
    WEAVE_FIND(sendmsg);
    WEAVE_FIND(connect);
    WEAVE_FIND(accept);
    WEAVE_FIND(accept4);
    WEAVE_FIND(poll);
    WEAVE_FIND(ppoll);
    WEAVE_FIND(select);
    WEAVE_FIND(getaddrinfo);
    WEAVE_FIND(fcntl);
    WEAVE_FIND(fcntl64);
    WEAVE_FIND(__read_chk);
    WEAVE_FIND(__recv_chk);
    WEAVE_FIND(__recvfrom_chk);
    WEAVE_FIND(__poll_chk);
}

void weave_patch_resolve_real_functions(void) {
    pthread_once(&weave_patch_real_once, weave_patch_find_all);
}

// Before main, so that the first hooked calls need no lookup; a call from an earlier
// constructor looks them up itself (WEAVE_REAL).
__attribute__((constructor))
static void weave_patch_resolve_at_load(void) {
    weave_patch_resolve_real_functions();
}

ssize_t weave_patch_real_read(int fd, void *buffer, size_t count) {
    return WEAVE_REAL(read)(fd, buffer, count);
}

int weave_patch_real_getaddrinfo(const char *node, const char *service,
                                 const struct addrinfo *hints, struct addrinfo **result) {
    return WEAVE_REAL(getaddrinfo)(node, service, hints, result);
}
