import CWeavePatch
import GreenHub
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A blocking pipe between greenlets of one thread: its mode, which other processes may
/// share, is never changed, and a blocking write larger than the pipe still moves every byte.
final class PipeHookTests: XCTestCase {
    func testAMebibyteThroughABlockingPipeBetweenGreenlets() throws {
        let lines = try runPatched {
            let (reader, writer) = makePipe()
            defer { close(reader) }
            let size = 1 << 20
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            var modeDuring = "not seen"
            let sender = Green.spawn { () -> Int in
                defer { close(writer) }
                return message.withUnsafeBytes { write(writer, $0.baseAddress, size) }
            }
            let receiver = Green.spawn { () -> [UInt8] in
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                // The sender ran first and now waits, in its write, for room in the pipe.
                modeDuring = fcntl(writer, F_GETFL) & O_NONBLOCK == 0 ? "blocking" : "non-blocking"
                while true {
                    let count = read(reader, &buffer, buffer.count)
                    if count <= 0 { break }
                    received += buffer[0..<count]
                }
                return received
            }
            let written = try sender.get()
            let received = try receiver.get()
            return ["wrote all: \(written == size)", "read all: \(received == message)", "writer was \(modeDuring)"]
        }
        XCTAssertEqual(lines, ["wrote all: true", "read all: true", "writer was blocking"])
    }

    func testTheFortifiedReadWaitsCooperativelyToo() throws {
        let lines = try runPatched {
            let (reader, writer) = makePipe()
            defer {
                close(reader)
                close(writer)
            }
            // If __read_chk blocked the thread, the writer could never run.
            let receiver = Green.spawn { () -> String in
                var byte: UInt8 = 0
                let count = __read_chk(reader, &byte, 1, 1)
                return "read \(count) \(byte)"
            }
            let sender = spawnLateWrite(of: 9, to: writer)
            try sender.get()
            return [try receiver.get()]
        }
        XCTAssertEqual(lines, ["read 1 9"])
    }
}
