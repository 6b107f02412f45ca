#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import WeaveTestSupport
@testable import Multiprocessing

final class SharedMemoryTests: XCTestCase {
    override func setUp() {
        Multiprocessing.warnsOnMultithreadedFork = false
    }

    func testSharedValueAndArray() throws {
        let value = try SharedValue<Double>(1.5, locked: false)
        let array = try SharedArray<Int32>([1, 2, 3])
        let child = ChildProcess(startMethod: .fork) {
            value.value *= 2
            try array.withLock { elements in for i in elements.indices { elements[i] *= 10 } }
        }
        try child.start()
        try child.join()
        XCTAssertEqual(value.value, 3)
        XCTAssertEqual(array.array, [10, 20, 30])
        XCTAssertThrowsError(try value.withLock { _ in })
        XCTAssertThrowsError(try SharedArray<Int>(repeating: 0, count: -1))
    }

    func testSegmentCreateAttachUnlink() throws {
        let name = "weave-test-\(getpid())-basic"
        let segment = try SharedMemorySegment.create(name: name, size: 100)
        segment.bytes.storeBytes(of: 0xC0FFEE, as: Int.self)
        XCTAssertThrowsError(try SharedMemorySegment.create(name: name, size: 100))
        let attached = try SharedMemorySegment.attach(name: name)
        XCTAssertEqual(attached.size, 100)
        XCTAssertEqual(attached.bytes.load(as: Int.self), 0xC0FFEE)
        XCTAssertThrowsError(try attached.unlink()) { XCTAssertEqual(($0 as? MultiprocessingError)?.code, .invalidArgument) }
        try segment.unlink()
        XCTAssertEqual(attached.bytes.load(as: Int.self), 0xC0FFEE, "mappings outlive the name")
        XCTAssertThrowsError(try SharedMemorySegment.attach(name: name)) { XCTAssertEqual(($0 as? MultiprocessingError)?.errno, ENOENT) }
        XCTAssertThrowsError(try SharedMemorySegment.create(size: 0))
        attached.close()
        segment.close()
    }

    /// Shared memory leaves nothing in /dev/shm after a normal exit, a SIGTERM or a SIGKILL.
    func testNoSegmentOutlivesItsCreator() throws {
        #if os(Linux)
        let ready = try ProcessQueue<String>()
        for ending in ["exit", "sigterm", "sigkill"] {
            let prefix = "weave-test-\(getpid())-\(ending)"
            let creator = ChildProcess(startMethod: .fork) {
                let segment = try SharedMemorySegment.create(name: prefix, size: 4096)
                segment.bytes[0] = 1
                try ready.put(segment.name)
                if ending != "exit" { while true { usleep(100_000) } }
            }
            try creator.start()
            XCTAssertEqual(try ready.get(timeout: 30), "/" + prefix)
            if ending == "sigterm" { try creator.terminate() }
            if ending == "sigkill" { try creator.kill() }
            try creator.join()
            XCTAssertTrue(
                ChildProcessTestSupport.eventually(within: 10) {
                    ChildProcessTestSupport.sharedMemoryNames(withPrefix: prefix).isEmpty
                }, "segment left behind after \(ending)")
        }
        #endif
    }
}
