// Where the Swift runtime keeps a thread's exclusivity access set.
//
// The runtime tracks a thread's dynamic accesses in a list whose head is a word of
// libswiftCore's thread-local storage (Exclusivity.cpp: a `thread_local` SwiftTLSContext
// whose first member is the head on Linux). The exported way to move that set between
// stacks is swift_task_exit/enterThreadLocalContext, a call into the runtime and a
// thread-local lookup each. When the head's address can be found, and the thread had no
// access in progress when its main context was made, a switch swaps the head itself: with
// no base set, that is exactly what the two calls do.
//
// The address is found once per thread and proven, not guessed: the runtime is asked to
// begin an access with a buffer of ours, the runtime's thread-local block must then hold
// that buffer's address in exactly one word, and ending the access must put the previous
// head back in that word. Anything else (another platform, a runtime that stores the set
// elsewhere, checking disabled) leaves the runtime calls in use.
#define _GNU_SOURCE
#include "weave_context.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__linux__)
#include <link.h>

// Exported by libswiftCore (stdlib/public/runtime/Exclusivity.cpp). `buffer` is the
// compiler's three-word scratch space for one access; flags: modify (1) | tracking (0x20).
extern void swift_beginAccess(void *pointer, void *buffer, uintptr_t flags, void *pc);
extern void swift_endAccess(void *buffer);

enum { weave_access_modify_tracked = 0x21, weave_access_action_mask = 0x1 };

struct weave_tls_search {
    uintptr_t symbol;  // an address inside the module wanted
    char *block;       // that module's thread-local block for the calling thread
    size_t size;
};

static int weave_find_tls_block(struct dl_phdr_info *info, size_t size, void *opaque) {
    struct weave_tls_search *search = opaque;
    if (size < offsetof(struct dl_phdr_info, dlpi_tls_data) + sizeof info->dlpi_tls_data) {
        return 1;  // too old a C library to say where thread-local blocks are
    }
    int contains_symbol = 0;
    size_t tls_size = 0;
    for (size_t index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        if (header->p_type == PT_LOAD) {
            uintptr_t start = info->dlpi_addr + header->p_vaddr;
            if (search->symbol >= start && search->symbol - start < header->p_memsz) {
                contains_symbol = 1;
            }
        } else if (header->p_type == PT_TLS) {
            tls_size = header->p_memsz;
        }
    }
    if (!contains_symbol) return 0;
    search->block = info->dlpi_tls_data;
    search->size = tls_size;
    return 1;
}

static char weave_probe_target;

void **weave_locate_access_set_head(void) {
    struct weave_tls_search search = {(uintptr_t)&swift_beginAccess, NULL, 0};
    dl_iterate_phdr(weave_find_tls_block, &search);
    if (search.block == NULL || search.size < sizeof(void *)) return NULL;

    void *access[3] = {NULL, NULL, NULL};
    swift_beginAccess(&weave_probe_target, access, weave_access_modify_tracked, NULL);
    uintptr_t first = ((uintptr_t)search.block + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
    uintptr_t end = (uintptr_t)search.block + search.size;
    void **found = NULL;
    int matches = 0;
    for (uintptr_t word = first; word + sizeof(void *) <= end; word += sizeof(void *)) {
        if (*(void **)word == (void *)access) {
            found = (void **)word;
            matches++;
        }
    }
    swift_endAccess(access);
    if (matches != 1) return NULL;
    void *previous = (void *)((uintptr_t)access[2] & ~(uintptr_t)weave_access_action_mask);
    return *found == previous ? found : NULL;
}

#else

void **weave_locate_access_set_head(void) {
    return NULL;
}

#endif
