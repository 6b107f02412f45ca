// A standalone C harness for Weave's machine-context layer (Sources/CWeaveContext).
//
// Built by Tests/ContextHarness/run.sh together with CWeaveContext's C sources and its
// assembly ports, natively and (for arm64) with a cross compiler under qemu. It stands in
// for the Swift runtime's exclusivity hooks and checks, below Swift, that the running
// port keeps every promise the Swift layer relies on:
//   - fresh contexts on mapped stacks start in `entry` with the handed value, values travel
//     both ways through weave_context_switch, and weave_context_exit finishes a context;
//   - callee-saved general-purpose and floating-point registers survive a switch, even
//     when the other context overwrites all of them;
//   - each context keeps its own FP control state (rounding mode: MXCSR and the x87
//     control word on x86_64, FPCR on arm64), including across the relocating switch;
//   - a fresh context starts with a 16-byte aligned stack;
//   - compact contexts sharing a stack get their bytes relocated in and out intact;
//   - the swift_task_enter/exitThreadLocalContext calls alternate per context, and the
//     state entered is always the running context's;
//   - guard regions fault (in a child process).
// Prints PASS/FAIL per test and exits non-zero when any check failed.
#define _GNU_SOURCE
#include "weave_context.h"

#include <fenv.h>
#include <inttypes.h>
#include <signal.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "the harness knows x86_64 and arm64 only"
#endif

// The port's own entry points (hidden symbols, visible inside this static link): the
// port-contract test drives them directly.
void *weave_switch_stack(void **save_sp, void *next_sp, void *value);
void *weave_switch_stack_relocating(void **save_sp, void *value, void *(*relocate)(void *),
                                    void *arg, void *scratch_top);

// ---------------------------------------------------------------------------------------
// Checks

static unsigned long harness_checks;
static unsigned long harness_failures;       // in the running test
static unsigned long harness_total_failures;
static int harness_tests_failed, harness_tests_passed;

#define CHECK(condition, ...)                                                              \
    do {                                                                                   \
        harness_checks++;                                                                  \
        if (!(condition)) {                                                                \
            if (harness_failures++ < 12) {                                                 \
                fprintf(stderr, "  check failed at %s:%d: %s: ", __FILE__, __LINE__,       \
                        #condition);                                                       \
                fprintf(stderr, __VA_ARGS__);                                              \
                fputc('\n', stderr);                                                       \
            }                                                                              \
        }                                                                                  \
    } while (0)

static void run_test(const char *name, void (*test)(void)) {
    harness_failures = 0;
    unsigned long checks_before = harness_checks;
    test();
    unsigned long checks = harness_checks - checks_before;
    if (harness_failures == 0) {
        harness_tests_passed++;
        printf("PASS  %-34s (%lu checks)\n", name, checks);
    } else {
        harness_tests_failed++;
        harness_total_failures += harness_failures;
        printf("FAIL  %-34s (%lu of %lu checks failed)\n", name, harness_failures, checks);
    }
    fflush(stdout);
}

// ---------------------------------------------------------------------------------------
// Stand-ins for the Swift runtime's exclusivity hooks (libswiftCore's
// ConcurrencyExclusivity.inc), modelling what the switch relies on with the thread's base
// set empty: `tls_head` is the thread's set of accesses in progress; exit moves it into the
// state (two words in weave_context.tls_state) and leaves the base (empty) on the thread;
// enter puts a saved set back, and does nothing for an empty state, which is why the switch
// may skip that call.
//
// Every context that reaches CHECK_RUNNING opens an access that stays open across its
// switches (tls_head = the context). From then on, whenever it runs, that access must be the
// live one: a switch that dropped or mixed up access sets fails the check.

static void *tls_head;  // the access in progress on this thread, or NULL
static unsigned long tls_enters, tls_exits, tls_switches;

void swift_task_enterThreadLocalContext(char *state) {
    void **words = (void **)state;
    tls_enters++;
    if (words[0] == NULL) {
        CHECK(words[1] == NULL, "state %p half saved", (void *)state);
        return;
    }
    CHECK(tls_head == NULL, "enter(%p) over the live accesses of %p", (void *)state, tls_head);
    CHECK(words[1] == state, "state %p moved or corrupted", (void *)state);
    tls_head = words[0];
    words[0] = NULL;
    words[1] = NULL;
}

void swift_task_exitThreadLocalContext(char *state) {
    void **words = (void **)state;
    tls_exits++;
    CHECK(words[0] == NULL && words[1] == NULL, "exit(%p) over a saved set", (void *)state);
    if (tls_head != NULL) {
        words[0] = tls_head;
        words[1] = state;
        tls_head = NULL;
    }
}

// The runtime's access tracking itself is not modelled: these stand-ins track nothing, so
// access_set_location.c finds no head word and the switch makes the two calls above (the
// direct swap of the head word is exercised by the Swift tests, against the real runtime).
void swift_beginAccess(void *pointer, void *buffer, uintptr_t flags, void *pc) {
    (void)pointer;
    (void)flags;
    (void)pc;
    ((void **)buffer)[0] = NULL;
}

void swift_endAccess(void *buffer) {
    (void)buffer;
}

static const void *tls_holders[512];  // contexts that keep an access open
static size_t tls_holder_count;

static int tls_holds(const void *context) {
    for (size_t i = 0; i < tls_holder_count; i++) {
        if (tls_holders[i] == context) return 1;
    }
    return 0;
}

static void tls_forget(const void *context) {
    for (size_t i = 0; i < tls_holder_count; i++) {
        if (tls_holders[i] == context) {
            tls_holders[i] = tls_holders[--tls_holder_count];
            return;
        }
    }
}

// The running context's own accesses, and only those, are live; it then keeps one open.
#define CHECK_RUNNING(context)                                                                \
    do {                                                                                      \
        tls_switches++;                                                                       \
        if (tls_holds(context)) {                                                             \
            CHECK(tls_head == (void *)(context), "running %s but the live access is %p's",    \
                  (context)->name, tls_head);                                                 \
        } else {                                                                              \
            CHECK(tls_head == NULL, "running %s for the first time but %p's access is live",  \
                  (context)->name, tls_head);                                                 \
            if (tls_holder_count < sizeof tls_holders / sizeof tls_holders[0]) {              \
                tls_holders[tls_holder_count++] = (context);                                  \
            }                                                                                 \
        }                                                                                     \
        tls_head = (void *)(context);                                                         \
    } while (0)

// ---------------------------------------------------------------------------------------
// Helpers

static weave_context main_context;

static void make_context(weave_context *context, const char *name,
                         void (*entry)(void *, void *), void *arg) {
    memset(context, 0, sizeof *context);
    tls_forget(context);
    snprintf(context->name, sizeof context->name, "%s", name);
    context->entry = entry;
    context->entry_arg = arg;
}

static weave_stack map_stack(size_t usable) {
    weave_stack stack;
    int failure = weave_stack_map(usable, 16 * 1024, &stack);
    if (failure != 0) {
        fprintf(stderr, "weave_stack_map failed: %s\n", strerror(failure));
        exit(2);
    }
    return stack;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ull;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dull;
    x ^= x >> 33;
    return x;
}

// An opaque identity the optimiser cannot see through.
__attribute__((noinline)) static unsigned long opaque(unsigned long x) {
    __asm__ volatile("" : "+r"(x));
    return x;
}

__attribute__((noinline)) static double opaque_double(double x) {
    __asm__ volatile("" : "+m"(x));
    return x;
}

// Switches after overwriting every callee-saved register (and the vector registers) with
// garbage, so the resumed context sees only what the port restored.
__attribute__((noinline)) static void *trash_registers_and_switch(weave_context *from, weave_context *to,
                                                                  void *value) {
#if defined(__x86_64__)
    __asm__ volatile(
        "movabsq $0x0bad0bad0bad0b01, %%rbx\n\t"
        "movabsq $0x0bad0bad0bad0b12, %%r12\n\t"
        "movabsq $0x0bad0bad0bad0b13, %%r13\n\t"
        "movabsq $0x0bad0bad0bad0b14, %%r14\n\t"
        "movabsq $0x0bad0bad0bad0b15, %%r15\n\t"
        "pcmpeqd %%xmm0, %%xmm0\n\t"
        "pcmpeqd %%xmm6, %%xmm6\n\t"
        "pcmpeqd %%xmm7, %%xmm7\n\t"
        "pcmpeqd %%xmm8, %%xmm8\n\t"
        "pcmpeqd %%xmm15, %%xmm15\n\t"
        :
        :
        : "rbx", "r12", "r13", "r14", "r15", "xmm0", "xmm6", "xmm7", "xmm8", "xmm15", "memory");
#else
    __asm__ volatile(
        "mov x19, #0xb019\n\t"
        "mov x20, #0xb020\n\t"
        "mov x21, #0xb021\n\t"
        "mov x22, #0xb022\n\t"
        "mov x23, #0xb023\n\t"
        "mov x24, #0xb024\n\t"
        "mov x25, #0xb025\n\t"
        "mov x26, #0xb026\n\t"
        "mov x27, #0xb027\n\t"
        "mov x28, #0xb028\n\t"
        "fmov d8, #-1.5\n\t"
        "fmov d9, #-2.5\n\t"
        "fmov d10, #-3.5\n\t"
        "fmov d11, #-4.5\n\t"
        "fmov d12, #-5.5\n\t"
        "fmov d13, #-6.5\n\t"
        "fmov d14, #-7.5\n\t"
        "fmov d15, #-8.5\n\t"
        :
        :
        : "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "v8", "v9",
          "v10", "v11", "v12", "v13", "v14", "v15", "memory");
#endif
    // Not a tail call: that would restore this function's callee-saved registers first.
    void *result = weave_context_switch(from, to, value);
    __asm__ volatile("" : "+r"(result));
    return result;
}

// The stack pointer's alignment as the callee sees it: a 16-byte aligned local and the
// frame address must be 16-byte aligned, and aligned vector/long double/__int128 stores
// to the stack must work.
typedef float harness_vector4 __attribute__((vector_size(16)));

__attribute__((noinline)) static int aligned_callee(int seed) {
    alignas(16) volatile harness_vector4 vector = {(float)seed, 2.0f, 3.0f, 4.0f};
    volatile long double wide = (long double)seed / 3.0L;
    volatile __int128 big = ((__int128)seed << 70) + seed;
    int ok = ((uintptr_t)&vector % 16) == 0 && ((uintptr_t)&wide % 16) == 0 &&
             ((uintptr_t)&big % 16) == 0;
    harness_vector4 doubled = vector + vector;
    ok = ok && doubled[0] == 2.0f * (float)seed && doubled[3] == 8.0f;
    ok = ok && (long)(wide * 3.0L + 0.5L) == seed && (long)(big >> 70) == seed;
    return ok;
}

__attribute__((noinline)) static void check_alignment(const char *where) {
    alignas(16) volatile char probe[16];
    probe[0] = 1;
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    CHECK((uintptr_t)probe % 16 == 0, "%s: 16-byte aligned local at %p", where, (void *)probe);
    CHECK(frame % 16 == 0, "%s: frame address %p not 16-byte aligned", where, (void *)frame);
    CHECK(aligned_callee((int)opaque(7)), "%s: aligned vector/long double/__int128 stack slots", where);
}

// ---------------------------------------------------------------------------------------
// Test: ping-pong with values, exit, re-preparing the same stack.

enum { ping_round_trips = 1000000 };
static weave_context ping_context;

static void ping_entry(void *arg, void *value) {
    CHECK(arg == &ping_context, "entry_arg");
    CHECK((uintptr_t)value == 1, "first value %p", value);
    CHECK_RUNNING(&ping_context);
    check_alignment("ping entry");
    uintptr_t expected = 1;
    for (;;) {
        uintptr_t received = (uintptr_t)value;
        if (received == 0) {
            break;
        }
        if (received != expected) {
            CHECK(received == expected, "ping received %" PRIuPTR ", expected %" PRIuPTR, received, expected);
        }
        value = weave_context_switch(&ping_context, &main_context, (void *)(~received));
        expected++;
    }
    CHECK_RUNNING(&ping_context);
    weave_context_exit(&ping_context, &main_context, (void *)(uintptr_t)0xd0e5);
}

static void test_ping_pong(void) {
    weave_stack stack = map_stack(64 * 1024);
    for (int run = 0; run < 2; run++) {  // the second run reuses the stack
        make_context(&ping_context, "ping", ping_entry, &ping_context);
        weave_context_prepare(&ping_context, &stack);
        CHECK(ping_context.stack_low == stack.mapping + stack.guard_size, "stack_low");
        unsigned long bad = 0;
        for (uintptr_t i = 1; i <= ping_round_trips; i++) {
            void *reply = weave_context_switch(&main_context, &ping_context, (void *)i);
            if ((uintptr_t)reply != ~i) {
                if (bad++ < 3) {
                    CHECK((uintptr_t)reply == ~i, "round trip %" PRIuPTR ": reply %p", i, reply);
                }
            }
        }
        CHECK(bad == 0, "%lu bad round trips", bad);
        harness_checks += ping_round_trips;
        void *last = weave_context_switch(&main_context, &ping_context, NULL);
        CHECK((uintptr_t)last == 0xd0e5, "exit value %p", last);
        CHECK_RUNNING(&main_context);
    }
    weave_stack_unmap(&stack);
}

// Two contexts switching straight to each other (neither is the main context).
static weave_context left_context, right_context;

static void left_entry(void *arg, void *value) {
    (void)arg;
    uintptr_t n = (uintptr_t)value;
    for (int i = 0; i < 1000; i++) {
        CHECK_RUNNING(&left_context);
        n = (uintptr_t)weave_context_switch(&left_context, &right_context, (void *)(n + 1));
        CHECK(n == (uintptr_t)(2 * i + 2) + 100, "left got %" PRIuPTR, n);
    }
    weave_context_exit(&left_context, &main_context, (void *)n);
}

static void right_entry(void *arg, void *value) {
    (void)arg;
    uintptr_t n = (uintptr_t)value;
    for (;;) {
        CHECK_RUNNING(&right_context);
        n = (uintptr_t)weave_context_switch(&right_context, &left_context, (void *)(n + 1));
    }
}

static void test_direct_pair(void) {
    weave_stack left_stack = map_stack(32 * 1024), right_stack = map_stack(32 * 1024);
    make_context(&left_context, "left", left_entry, NULL);
    make_context(&right_context, "right", right_entry, NULL);
    weave_context_prepare(&left_context, &left_stack);
    weave_context_prepare(&right_context, &right_stack);
    void *result = weave_context_switch(&main_context, &left_context, (void *)(uintptr_t)100);
    CHECK((uintptr_t)result == 2100, "pair result %p", result);
    CHECK_RUNNING(&main_context);
    weave_stack_unmap(&left_stack);
    weave_stack_unmap(&right_stack);
}

// ---------------------------------------------------------------------------------------
// Test: callee-saved registers. Fourteen longs and ten doubles live across every switch,
// while the other context overwrites all callee-saved registers before switching back.

enum { register_rounds = 2000 };
typedef void (*yield_function)(void);

struct register_result {
    unsigned long integer;
    double floating;
};

__attribute__((noinline)) static struct register_result many_live(unsigned long seed, yield_function yield) {
    unsigned long a = opaque(seed + 1), b = opaque(seed + 2), c = opaque(seed + 3), d = opaque(seed + 4);
    unsigned long e = opaque(seed + 5), f = opaque(seed + 6), g = opaque(seed + 7), h = opaque(seed + 8);
    unsigned long i = opaque(seed + 9), j = opaque(seed + 10), k = opaque(seed + 11), l = opaque(seed + 12);
    unsigned long m = opaque(seed + 13), n = opaque(seed + 14);
    double p = opaque_double((double)seed + 0.25), q = opaque_double((double)seed + 0.5);
    double r = opaque_double((double)seed + 0.75), s = opaque_double((double)seed + 1.25);
    double t = opaque_double((double)seed + 1.5), u = opaque_double((double)seed + 1.75);
    double v = opaque_double((double)seed + 2.25), w = opaque_double((double)seed + 2.5);
    double x = opaque_double((double)seed + 2.75), y = opaque_double((double)seed + 3.25);
    for (int round = 0; round < register_rounds; round++) {
        yield();
        a = opaque(a * 3 + b); b = opaque(b ^ (c << 1)); c = opaque(c + d * 5); d = opaque(d - e);
        e = opaque(e * 7 + f); f = opaque(f ^ g); g = opaque(g + h); h = opaque(h * 11 - i);
        i = opaque(i + j); j = opaque(j ^ k); k = opaque(k * 13 + l); l = opaque(l + m);
        m = opaque(m ^ n); n = opaque(n + a);
        // A rotation with increments: exact in double (whole numbers far below 2^53) and
        // nothing is damped, so a register corrupted in any round changes the result.
        double p0 = p;
        p = opaque_double(q + 1.0); q = opaque_double(r + 3.0); r = opaque_double(s + 5.0);
        s = opaque_double(t + 7.0); t = opaque_double(u + 11.0); u = opaque_double(v + 13.0);
        v = opaque_double(w + 17.0); w = opaque_double(x + 19.0); x = opaque_double(y + 23.0);
        y = opaque_double(p0 + 29.0);
    }
    struct register_result result = {
        a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l ^ m ^ n,
        p + q + r + s + t + u + v + w + x + y,
    };
    return result;
}

static weave_context worker_context, trasher_context;

static void no_yield(void) {}

static void yield_to_trasher(void) {
    void *value = weave_context_switch(&worker_context, &trasher_context, (void *)(uintptr_t)0x77);
    CHECK((uintptr_t)value == 0x88, "worker resumed with %p", value);
}

static void worker_entry(void *arg, void *value) {
    (void)value;
    struct register_result *out = arg;
    *out = many_live(1000, yield_to_trasher);
    weave_context_exit(&worker_context, &main_context, (void *)(uintptr_t)0x99);
}

static void trasher_entry(void *arg, void *value) {
    (void)arg;
    for (;;) {
        CHECK((uintptr_t)value == 0x77, "trasher resumed with %p", value);
        value = trash_registers_and_switch(&trasher_context, &worker_context, (void *)(uintptr_t)0x88);
    }
}

static void test_callee_saved_registers(void) {
    struct register_result expected = many_live(1000, no_yield);
    struct register_result actual = {0, 0};
    weave_stack worker_stack = map_stack(64 * 1024), trasher_stack = map_stack(64 * 1024);
    make_context(&worker_context, "worker", worker_entry, &actual);
    make_context(&trasher_context, "trasher", trasher_entry, NULL);
    weave_context_prepare(&worker_context, &worker_stack);
    weave_context_prepare(&trasher_context, &trasher_stack);
    void *result = weave_context_switch(&main_context, &worker_context, NULL);
    CHECK((uintptr_t)result == 0x99, "worker exit value %p", result);
    CHECK(actual.integer == expected.integer, "integers: %lu != %lu", actual.integer, expected.integer);
    CHECK(memcmp(&actual.floating, &expected.floating, sizeof(double)) == 0, "doubles: %.17g != %.17g",
          actual.floating, expected.floating);
    // And from the main context's side: main's own registers across a trashing context.
    struct register_result again = many_live(1000, no_yield);
    CHECK(again.integer == expected.integer && again.floating == expected.floating, "rerun");
    weave_stack_unmap(&worker_stack);
    weave_stack_unmap(&trasher_stack);
}

// The same at the instruction level, independent of the register allocator (so it bites
// at -O0 too): harness_switch_with_patterns loads salt-derived patterns into every
// callee-saved register, calls weave_context_switch(from, to, value), and stores what the
// registers hold afterwards into out[] (x86_64: rbx rbp r12-r15; arm64: x19-x28, d8-d15).
void *harness_switch_with_patterns(weave_context *from, weave_context *to, void *value, uint64_t *out,
                                   uint64_t salt);
#if defined(__x86_64__)
enum { pattern_registers = 6 };
__asm__(".text\n"
        ".globl harness_switch_with_patterns\n"
        ".type harness_switch_with_patterns, @function\n"
        "harness_switch_with_patterns:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n    pushq %r13\n    pushq %r14\n    pushq %r15\n"
        "    pushq %rcx\n"  // out; also realigns the stack for the call
        "    leaq 1(%r8), %rbx\n    leaq 2(%r8), %rbp\n    leaq 12(%r8), %r12\n"
        "    leaq 13(%r8), %r13\n    leaq 14(%r8), %r14\n    leaq 15(%r8), %r15\n"
        "    call weave_context_switch\n"
        "    popq %rcx\n"
        "    movq %rbx, 0(%rcx)\n    movq %rbp, 8(%rcx)\n    movq %r12, 16(%rcx)\n"
        "    movq %r13, 24(%rcx)\n    movq %r14, 32(%rcx)\n    movq %r15, 40(%rcx)\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n    popq %r12\n    popq %rbx\n    popq %rbp\n"
        "    ret\n"
        ".size harness_switch_with_patterns, .-harness_switch_with_patterns\n");
static uint64_t pattern_expected(uint64_t salt, int index) {
    static const int offsets[pattern_registers] = {1, 2, 12, 13, 14, 15};
    return salt + (uint64_t)offsets[index];
}
#else
enum { pattern_registers = 18 };
__asm__(".text\n"
        ".globl harness_switch_with_patterns\n"
        ".type harness_switch_with_patterns, %function\n"
        "harness_switch_with_patterns:\n"
        "    stp x29, x30, [sp, #-176]!\n    mov x29, sp\n"
        "    stp x19, x20, [sp, #16]\n    stp x21, x22, [sp, #32]\n    stp x23, x24, [sp, #48]\n"
        "    stp x25, x26, [sp, #64]\n    stp x27, x28, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n    stp d10, d11, [sp, #112]\n    stp d12, d13, [sp, #128]\n"
        "    stp d14, d15, [sp, #144]\n    str x3, [sp, #160]\n"
        "    add x19, x4, #19\n    add x20, x4, #20\n    add x21, x4, #21\n    add x22, x4, #22\n"
        "    add x23, x4, #23\n    add x24, x4, #24\n    add x25, x4, #25\n    add x26, x4, #26\n"
        "    add x27, x4, #27\n    add x28, x4, #28\n"
        "    add x9, x4, #108\n    fmov d8, x9\n    add x9, x4, #109\n    fmov d9, x9\n"
        "    add x9, x4, #110\n    fmov d10, x9\n    add x9, x4, #111\n    fmov d11, x9\n"
        "    add x9, x4, #112\n    fmov d12, x9\n    add x9, x4, #113\n    fmov d13, x9\n"
        "    add x9, x4, #114\n    fmov d14, x9\n    add x9, x4, #115\n    fmov d15, x9\n"
        "    bl weave_context_switch\n"
        "    ldr x3, [sp, #160]\n"
        "    stp x19, x20, [x3, #0]\n    stp x21, x22, [x3, #16]\n    stp x23, x24, [x3, #32]\n"
        "    stp x25, x26, [x3, #48]\n    stp x27, x28, [x3, #64]\n"
        "    stp d8, d9, [x3, #80]\n    stp d10, d11, [x3, #96]\n    stp d12, d13, [x3, #112]\n"
        "    stp d14, d15, [x3, #128]\n"
        "    ldp x19, x20, [sp, #16]\n    ldp x21, x22, [sp, #32]\n    ldp x23, x24, [sp, #48]\n"
        "    ldp x25, x26, [sp, #64]\n    ldp x27, x28, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n    ldp d10, d11, [sp, #112]\n    ldp d12, d13, [sp, #128]\n"
        "    ldp d14, d15, [sp, #144]\n"
        "    ldp x29, x30, [sp], #176\n    ret\n"
        ".size harness_switch_with_patterns, .-harness_switch_with_patterns\n");
static uint64_t pattern_expected(uint64_t salt, int index) {
    return salt + (uint64_t)(index < 10 ? 19 + index : 108 + (index - 10));
}
#endif

static weave_context pattern_context;

static void check_patterns(const uint64_t *out, uint64_t salt, const char *who) {
    for (int i = 0; i < pattern_registers; i++) {
        CHECK(out[i] == pattern_expected(salt, i), "%s: callee-saved register #%d is %#" PRIx64 ", expected %#" PRIx64,
              who, i, out[i], pattern_expected(salt, i));
    }
}

static void pattern_entry(void *arg, void *value) {
    (void)arg;
    uint64_t out[pattern_registers];
    for (uint64_t round = 1;; round++) {
        uint64_t salt = 0x5a5a000000000000ull + (round << 12);
        // Trash from this side too, alternately: patterns, then garbage.
        value = harness_switch_with_patterns(&pattern_context, &main_context, value, out, salt);
        check_patterns(out, salt, "context");
        value = trash_registers_and_switch(&pattern_context, &main_context, value);
    }
}

static void test_register_patterns(void) {
    weave_stack stack = map_stack(64 * 1024);
    make_context(&pattern_context, "patterns", pattern_entry, NULL);
    weave_context_prepare(&pattern_context, &stack);
    uint64_t out[pattern_registers];
    for (uint64_t round = 1; round <= 1000; round++) {
        uint64_t salt = 0x3c3c000000000000ull + (round << 12);
        void *value = harness_switch_with_patterns(&main_context, &pattern_context, (void *)round, out, salt);
        CHECK((uint64_t)(uintptr_t)value == round, "value %p", value);
        check_patterns(out, salt, "main");
    }
    // pattern_context stays suspended; its stack stays mapped.
}

// Main's callee-saved registers, with main as the one switching out.
static weave_context main_trasher_context;

static void main_trasher_entry(void *arg, void *value) {
    (void)arg;
    for (;;) {
        value = trash_registers_and_switch(&main_trasher_context, &main_context, value);
    }
}

static void yield_main_to_trasher(void) {
    void *value = weave_context_switch(&main_context, &main_trasher_context, (void *)(uintptr_t)0x55);
    CHECK((uintptr_t)value == 0x55, "main resumed with %p", value);
}

static void test_main_registers(void) {
    struct register_result expected = many_live(77, no_yield);
    weave_stack stack = map_stack(64 * 1024);
    make_context(&main_trasher_context, "main-trasher", main_trasher_entry, NULL);
    weave_context_prepare(&main_trasher_context, &stack);
    struct register_result actual = many_live(77, yield_main_to_trasher);
    CHECK(actual.integer == expected.integer, "integers: %lu != %lu", actual.integer, expected.integer);
    CHECK(memcmp(&actual.floating, &expected.floating, sizeof(double)) == 0, "doubles");
    // main_trasher_context stays suspended forever; its stack is left mapped.
}

// ---------------------------------------------------------------------------------------
// Test: FP control state per context. Each context sets its own rounding mode; every
// resume must find it again, checked through fegetround and through actual arithmetic in
// double (SSE/FPCR) and long double (x87 on x86_64).

static volatile double fp_one = 1.0, fp_three = 3.0;
static volatile long double fp_wide_one = 1.0L, fp_wide_three = 3.0L;

struct rounding_fingerprint {
    double third;
    double negative_third;
    long double wide_third;
};

__attribute__((noinline)) static struct rounding_fingerprint fingerprint(void) {
    struct rounding_fingerprint f;
    f.third = fp_one / fp_three;
    f.negative_third = -fp_one / fp_three;
    f.wide_third = fp_wide_one / fp_wide_three;
    return f;
}

static const int rounding_modes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
static struct rounding_fingerprint rounding_fingerprints[4];

static const char *rounding_name(int mode) {
    switch (mode) {
    case FE_TONEAREST: return "to-nearest";
    case FE_UPWARD: return "upward";
    case FE_DOWNWARD: return "downward";
    case FE_TOWARDZERO: return "toward-zero";
    default: return "unknown";
    }
}

static void check_rounding(int index, const char *who) {
    int mode = fegetround();
    CHECK(mode == rounding_modes[index], "%s: fegetround %s, expected %s", who, rounding_name(mode),
          rounding_name(rounding_modes[index]));
    struct rounding_fingerprint f = fingerprint();
    CHECK(f.third == rounding_fingerprints[index].third &&
              f.negative_third == rounding_fingerprints[index].negative_third,
          "%s: double arithmetic rounds wrong for %s", who, rounding_name(rounding_modes[index]));
    CHECK(f.wide_third == rounding_fingerprints[index].wide_third, "%s: long double arithmetic rounds wrong for %s",
          who, rounding_name(rounding_modes[index]));
}

static void compute_rounding_fingerprints(void) {
    int saved = fegetround();
    for (int index = 0; index < 4; index++) {
        fesetround(rounding_modes[index]);
        rounding_fingerprints[index] = fingerprint();
    }
    fesetround(saved);
}

enum { fp_contexts = 3, fp_rounds = 200 };
static weave_context fp_context[fp_contexts];

static void fp_entry(void *arg, void *value) {
    int me = (int)(intptr_t)arg;
    int index = me + 1;  // contexts take upward, downward, toward-zero
    (void)value;
    fesetround(rounding_modes[index]);
    for (int round = 0; round < fp_rounds; round++) {
        check_rounding(index, fp_context[me].name);
        weave_context *next = me + 1 < fp_contexts ? &fp_context[me + 1] : &main_context;
        value = trash_registers_and_switch(&fp_context[me], next, value);
        check_rounding(index, fp_context[me].name);
    }
    weave_context_exit(&fp_context[me], &main_context, (void *)(uintptr_t)me);
}

static void test_fp_control(void) {
    compute_rounding_fingerprints();
    int distinct = rounding_fingerprints[1].third != rounding_fingerprints[2].third &&
                   rounding_fingerprints[1].wide_third != rounding_fingerprints[2].wide_third;
    CHECK(distinct, "the rounding modes do not change arithmetic on this machine");
    weave_stack stacks[fp_contexts];
    for (int i = 0; i < fp_contexts; i++) {
        char name[16];
        snprintf(name, sizeof name, "fp%d", i);
        stacks[i] = map_stack(64 * 1024);
        make_context(&fp_context[i], name, fp_entry, (void *)(intptr_t)i);
        weave_context_prepare(&fp_context[i], &stacks[i]);
    }
    fesetround(FE_TONEAREST);
    // Round-robin: main -> fp0 -> fp1 -> fp2 -> main.
    for (int round = 0; round < fp_rounds; round++) {
        check_rounding(0, "main");
        weave_context_switch(&main_context, &fp_context[0], NULL);
        check_rounding(0, "main");
    }
    for (int i = 0; i < fp_contexts; i++) {
        void *result = weave_context_switch(&main_context, &fp_context[i], NULL);
        CHECK((uintptr_t)result == (uintptr_t)i, "fp%d exit %p", i, result);
        check_rounding(0, "main");
    }
    fesetround(FE_TONEAREST);
    for (int i = 0; i < fp_contexts; i++) {
        weave_stack_unmap(&stacks[i]);
    }
}

// ---------------------------------------------------------------------------------------
// Test: the port contract for weave_switch_stack_relocating. `relocate` is an ordinary C
// function, so it may leave anything in the caller-saved registers. This one leaves the
// resumed context's own FP control values in them (the worst case for a port that keeps
// the outgoing values in caller-saved registers across the call to decide whether to
// reload): the resumed context must still get its rounding mode back.

static weave_context contract_context;
static weave_stack contract_scratch;
static uintptr_t contract_control[2];  // the resumed context's MXCSR and x87 CW, or FPCR

static void read_fp_control(uintptr_t out[2]) {
#if defined(__x86_64__)
    uint32_t mxcsr;
    uint16_t control;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(control));
    out[0] = mxcsr;
    out[1] = control;
#else
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    out[0] = (uintptr_t)fpcr;
    out[1] = (uintptr_t)fpcr;
#endif
}

__attribute__((noinline)) static void *clobbering_relocate(void *arg) {
    weave_context *context = arg;
    void *sp = context->sp;
#if defined(__x86_64__)
    __asm__ volatile(
        "movq %0, %%r8\n\tmovq %0, %%r9\n\tmovq %0, %%r10\n\tmovq %0, %%rcx\n\tmovq %0, %%rdx\n\t"
        "movq %1, %%r11\n\tmovq %1, %%rsi\n\tmovq %1, %%rdi\n\t"
        :
        : "m"(contract_control[0]), "m"(contract_control[1])
        : "r8", "r9", "r10", "r11", "rcx", "rdx", "rsi", "rdi");
#else
    __asm__ volatile(
        "ldr x9, %0\n\tmov x10, x9\n\tmov x11, x9\n\tmov x12, x9\n\tmov x13, x9\n\t"
        "mov x14, x9\n\tmov x15, x9\n\tmov x16, x9\n\tmov x17, x9\n\t"
        :
        : "m"(contract_control[0])
        : "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17");
#endif
    return sp;
}

static void contract_entry(void *arg, void *value) {
    (void)arg;
    (void)value;
    fesetround(FE_DOWNWARD);
    read_fp_control(contract_control);
    for (;;) {  // stays suspended when the test ends
        value = weave_context_switch(&contract_context, &main_context, NULL);
        CHECK((uintptr_t)value == 0x5e1f, "relocating switch value %p", value);
        check_rounding(2, "relocated context");
        fesetround(FE_DOWNWARD);
    }
}

static void test_relocating_contract(void) {
    compute_rounding_fingerprints();
    weave_stack stack = map_stack(64 * 1024);
    contract_scratch = map_stack(64 * 1024);
    make_context(&contract_context, "contract", contract_entry, NULL);
    weave_context_prepare(&contract_context, &stack);
    weave_context_switch(&main_context, &contract_context, NULL);
    for (int round = 0; round < 4; round++) {
        fesetround(round % 2 ? FE_UPWARD : FE_TONEAREST);
        // What weave_context_switch does around the jump, by hand.
        swift_task_exitThreadLocalContext((char *)main_context.tls_state);
        swift_task_enterThreadLocalContext((char *)contract_context.tls_state);
        void *value = weave_switch_stack_relocating(
            &main_context.sp, (void *)(uintptr_t)0x5e1f, clobbering_relocate, &contract_context,
            contract_scratch.mapping + contract_scratch.mapping_size);
        CHECK(value == NULL, "value back %p", value);
        check_rounding(round % 2 ? 1 : 0, "main after relocating switch");
    }
    fesetround(FE_TONEAREST);
    // contract_context stays suspended; its stack stays mapped. The plain switch the same way:
    swift_task_exitThreadLocalContext((char *)main_context.tls_state);
    swift_task_enterThreadLocalContext((char *)contract_context.tls_state);
    void *value = weave_switch_stack(&main_context.sp, contract_context.sp, (void *)(uintptr_t)0x5e1f);
    CHECK(value == NULL, "value back %p", value);
    check_rounding(0, "main after plain switch");
    weave_stack_unmap(&contract_scratch);
}

// ---------------------------------------------------------------------------------------
// Test: alignment at entry, for mapped and compact contexts, with odd-sized stacks.

static weave_context align_context;

static void align_entry(void *arg, void *value) {
    (void)arg;
    CHECK((uintptr_t)value == 0xa1, "value %p", value);
    check_alignment(align_context.name);
    weave_context_exit(&align_context, &main_context, (void *)(uintptr_t)0xa2);
}

static void test_alignment(void) {
    static const size_t sizes[] = {16 * 1024, 64 * 1024, 100 * 1024 + 8, 1024 * 1024};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        weave_stack stack = map_stack(sizes[i]);
        make_context(&align_context, "aligned", align_entry, NULL);
        weave_context_prepare(&align_context, &stack);
        void *result = weave_context_switch(&main_context, &align_context, (void *)(uintptr_t)0xa1);
        CHECK((uintptr_t)result == 0xa2, "exit value %p", result);
        weave_stack_unmap(&stack);
    }
    weave_shared_stack shared;
    CHECK(weave_shared_stack_create(128 * 1024, &shared) == 0, "shared stack");
    make_context(&align_context, "aligned-compact", align_entry, NULL);
    align_context.shared = &shared;
    weave_context_prepare(&align_context, NULL);
    void *result = weave_context_switch(&main_context, &align_context, (void *)(uintptr_t)0xa1);
    CHECK((uintptr_t)result == 0xa2, "compact exit value %p", result);
    CHECK(shared.occupant == NULL, "occupant after exit");
    weave_context_release_compact(&align_context);
    weave_shared_stack_destroy(&shared);
}

// ---------------------------------------------------------------------------------------
// Test: compact contexts. Contexts on two shared stacks, one on its own stack, and main
// switch among each other in a pseudo-random order (compact to compact on the same shared
// stack included). At every switch a compact context sits at the bottom of a recursion of
// random depth whose every frame holds a filled array; each frame checks its array after
// the switch. Every value handed over is checked.

enum {
    compact_on_first = 3,
    compact_on_second = 2,
    compact_participants = 1 + 1 + compact_on_first + compact_on_second,  // main, own-stack, compacts
    compact_steps = 20000,
    compact_frame_words = 61,
};

static weave_context *compact_context[compact_participants];  // [0] is main
static weave_context compact_storage[compact_participants];
static weave_shared_stack compact_shared[2];
static uint64_t compact_rng = 0x1234567;
static unsigned long compact_step;
static uintptr_t compact_in_flight;
static int compact_running;
static int compact_finishing;
static unsigned long compact_switches_by_kind[3];  // into compact via relocation, direct, other
static size_t compact_max_depth_seen;

static unsigned next_random(unsigned bound) {
    compact_rng = mix64(compact_rng + 0x9e3779b97f4a7c15ull);
    return (unsigned)(compact_rng % bound);
}

// Hands control from `me` to a random other participant (main once the steps are done).
static void compact_switch(int me) {
    int target;
    if (compact_step >= compact_steps) {
        target = 0;
    } else {
        target = (int)next_random(compact_participants - 1);
        if (target >= me) {
            target++;
        }
    }
    compact_step++;
    weave_context *to = compact_context[target];
    if (to->shared != NULL) {
        compact_switches_by_kind[to->shared->occupant == to ? 1 : 0]++;
    } else {
        compact_switches_by_kind[2]++;
    }
    uintptr_t token = (uintptr_t)compact_step << 8 | (uintptr_t)me;
    compact_in_flight = token;
    compact_running = target;
    void *value = weave_context_switch(compact_context[me], to, (void *)token);
    CHECK(compact_running == me, "%s resumed while %d should run", compact_context[me]->name, compact_running);
    CHECK((uintptr_t)value == compact_in_flight, "%s resumed with %p, expected %p", compact_context[me]->name,
          value, (void *)compact_in_flight);
    CHECK_RUNNING(compact_context[me]);
}

static uint32_t frame_word(int me, size_t depth, uint64_t salt, size_t index) {
    return (uint32_t)mix64(((uint64_t)me << 56) ^ ((uint64_t)depth << 40) ^ salt ^ index);
}

__attribute__((noinline)) static void compact_recurse(int me, size_t depth, uint64_t salt) {
    volatile uint32_t frame[compact_frame_words + 3 * (size_t)(depth % 4)];
    size_t words = sizeof frame / sizeof frame[0];
    for (size_t i = 0; i < words; i++) {
        frame[i] = frame_word(me, depth, salt, i);
    }
    if (depth == 0) {
        compact_switch(me);
    } else {
        compact_recurse(me, depth - 1, salt);
    }
    size_t wrong = 0;
    for (size_t i = 0; i < words; i++) {
        wrong += frame[i] != frame_word(me, depth, salt, i);
    }
    CHECK(wrong == 0, "%s: %zu of %zu words of the frame at depth %zu changed", compact_context[me]->name, wrong,
          words, depth);
}

static void compact_entry(void *arg, void *value) {
    int me = (int)(intptr_t)arg;
    CHECK((uintptr_t)value == compact_in_flight, "%s started with %p", compact_context[me]->name, value);
    CHECK(compact_running == me, "%s started out of turn", compact_context[me]->name);
    CHECK_RUNNING(compact_context[me]);
    check_alignment(compact_context[me]->name);
    // A long-lived local checked after every round too.
    volatile uint64_t own[32];
    for (int i = 0; i < 32; i++) {
        own[i] = mix64((uint64_t)me * 1000 + (uint64_t)i);
    }
    uint64_t round = 0;
    while (!compact_finishing) {
        size_t depth = next_random(24);
        if (depth > compact_max_depth_seen) {
            compact_max_depth_seen = depth;
        }
        compact_recurse(me, depth, mix64(round++ ^ (uint64_t)me));
        for (int i = 0; i < 32; i++) {
            CHECK(own[i] == mix64((uint64_t)me * 1000 + (uint64_t)i), "%s: long-lived local %d", compact_context[me]->name,
                  i);
        }
    }
    weave_context_exit(compact_context[me], &main_context, (void *)(uintptr_t)(0xe000 + me));
}

static void test_compact(void) {
    compact_context[0] = &main_context;
    weave_stack own_stack = map_stack(256 * 1024);
    CHECK(weave_shared_stack_create(256 * 1024, &compact_shared[0]) == 0, "shared stack 0");
    CHECK(weave_shared_stack_create(256 * 1024, &compact_shared[1]) == 0, "shared stack 1");
    for (int i = 1; i < compact_participants; i++) {
        char name[24];
        weave_context *context = &compact_storage[i];
        compact_context[i] = context;
        if (i == 1) {
            snprintf(name, sizeof name, "own-stack");
        } else {
            snprintf(name, sizeof name, "compact%d", i);
        }
        make_context(context, name, compact_entry, (void *)(intptr_t)i);
        if (i == 1) {
            weave_context_prepare(context, &own_stack);
        } else {
            context->shared = &compact_shared[i < 2 + compact_on_first ? 0 : 1];
            weave_context_prepare(context, NULL);
            CHECK(context->stack_low == context->shared->stack.mapping + context->shared->stack.guard_size,
                  "compact stack_low");
        }
    }
    while (compact_step < compact_steps) {
        compact_switch(0);
    }
    compact_finishing = 1;
    for (int i = 1; i < compact_participants; i++) {
        compact_in_flight = (uintptr_t)0xf1 << 8;
        compact_running = i;
        void *result = weave_context_switch(&main_context, compact_context[i], (void *)compact_in_flight);
        CHECK((uintptr_t)result == (uintptr_t)(0xe000 + i), "%s finished with %p", compact_context[i]->name, result);
        CHECK_RUNNING(&main_context);
    }
    CHECK(compact_shared[0].occupant == NULL && compact_shared[1].occupant == NULL, "occupants after exit");
    size_t parked_bytes = 0;
    for (int i = 2; i < compact_participants; i++) {
        parked_bytes += compact_context[i]->saved_capacity;
        weave_context_release_compact(compact_context[i]);
        CHECK(compact_context[i]->saved_bytes == NULL, "released");
    }
    CHECK(compact_switches_by_kind[0] > 1000 && compact_switches_by_kind[1] > 100,
          "switch mix: %lu relocating, %lu direct", compact_switches_by_kind[0], compact_switches_by_kind[1]);
    printf("      %lu steps: %lu relocating switches, %lu to the occupant, %lu to other contexts; "
           "depth up to %zu, %zu bytes parked at most\n",
           compact_step, compact_switches_by_kind[0], compact_switches_by_kind[1], compact_switches_by_kind[2],
           compact_max_depth_seen, parked_bytes);
    weave_shared_stack_destroy(&compact_shared[0]);
    weave_shared_stack_destroy(&compact_shared[1]);
    weave_stack_unmap(&own_stack);
}

// Compact edge cases: a compact context exiting straight into another compact context on
// the same shared stack; releasing a compact context that still occupies the shared stack
// (then starting another there); releasing a parked one.
static weave_context edge_a, edge_b, edge_c;
static weave_shared_stack edge_shared;

static void edge_a_entry(void *arg, void *value) {
    (void)arg;
    volatile char mark[512];
    memset((char *)mark, 'a', sizeof mark);
    value = weave_context_switch(&edge_a, &main_context, (void *)(uintptr_t)1);
    CHECK((uintptr_t)value == 2, "a resumed with %p", value);
    for (size_t i = 0; i < sizeof mark; i++) {
        CHECK(mark[i] == 'a', "a's bytes at %zu", i);
        if (mark[i] != 'a') break;
    }
    weave_context_exit(&edge_a, &edge_b, (void *)(uintptr_t)3);  // compact to compact
}

static void edge_b_entry(void *arg, void *value) {
    (void)arg;
    CHECK((uintptr_t)value == 3, "b started with %p", value);
    CHECK(edge_shared.occupant == &edge_b, "b occupies the shared stack");
    CHECK_RUNNING(&edge_b);
    volatile char mark[256];
    memset((char *)mark, 'b', sizeof mark);
    value = weave_context_switch(&edge_b, &main_context, (void *)(uintptr_t)4);
    CHECK(0, "b resumed after release");
    (void)value;
}

static void edge_c_entry(void *arg, void *value) {
    (void)arg;
    volatile char mark[128];
    memset((char *)mark, 'c', sizeof mark);
    value = weave_context_switch(&edge_c, &main_context, (void *)(uintptr_t)5);
    CHECK(0, "c resumed after release");
    (void)value;
}

static void test_compact_edges(void) {
    CHECK(weave_shared_stack_create(64 * 1024, &edge_shared) == 0, "shared stack");
    make_context(&edge_a, "edge-a", edge_a_entry, NULL);
    make_context(&edge_b, "edge-b", edge_b_entry, NULL);
    make_context(&edge_c, "edge-c", edge_c_entry, NULL);
    edge_a.shared = edge_b.shared = edge_c.shared = &edge_shared;
    weave_context_prepare(&edge_a, NULL);
    weave_context_prepare(&edge_b, NULL);
    weave_context_prepare(&edge_c, NULL);
    void *value = weave_context_switch(&main_context, &edge_a, NULL);
    CHECK((uintptr_t)value == 1, "a yielded %p", value);
    value = weave_context_switch(&main_context, &edge_c, NULL);  // parks a
    CHECK((uintptr_t)value == 5, "c yielded %p", value);
    CHECK(edge_shared.occupant == &edge_c && edge_a.saved_length > 0, "a parked, c occupies");
    weave_context_release_compact(&edge_c);  // c occupies: frees the shared stack
    CHECK(edge_shared.occupant == NULL, "release of the occupant frees the shared stack");
    value = weave_context_switch(&main_context, &edge_a, (void *)(uintptr_t)2);  // a exits into b
    CHECK((uintptr_t)value == 4, "b yielded %p", value);
    CHECK(edge_shared.occupant == &edge_b, "b occupies");
    weave_context_release_compact(&edge_a);
    weave_context_release_compact(&edge_b);
    CHECK(edge_shared.occupant == NULL && edge_a.saved_bytes == NULL && edge_b.saved_bytes == NULL, "released");
    weave_shared_stack_destroy(&edge_shared);
}

// ---------------------------------------------------------------------------------------
// Test: many contexts alive at once, round-robin.

enum { crowd_size = 200, crowd_rounds = 50 };
static weave_context crowd[crowd_size];

static void crowd_entry(void *arg, void *value) {
    intptr_t me = (intptr_t)arg;
    for (int round = 0; round < crowd_rounds; round++) {
        CHECK((intptr_t)value == round * crowd_size + me, "crowd %ld got %p", (long)me, value);
        CHECK_RUNNING(&crowd[me]);
        value = weave_context_switch(&crowd[me], &main_context, (void *)(me * 2));
    }
    weave_context_exit(&crowd[me], &main_context, (void *)(me * 3));
}

static void test_crowd(void) {
    static weave_stack stacks[crowd_size];
    for (int i = 0; i < crowd_size; i++) {
        stacks[i] = map_stack(16 * 1024);
        make_context(&crowd[i], "crowd", crowd_entry, (void *)(intptr_t)i);
        weave_context_prepare(&crowd[i], &stacks[i]);
    }
    for (int round = 0; round <= crowd_rounds; round++) {
        for (intptr_t i = 0; i < crowd_size; i++) {
            void *reply = weave_context_switch(&main_context, &crowd[i], (void *)(round * crowd_size + i));
            intptr_t expected = round < crowd_rounds ? i * 2 : i * 3;
            CHECK((intptr_t)reply == expected, "crowd reply %p", reply);
        }
    }
    for (int i = 0; i < crowd_size; i++) {
        weave_stack_unmap(&stacks[i]);
    }
}

// ---------------------------------------------------------------------------------------
// Test: the guard region below a mapped stack faults (checked in child processes).

static int child_touch_faults(volatile char *address, int write) {
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        if (write) {
            *address = 1;
        } else {
            (void)*address;
        }
        _exit(0);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child) {
        return -1;
    }
    return WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

static void test_guard(void) {
    weave_stack stack = map_stack(64 * 1024);
    CHECK(stack.guard_size >= 16 * 1024, "guard of %zu bytes", stack.guard_size);
    CHECK(((uintptr_t)(stack.mapping + stack.mapping_size) % weave_page_size()) == 0, "top page-aligned");
    char *usable = stack.mapping + stack.guard_size;
    usable[0] = 1;  // the lowest usable byte is usable
    usable[stack.mapping_size - stack.guard_size - 1] = 1;
    CHECK(child_touch_faults(usable - 1, 1) == 1, "writing just below the usable stack (%s guard) did not fault",
          weave_stack_guards_split_mappings() ? "mprotect" : "MADV_GUARD_INSTALL");
    CHECK(child_touch_faults(stack.mapping, 0) == 1, "reading the guard's lowest byte did not fault");
    printf("      guard: %zu bytes via %s\n", stack.guard_size,
           weave_stack_guards_split_mappings() ? "mprotect" : "MADV_GUARD_INSTALL");
    weave_stack_unmap(&stack);
}

// ---------------------------------------------------------------------------------------

static void test_exclusivity_hooks(void) {
    // Every switch exits once and enters only a context that has accesses to give back.
    CHECK(tls_head == (void *)&main_context, "main's access is the live one at the end");
    CHECK(tls_enters > 0 && tls_enters <= tls_exits + 1, "%lu enters, %lu exits", tls_enters, tls_exits);
    CHECK(tls_switches > 0, "no context checked its accesses");
    printf("      %lu exits, %lu enters; %lu checks of the live access\n", tls_exits, tls_enters, tls_switches);
}

int main(void) {
#if defined(__x86_64__)
    const char *arch = "x86_64";
#else
    const char *arch = "arm64";
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("context harness: %s, %s, page %zu\n", arch,
#if defined(__OPTIMIZE__)
           "optimised",
#else
           "unoptimised",
#endif
           weave_page_size());
    weave_context_init_thread_main(&main_context);
    CHECK(main_context.started == 1 && main_context.stack_low != NULL, "main context initialised");
    CHECK(weave_overflow_reporter_install_for_thread() == 0, "overflow reporter");

    run_test("ping-pong 2x1M round trips + exit", test_ping_pong);
    run_test("direct switches between contexts", test_direct_pair);
    run_test("callee-saved registers (context)", test_callee_saved_registers);
    run_test("callee-saved registers (main)", test_main_registers);
    run_test("callee-saved registers (asm)", test_register_patterns);
    run_test("FP control state per context", test_fp_control);
    run_test("relocating switch: FP control", test_relocating_contract);
    run_test("16-byte stack alignment at entry", test_alignment);
    run_test("compact contexts, 2 shared stacks", test_compact);
    run_test("compact edge cases", test_compact_edges);
    run_test("200 contexts round-robin", test_crowd);
    run_test("guard region faults", test_guard);
    run_test("exclusivity hooks alternate", test_exclusivity_hooks);

    weave_overflow_reporter_remove_for_thread();
    printf("context harness: %s: %d passed, %d failed\n", arch, harness_tests_passed, harness_tests_failed);
    return harness_tests_failed == 0 ? 0 : 1;
}
