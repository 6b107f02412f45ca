// weave_curl_runtime: libcurl's easy API through dlopen/dlsym, with no libcurl header or
// link-time dependency. The option and info numbers are libcurl's stable ABI values, as
// curl/curl.h defines them (CURLOPTTYPE_OBJECTPOINT 10000, FUNCTIONPOINT 20000, LONG 0;
// CURLINFO_LONG 0x200000).
#define _GNU_SOURCE
#include "weave_curl_runtime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum {
    weave_curlopt_writedata = 10001,
    weave_curlopt_url = 10002,
    weave_curlopt_errorbuffer = 10010,
    weave_curlopt_writefunction = 20011,
    weave_curlopt_nosignal = 99,
    weave_curlopt_timeout_ms = 155,
    weave_curlinfo_response_code = 0x200002,
    weave_curl_global_default = 3,
    weave_curle_failed_init = 2,
};

typedef size_t (*weave_curl_write_fn)(char *, size_t, size_t, void *);

static struct {
    const char *library;
    char error[256];
    int (*global_init)(long);
    void *(*easy_init)(void);
    int (*easy_setopt)(void *, int, ...);
    int (*easy_perform)(void *);
    int (*easy_getinfo)(void *, int, ...);
    void (*easy_cleanup)(void *);
} weave_curl_runtime;

static pthread_once_t weave_curl_runtime_once = PTHREAD_ONCE_INIT;

static int weave_curl_runtime_bind(void *library) {
    // POSIX lets a data pointer carry a function's address (dlsym's contract).
    *(void **)&weave_curl_runtime.global_init = dlsym(library, "curl_global_init");
    *(void **)&weave_curl_runtime.easy_init = dlsym(library, "curl_easy_init");
    *(void **)&weave_curl_runtime.easy_setopt = dlsym(library, "curl_easy_setopt");
    *(void **)&weave_curl_runtime.easy_perform = dlsym(library, "curl_easy_perform");
    *(void **)&weave_curl_runtime.easy_getinfo = dlsym(library, "curl_easy_getinfo");
    *(void **)&weave_curl_runtime.easy_cleanup = dlsym(library, "curl_easy_cleanup");
    return weave_curl_runtime.global_init && weave_curl_runtime.easy_init && weave_curl_runtime.easy_setopt
        && weave_curl_runtime.easy_perform && weave_curl_runtime.easy_getinfo && weave_curl_runtime.easy_cleanup;
}

static void weave_curl_runtime_open(void) {
    static const char *const names[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) {
            snprintf(weave_curl_runtime.error, sizeof weave_curl_runtime.error, "%s", dlerror());
            continue;
        }
        if (!weave_curl_runtime_bind(library)) {
            snprintf(weave_curl_runtime.error, sizeof weave_curl_runtime.error,
                     "%s lacks libcurl's easy API", names[i]);
            dlclose(library);
            continue;
        }
        weave_curl_runtime.global_init(weave_curl_global_default);
        weave_curl_runtime.library = names[i];
        return;
    }
}

const char *weave_curl_runtime_load(void) {
    pthread_once(&weave_curl_runtime_once, weave_curl_runtime_open);
    return weave_curl_runtime.library;
}

const char *weave_curl_runtime_error(void) {
    return weave_curl_runtime_load() == NULL ? weave_curl_runtime.error : NULL;
}

static size_t weave_curl_runtime_count(char *data, size_t size, size_t count, void *context) {
    (void)data;
    ((weave_curl_runtime_result *)context)->length += size * count;
    return size * count;
}

int weave_curl_runtime_get(const char *url, long timeout_ms, weave_curl_runtime_result *result) {
    memset(result, 0, sizeof *result);
    if (weave_curl_runtime_load() == NULL) {
        result->code = -1;
        snprintf(result->message, sizeof result->message, "%s", weave_curl_runtime.error);
        return result->code;
    }
    void *handle = weave_curl_runtime.easy_init();
    if (handle == NULL) {
        result->code = weave_curle_failed_init;
        snprintf(result->message, sizeof result->message, "curl_easy_init failed");
        return result->code;
    }
    weave_curl_write_fn count = weave_curl_runtime_count;
    weave_curl_runtime.easy_setopt(handle, weave_curlopt_url, url);
    weave_curl_runtime.easy_setopt(handle, weave_curlopt_writefunction, count);
    weave_curl_runtime.easy_setopt(handle, weave_curlopt_writedata, (void *)result);
    weave_curl_runtime.easy_setopt(handle, weave_curlopt_errorbuffer, result->message);
    weave_curl_runtime.easy_setopt(handle, weave_curlopt_nosignal, 1L);
    weave_curl_runtime.easy_setopt(handle, weave_curlopt_timeout_ms, timeout_ms);
    result->code = weave_curl_runtime.easy_perform(handle);
    weave_curl_runtime.easy_getinfo(handle, weave_curlinfo_response_code, &result->status);
    weave_curl_runtime.easy_cleanup(handle);
    return result->code;
}
