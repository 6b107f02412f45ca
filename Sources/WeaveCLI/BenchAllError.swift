/// Why `weave bench all` could not hand over to its comparison driver, `bench/compare`.
enum BenchAllError: Error, CustomStringConvertible {
    /// No folder at or above the current directory holds an executable `bench/compare`:
    /// `weave bench all` was run outside a checkout of the Weave repository.
    case repositoryNotFound(searchedFrom: String)
    /// `execv` of the driver failed with this errno (Python 3 missing, or the script is
    /// not executable).
    case driverDidNotStart(path: String, errno: Int32)

    var description: String {
        switch self {
        case .repositoryNotFound(let start):
            "weave bench all runs bench/compare from the Weave repository, but there is no "
                + "executable bench/compare in \(start) or any folder above it: run it from "
                + "inside a checkout of the repository"
        case .driverDidNotStart(let path, let code):
            "could not start \(path) (errno \(code)): it needs python3 on PATH and must be "
                + "executable (git checkout restores its mode)"
        }
    }
}
