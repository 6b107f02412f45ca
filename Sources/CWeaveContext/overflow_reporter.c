// Reports a greenlet's stack overflow by name instead of a bare SIGSEGV: a SIGSEGV/SIGBUS
// handler on an alternate signal stack checks whether the faulting address lies in (or
// just below) the running greenlet's guard region, prints which greenlet overflowed and
// how large its stack is, then lets the default action end the process. Any other fault
// goes to the handler that was installed before ours.
#define _GNU_SOURCE
#include "weave_context.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

_Thread_local weave_context *weave_running_context __attribute__((tls_model("initial-exec")));
static _Thread_local void *weave_alternate_stack __attribute__((tls_model("initial-exec")));
static struct sigaction weave_previous_segv;
static struct sigaction weave_previous_bus;
static pthread_once_t weave_handler_once = PTHREAD_ONCE_INIT;
static int weave_handler_failure;

enum { weave_alternate_stack_size = 64 * 1024, weave_guard_reach = 64 * 1024 };

static size_t weave_append(char *buffer, size_t at, size_t capacity, const char *text) {
    while (*text != '\0' && at + 1 < capacity) {
        buffer[at++] = *text++;
    }
    buffer[at] = '\0';
    return at;
}

static size_t weave_append_number(char *buffer, size_t at, size_t capacity, size_t number) {
    char digits[24];
    size_t count = 0;
    do {
        digits[count++] = (char)('0' + number % 10);
        number /= 10;
    } while (number != 0 && count < sizeof digits);
    while (count > 0 && at + 1 < capacity) {
        buffer[at++] = digits[--count];
    }
    buffer[at] = '\0';
    return at;
}

static void weave_forward(int signal_number, siginfo_t *info, void *ucontext) {
    struct sigaction *previous = signal_number == SIGBUS ? &weave_previous_bus : &weave_previous_segv;
    if ((previous->sa_flags & SA_SIGINFO) != 0 && previous->sa_sigaction != NULL) {
        previous->sa_sigaction(signal_number, info, ucontext);
        return;
    }
    if (previous->sa_handler == SIG_DFL || previous->sa_handler == SIG_IGN) {
        // Returning re-runs the faulting instruction, which now takes the default action.
        signal(signal_number, SIG_DFL);
        return;
    }
    previous->sa_handler(signal_number);
}

static void weave_fault_handler(int signal_number, siginfo_t *info, void *ucontext) {
    weave_context *context = weave_running_context;
    char *address = info->si_addr;
    if (context != NULL && context->guard_size != 0 && context->stack_low != NULL) {
        char *guard_low = context->stack_low - context->guard_size;
        char *reach_low = guard_low > (char *)weave_guard_reach ? guard_low - weave_guard_reach : NULL;
        if (address < context->stack_low && address >= reach_low) {
            char message[256];
            size_t at = weave_append(message, 0, sizeof message, "Weave: stack overflow in greenlet '");
            at = weave_append(message, at, sizeof message, context->name[0] ? context->name : "unnamed");
            at = weave_append(message, at, sizeof message, "' (stack of ");
            at = weave_append_number(message, at, sizeof message, context->stack_size);
            at = weave_append(message, at, sizeof message,
                              " bytes). Give it a larger stack with Greenlet(stackSize:) or "
                              "Greenlet.defaultStackSize.\n");
            ssize_t ignored = write(STDERR_FILENO, message, at);
            (void)ignored;
            signal(signal_number, SIG_DFL);
            return;
        }
    }
    weave_forward(signal_number, info, ucontext);
}

static void weave_install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = weave_fault_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &weave_previous_segv) != 0 ||
        sigaction(SIGBUS, &action, &weave_previous_bus) != 0) {
        weave_handler_failure = errno;
    }
}

int weave_overflow_reporter_install_for_thread(void) {
    pthread_once(&weave_handler_once, weave_install_handler);
    if (weave_handler_failure != 0) {
        return weave_handler_failure;
    }
    stack_t current;
    if (sigaltstack(NULL, &current) != 0) {
        return errno;
    }
    if ((current.ss_flags & SS_DISABLE) == 0) {
        return 0;
    }
    void *memory = mmap(NULL, weave_alternate_stack_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        return errno;
    }
    stack_t alternate = {.ss_sp = memory, .ss_size = weave_alternate_stack_size, .ss_flags = 0};
    if (sigaltstack(&alternate, NULL) != 0) {
        int failure = errno;
        munmap(memory, weave_alternate_stack_size);
        return failure;
    }
    weave_alternate_stack = memory;
    return 0;
}

void weave_overflow_reporter_remove_for_thread(void) {
    if (weave_alternate_stack == NULL) {
        return;
    }
    stack_t disable = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&disable, NULL);
    munmap(weave_alternate_stack, weave_alternate_stack_size);
    weave_alternate_stack = NULL;
}
