import GreenHub
import GreenPatch
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// sleep, usleep, nanosleep and clock_nanosleep made by greenlets sleep on the hub.
final class SleepHookTests: XCTestCase {
    func testGlibcSleepInAHundredGreenletsTakesAboutOneSecondInAll() throws {
        let lines = try runPatched {
            var woke = 0
            let elapsed = elapsedSeconds {
                let sleepers = (0..<100).map { _ in
                    Green.spawn {
                        let left = Glibc.sleep(1)
                        woke += 1
                        return left
                    }
                }
                for sleeper in sleepers { _ = try? sleeper.get() }
            }
            // Serially this is 100 s; together about 1 s.
            return ["woke \(woke)", "at least 1 s: \(elapsed >= 0.99)", "well under 100 s: \(elapsed < 10)"]
        }
        XCTAssertEqual(lines, ["woke 100", "at least 1 s: true", "well under 100 s: true"])
    }

    func testEverySleepFunctionLetsTheOthersRun() throws {
        let lines = try runPatched {
            var answers: [String] = []
            let ticker = Ticker()
            let elapsed = try elapsedSeconds {
                let sleepers = [
                    Green.spawn { "usleep \(usleep(200_000))" },
                    Green.spawn { () -> String in
                        var request = timespec(tv_sec: 0, tv_nsec: 200_000_000)
                        return "nanosleep \(nanosleep(&request, nil))"
                    },
                    Green.spawn { () -> String in
                        var request = timespec(tv_sec: 0, tv_nsec: 200_000_000)
                        return "clock_nanosleep \(clock_nanosleep(CLOCK_MONOTONIC, 0, &request, nil))"
                    },
                    Green.spawn { () -> String in
                        var deadline = timespec()
                        clock_gettime(CLOCK_MONOTONIC, &deadline)
                        deadline.tv_nsec += 200_000_000
                        if deadline.tv_nsec >= 1_000_000_000 {
                            deadline.tv_sec += 1
                            deadline.tv_nsec -= 1_000_000_000
                        }
                        return "absolute \(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil))"
                    },
                ]
                answers += try sleepers.map { try $0.get() }
            }
            let ticks = try ticker.stop()
            // Four 0.2 s sleeps side by side, with the ticker running all along.
            answers.append("together: \(elapsed < 0.7)")
            answers.append("ticked: \(ticks >= 5)")
            return answers
        }
        XCTAssertEqual(lines, [
            "usleep 0", "nanosleep 0", "clock_nanosleep 0", "absolute 0", "together: true", "ticked: true",
        ])
    }

    func testAnInvalidSleepFailsAsUnpatched() throws {
        let lines = try runPatched {
            let sleeper = Green.spawn { () -> [String] in
                var bad = timespec(tv_sec: 0, tv_nsec: 2_000_000_000)
                let result = nanosleep(&bad, nil)
                let error = errno
                return [outcome(Int(result), error), "clock_nanosleep \(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, nil) == EINVAL)"]
            }
            return try sleeper.get()
        }
        XCTAssertEqual(lines, ["-1 EINVAL", "clock_nanosleep true"])
    }
}
