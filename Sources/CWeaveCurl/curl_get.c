// weave_curl_get: libcurl's easy API, blocking, exactly as unchanged C code uses it.
#include "weave_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t weave_curl_once = PTHREAD_ONCE_INIT;

static void weave_curl_global_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t weave_curl_count(char *data, size_t size, size_t count, void *context) {
    (void)data;
    weave_curl_page *page = context;
    page->length += size * count;
    return size * count;
}

int weave_curl_get(const char *url, long timeout_ms, weave_curl_page *page) {
    memset(page, 0, sizeof *page);
    pthread_once(&weave_curl_once, weave_curl_global_init);
    CURL *handle = curl_easy_init();
    if (handle == NULL) {
        page->curl_code = CURLE_FAILED_INIT;
        strcpy(page->error, "curl_easy_init failed");
        return page->curl_code;
    }
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, weave_curl_count);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, page);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, page->error);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    page->curl_code = curl_easy_perform(handle);
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &page->status);
    curl_easy_cleanup(handle);
    return page->curl_code;
}
