// libcurl's blocking easy API reached at run time: dlopen the installed runtime library
// (libcurl.so.4, else libcurl-gnutls.so.4) and dlsym the few functions a GET needs, so that
// an executable using it builds and runs on a machine without libcurl's headers and works
// wherever the runtime library is installed. The tour's crawl uses it.
#ifndef WEAVE_CURL_RUNTIME_H
#define WEAVE_CURL_RUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One GET's outcome.
typedef struct weave_curl_runtime_result {
    /// libcurl's CURLcode (0 is CURLE_OK); -1 when libcurl could not be loaded.
    int code;
    /// The HTTP status, 0 when no response came.
    long status;
    /// Bytes of body received.
    size_t length;
    /// libcurl's message, or the loader's, when code is not 0.
    char message[256];
} weave_curl_runtime_result;

/// Loads libcurl once per process (later calls return the first outcome): dlopen
/// "libcurl.so.4", falling back to "libcurl-gnutls.so.4", then dlsym curl_global_init,
/// curl_easy_init, curl_easy_setopt, curl_easy_perform, curl_easy_getinfo and
/// curl_easy_cleanup, and call curl_global_init. Thread-safe. Returns the file name of the
/// library loaded, or NULL when none could be; then `weave_curl_runtime_error` says why.
const char *weave_curl_runtime_load(void);

/// Why `weave_curl_runtime_load` failed (dlerror's last message), or NULL after a success.
const char *weave_curl_runtime_error(void);

/// GETs `url` with curl_easy_perform, blocking the caller until the page is in or
/// `timeout_ms` (0: no limit) passes; the body is counted, not kept. Thread-safe: each call
/// has its own easy handle. Loads libcurl first if needed. Returns the result's code.
int weave_curl_runtime_get(const char *url, long timeout_ms, weave_curl_runtime_result *result);

#ifdef __cplusplus
}
#endif

#endif
