import Foundation
import GreenHub
import GreenNet
import XCTest

/// GreenSubprocess's working directory and environment (`Popen(cwd=..., env=...)`).
final class SubprocessTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "weave-cwd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        directory = try XCTUnwrap(realpath(directory, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        })
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(atPath: directory)
    }

    func testTheCommandRunsInTheGivenDirectory() throws {
        let inside = try GreenSubprocess.run(["pwd"], directory: directory, timeout: 10)
        XCTAssertEqual(inside.status, 0)
        XCTAssertEqual(String(decoding: inside.output, as: UTF8.self), directory + "\n")
        let here = try GreenSubprocess.run(["pwd"], timeout: 10)
        XCTAssertEqual(String(decoding: here.output, as: UTF8.self), FileManager.default.currentDirectoryPath + "\n")
    }

    func testARelativeCommandIsFoundInTheGivenDirectory() throws {
        let script = directory + "/tool.sh"
        try "#!/bin/sh\necho from the tool\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let result = try GreenSubprocess.run(["./tool.sh"], directory: directory, timeout: 10)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(String(decoding: result.output, as: UTF8.self), "from the tool\n")
    }

    func testTheEnvironmentReplacesThisProcesss() throws {
        let result = try GreenSubprocess.run(
            ["sh", "-c", "echo \"$WEAVE_GREETING|$HOME\""], environment: ["WEAVE_GREETING=hello"], timeout: 10)
        XCTAssertEqual(String(decoding: result.output, as: UTF8.self), "hello|\n")
    }

    func testABadDirectoryIsAClearErrorAndLeavesNothingOpen() throws {
        let file = directory + "/plain-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let before = try openDescriptors()
        for (bad, expected) in [(directory + "/missing", GreenNetError.Code.subprocessFailed), (file, .subprocessFailed), ("", .invalidArgument)] {
            XCTAssertThrowsError(try GreenSubprocess(["pwd"], directory: bad, stdin: .pipe, stdout: .pipe, stderr: .pipe)) {
                let error = $0 as? GreenNetError
                XCTAssertEqual(error?.code, expected, "\($0)")
                XCTAssertTrue(error?.message.contains(bad.debugDescription) ?? false || bad.isEmpty, "\($0)")
            }
        }
        XCTAssertEqual(try openDescriptors(), before)
    }

    /// The descriptors this process holds open, by number.
    private func openDescriptors() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").sorted()
    }
}
