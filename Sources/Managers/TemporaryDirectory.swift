#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory temporary sockets go in: `$TMPDIR` when set (`getenv`), else `/tmp`.
enum TemporaryDirectory {
    static var path: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 {
            let text = String(cString: value)
            return text.hasSuffix("/") && text.count > 1 ? String(text.dropLast()) : text
        }
        return "/tmp"
    }
}
