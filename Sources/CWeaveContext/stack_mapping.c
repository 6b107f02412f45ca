// Greenlet stacks: anonymous mappings with a guard region at the low end. Only the pages
// a greenlet touches cost memory. Where the kernel has MADV_GUARD_INSTALL (Linux 6.13+)
// the guard is a guard region inside the mapping, so stacks cost no kernel mapping each
// and vm.max_map_count does not bound how many can live; otherwise the guard is an
// mprotect(PROT_NONE) page, which splits the mapping.
#define _GNU_SOURCE
#include "weave_context.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__) && !defined(MADV_GUARD_INSTALL)
#define MADV_GUARD_INSTALL 102
#endif

enum { weave_guard_unknown = 0, weave_guard_region = 1, weave_guard_mprotect = 2 };
static _Atomic int weave_guard_kind = weave_guard_unknown;

size_t weave_page_size(void) {
    static size_t cached;
    if (cached == 0) {
        cached = (size_t)sysconf(_SC_PAGESIZE);
    }
    return cached;
}

static size_t weave_round_to_pages(size_t bytes) {
    size_t page = weave_page_size();
    return (bytes + page - 1) / page * page;
}

#if defined(__linux__)
// Whether the guard region just installed at `low` really faults. Some environments accept
// advice they do not implement and return 0 (qemu's user-mode emulator does so for any
// advice it does not know), which would leave every stack unguarded. Reading the guard
// from the kernel's side, as the buffer of a one-byte write() into a pipe, fails with
// EFAULT when the guard is there, and raises no signal.
static int weave_guard_region_effective(const char *low) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) {
        return 1;
    }
    ssize_t written = write(ends[1], low, 1);
    int effective = written < 0 && errno == EFAULT;
    close(ends[0]);
    close(ends[1]);
    return effective;
}
#endif

static int weave_install_guard(char *low, size_t guard) {
#if defined(__linux__)
    int kind = atomic_load_explicit(&weave_guard_kind, memory_order_relaxed);
    if (kind != weave_guard_mprotect) {
        if (madvise(low, guard, MADV_GUARD_INSTALL) == 0) {
            if (kind == weave_guard_region || weave_guard_region_effective(low)) {
                atomic_store_explicit(&weave_guard_kind, weave_guard_region, memory_order_relaxed);
                return 0;
            }
            // Accepted but not enforced: use mprotect from now on.
        } else if (errno != EINVAL) {
            return errno;
        }
        atomic_store_explicit(&weave_guard_kind, weave_guard_mprotect, memory_order_relaxed);
    }
#endif
    return mprotect(low, guard, PROT_NONE) == 0 ? 0 : errno;
}

// Maps `bytes` of stack memory: reserved lazily, so only touched pages cost memory.
static void *weave_map_stack_memory(size_t bytes) {
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#if defined(MAP_NORESERVE)
    flags |= MAP_NORESERVE;
#endif
#if defined(MAP_STACK)
    flags |= MAP_STACK;
#endif
    return mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
}

int weave_stack_map(size_t usable, size_t guard, weave_stack *out) {
    size_t guard_bytes = weave_round_to_pages(guard == 0 ? 1 : guard);
    size_t total = weave_round_to_pages(usable) + guard_bytes;
    void *mapping = weave_map_stack_memory(total);
    if (mapping == MAP_FAILED) {
        return errno;
    }
    int failure = weave_install_guard(mapping, guard_bytes);
    if (failure != 0) {
        munmap(mapping, total);
        return failure;
    }
    out->mapping = mapping;
    out->mapping_size = total;
    out->guard_size = guard_bytes;
    out->slab = NULL;
    return 0;
}

void weave_stack_unmap(weave_stack *stack) {
    if (stack->mapping == NULL) {
        return;
    }
    if (stack->slab != NULL) {
        weave_stack_discard(stack);
    } else {
        munmap(stack->mapping, stack->mapping_size);
    }
    stack->mapping = NULL;
}

int weave_stack_slab_map(size_t usable, size_t guard, size_t count, weave_stack_slab *out) {
    size_t guard_bytes = weave_round_to_pages(guard == 0 ? 1 : guard);
    size_t stride = weave_round_to_pages(usable) + guard_bytes;
    void *mapping = weave_map_stack_memory(stride * count);
    if (mapping == MAP_FAILED) {
        return errno;
    }
    out->mapping = mapping;
    out->mapping_size = stride * count;
    out->stride = stride;
    out->guard_size = guard_bytes;
    out->count = count;
    out->handed_out = 0;
    return 0;
}

int weave_stack_slab_take(weave_stack_slab *slab, weave_stack *out) {
    if (slab->handed_out == slab->count) {
        return ENOSPC;
    }
    char *low = slab->mapping + slab->handed_out * slab->stride;
    int failure = weave_install_guard(low, slab->guard_size);
    if (failure != 0) {
        return failure;
    }
    slab->handed_out += 1;
    out->mapping = low;
    out->mapping_size = slab->stride;
    out->guard_size = slab->guard_size;
    out->slab = NULL;
    return 0;
}

void weave_stack_slab_unmap(weave_stack_slab *slab) {
    if (slab->mapping != NULL) {
        munmap(slab->mapping, slab->mapping_size);
        slab->mapping = NULL;
    }
}

void weave_stack_discard(const weave_stack *stack) {
#if defined(__linux__)
    madvise(stack->mapping + stack->guard_size, stack->mapping_size - stack->guard_size, MADV_DONTNEED);
#else
    madvise(stack->mapping + stack->guard_size, stack->mapping_size - stack->guard_size, MADV_FREE);
#endif
}

int weave_stack_guards_split_mappings(void) {
    return atomic_load_explicit(&weave_guard_kind, memory_order_relaxed) != weave_guard_region;
}

int weave_shared_stack_create(size_t usable, weave_shared_stack *out) {
    int failure = weave_stack_map(usable, 16 * 1024, &out->stack);
    if (failure != 0) {
        return failure;
    }
    failure = weave_stack_map(64 * 1024, weave_page_size(), &out->scratch);
    if (failure != 0) {
        weave_stack_unmap(&out->stack);
        return failure;
    }
    out->occupant = NULL;
    return 0;
}

void weave_shared_stack_destroy(weave_shared_stack *shared) {
    weave_stack_unmap(&shared->stack);
    weave_stack_unmap(&shared->scratch);
    shared->occupant = NULL;
}
