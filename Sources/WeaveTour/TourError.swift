#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a tour step failed.
enum TourError: Error, CustomStringConvertible {
    /// A socket call of the lesson's blocking client failed.
    case socket(String, Int32)
    /// The models disagreed on a workload's result.
    case resultsDiffer(String)
    /// Neither `libcurl.so.4` nor `libcurl-gnutls.so.4` could be loaded; the reason is
    /// `dlopen`'s.
    case libcurlMissing(String)
    /// A page of the crawl could not be fetched: its URL, and libcurl's error or the HTTP
    /// status.
    case fetchFailed(String, String)
    /// A crawl's process failed or stopped reporting.
    case crawlFailed(String)

    var description: String {
        switch self {
        case .socket(let call, let code): "\(call)() failed: \(String(cString: strerror(code)))"
        case .resultsDiffer(let detail): "the models disagree: \(detail)"
        case .libcurlMissing(let reason):
            "libcurl is not installed (\(reason)); install its runtime library (Debian: apt-get install libcurl4) to see the crawl"
        case .fetchFailed(let url, let detail): "fetching \(url) failed: \(detail); check that the URL answers"
        case .crawlFailed(let detail): "the crawl failed: \(detail)"
        }
    }
}
