import CWeaveProcess

/// Decodes the raw `waitpid` status: Python's `exitcode` convention, where a negative code
/// is minus the signal that ended the process.
enum ProcessExitStatus {
    static func exitCode(fromRawStatus status: Int32) -> Int32 {
        weave_process_exit_code_from_status(status)
    }

    static func isTerminal(_ status: Int32) -> Bool {
        weave_process_status_is_terminal(status) != 0
    }
}
