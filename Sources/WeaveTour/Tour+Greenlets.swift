import Weave

extension Tour {
    /// Source program 2, line by line: two greenlets hand the CPU to each other with
    /// `switch()`, and the poem comes out in order. The program's `time.sleep(3)` calls
    /// block the thread, as they do in Python: a greenlet runs until it switches.
    ///
    /// ```python
    /// def func1():
    ///     print("开门走进卫生间")
    ///     time.sleep(3)
    ///     gr2.switch()  # 把CPU执行权交给gr2
    ///     print("飞流直下三千尺")
    ///     time.sleep(3)
    ///     gr2.switch()
    /// def func2():
    ///     print("一看拖把放旁边")
    ///     time.sleep(3)
    ///     gr1.switch()
    ///     print("疑是银河落九天")
    /// gr1 = greenlet(func1)
    /// gr2 = greenlet(func2)
    /// gr1.switch()  # 把CPU执行权先给gr1
    /// ```
    public func greenletProgram() throws {
        let scale = timeScale
        var gr1: Greenlet?
        var gr2: Greenlet?
        func func1() throws {
            say("开门走进卫生间", "I open the door and walk into the washroom")
            Tour.pause(seconds: 3 * scale)
            try gr2?.switch()  // hand the CPU to gr2

            say("飞流直下三千尺", "The torrent plunges three thousand feet")
            Tour.pause(seconds: 3 * scale)
            try gr2?.switch()
        }
        func func2() throws {
            say("一看拖把放旁边", "and see the mop standing beside it")
            Tour.pause(seconds: 3 * scale)
            try gr1?.switch()

            say("疑是银河落九天", "as if the Milky Way fell from the ninth heaven")
        }
        gr1 = Greenlet { _ in try func1(); return nil }
        gr2 = Greenlet { _ in try func2(); return nil }
        try gr1?.switch()  // hand the CPU to gr1 first
        // gr2 finished and handed control back to main; gr1 is still suspended in its
        // second switch. Dropping the last reference throws GreenletExit into it, as
        // Python's garbage collector does.
        gr1 = nil
        gr2 = nil
    }
}
