#ifndef WEAVE_THREADING_H
#define WEAVE_THREADING_H

#include <stdint.h>

/// The kernel's id for the calling thread (Linux `gettid()`, which Glibc's Swift import
/// hides; `pthread_threadid_np` on Darwin).
uint64_t weave_threading_native_id(void);

/// Whether the calling thread is the process's main thread: on Linux the thread whose
/// id is the process id (after `fork`, the thread that forked); `pthread_main_np` on Darwin.
int weave_threading_is_main_thread(void);

#endif
