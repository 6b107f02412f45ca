import CWeaveCurlRuntime

/// libcurl's blocking easy API, loaded when the tour runs rather than linked when it is
/// built, so that `weave` builds with the Swift toolchain alone and the crawl chapter finds
/// libcurl wherever its runtime library is installed (`libcurl.so.4`, else
/// `libcurl-gnutls.so.4`, which git's dependencies usually bring).
struct LibcurlEasy: Sendable {
    /// The file name of the library loaded.
    let library: String

    /// Loads libcurl (once per process; any thread). Wraps `weave_curl_runtime_load`.
    /// - Throws: ``TourError/libcurlMissing(_:)`` when neither library can be loaded.
    static func load() throws -> LibcurlEasy {
        guard let library = weave_curl_runtime_load() else {
            throw TourError.libcurlMissing(weave_curl_runtime_error().map { String(cString: $0) } ?? "dlopen failed")
        }
        return LibcurlEasy(library: String(cString: library))
    }

    /// GETs `url` with `curl_easy_perform`, blocking the calling thread (or, once
    /// `GreenPatch.patchAll()` is on, only the calling greenlet) until the page is in;
    /// returns the body's length in bytes. Any thread or greenlet may call it. Wraps
    /// `weave_curl_runtime_get`.
    /// - Parameter timeout: libcurl's `CURLOPT_TIMEOUT_MS`, in seconds.
    /// - Throws: ``TourError/fetchFailed(_:_:)`` for a libcurl error or an HTTP status of
    ///   400 or more.
    func get(_ url: String, timeout: Double) throws -> Int {
        var result = weave_curl_runtime_result()
        let code = weave_curl_runtime_get(url, Int((timeout * 1000).rounded()), &result)
        let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard code == 0 else { throw TourError.fetchFailed(url, "libcurl error \(code): \(message)") }
        guard result.status < 400 else { throw TourError.fetchFailed(url, "HTTP status \(result.status)") }
        return result.length
    }
}
