// A blocking HTTP GET with libcurl's easy API (curl_easy_perform), as a C program would
// write it: the workload that shows GreenPatch making an unchanged blocking C library
// concurrent. Used by GreenPatch's tests and its benchmark; links libcurl.
#ifndef WEAVE_CURL_H
#define WEAVE_CURL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What one GET brought back.
typedef struct weave_curl_page {
    /// libcurl's result (CURLE_OK is 0).
    int curl_code;
    /// The HTTP status, 0 when no response came.
    long status;
    /// Bytes of body received.
    size_t length;
    /// libcurl's message when curl_code is not 0.
    char error[256];
} weave_curl_page;

/// GETs `url` with curl_easy_perform, blocking the caller until the page is in or
/// `timeout_ms` (0: no limit) passes. Thread-safe: each call has its own easy handle.
/// Returns the page's curl_code.
int weave_curl_get(const char *url, long timeout_ms, weave_curl_page *page);

#ifdef __cplusplus
}
#endif

#endif
