// Whether shared libraries reach this executable's hooks: a hook is global only when the
// executable exports it (in .dynsym, what `nm -D` lists).
#define _GNU_SOURCE
#include "patch_internal.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

extern int fcntl64(int, int, ...);
extern ssize_t __read_chk(int, void *, size_t, size_t);
extern ssize_t __recv_chk(int, void *, size_t, size_t, int);
extern ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, __SOCKADDR_ARG, socklen_t *);
extern int __poll_chk(struct pollfd *, nfds_t, int, size_t);

struct weave_patch_hook {
    const char *name;
    void *hook;
};

int weave_patch_hook_is_visible(const char *name) {
    const struct weave_patch_hook hooks[] = {
        { "sleep", (void *)sleep }, { "usleep", (void *)usleep },
        { "nanosleep", (void *)nanosleep }, { "clock_nanosleep", (void *)clock_nanosleep },
        { "read", (void *)read }, { "readv", (void *)readv }, { "recv", (void *)recv },
        { "recvfrom", (void *)recvfrom }, { "recvmsg", (void *)recvmsg },
        { "write", (void *)write }, { "writev", (void *)writev }, { "send", (void *)send },
        { "sendto", (void *)sendto }, { "sendmsg", (void *)sendmsg },
        { "connect", (void *)connect }, { "accept", (void *)accept }, { "accept4", (void *)accept4 },
        { "poll", (void *)poll }, { "ppoll", (void *)ppoll }, { "select", (void *)select },
        { "getaddrinfo", (void *)getaddrinfo }, { "fcntl", (void *)fcntl }, { "fcntl64", (void *)fcntl64 },
        { "__read_chk", (void *)__read_chk }, { "__recv_chk", (void *)__recv_chk },
        { "__recvfrom_chk", (void *)__recvfrom_chk }, { "__poll_chk", (void *)__poll_chk },
    };
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) {
        if (strcmp(hooks[i].name, name) == 0) return dlsym(RTLD_DEFAULT, name) == hooks[i].hook;
    }
    return -1;
}
