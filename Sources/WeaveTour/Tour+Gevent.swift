import Weave

extension Tour {
    /// Source program 3, line by line: four green threads whose `gevent.sleep` calls hand
    /// the CPU to whichever is awake. The lines come out in time order, and the whole run
    /// takes the longest chain (14 s), not the sum of all the sleeps (44 s).
    ///
    /// ```python
    /// def func1():
    ///     gevent.sleep(1)
    ///     print("大梦谁先觉")
    ///     gevent.sleep(13)
    ///     print("1:over")
    /// def func2():
    ///     gevent.sleep(3)
    ///     print("平生我自知")
    ///     gevent.sleep(9)
    ///     print("2:over")
    /// def func3():
    ///     gevent.sleep(5)
    ///     print("草堂春睡足")
    ///     gevent.sleep(5)
    ///     print("3:over")
    /// def func4():
    ///     gevent.sleep(7)
    ///     print("窗外日迟迟")
    ///     gevent.sleep(1)
    ///     print("4:over")
    /// def simpleGevent():
    ///     gr1 = gevent.spawn(func1)
    ///     gr2 = gevent.spawn(func2)
    ///     gr3 = gevent.spawn(func3)
    ///     gr4 = gevent.spawn(func4)
    ///     gevent.joinall([gr1, gr2, gr3, gr4])
    /// ```
    public func geventProgram() throws {
        let scale = timeScale
        func func1() throws {
            try Green.sleep(1 * scale)
            say("大梦谁先觉", "Who wakes first from the great dream?")

            try Green.sleep(13 * scale)
            say("1:over")
        }
        func func2() throws {
            try Green.sleep(3 * scale)
            say("平生我自知", "All my life I have known it myself.")

            try Green.sleep(9 * scale)
            say("2:over")
        }
        func func3() throws {
            try Green.sleep(5 * scale)
            say("草堂春睡足", "In the thatched hut my spring sleep is deep;")

            try Green.sleep(5 * scale)
            say("3:over")
        }
        func func4() throws {
            try Green.sleep(7 * scale)
            say("窗外日迟迟", "outside the window the sun climbs slowly.")

            try Green.sleep(1 * scale)
            say("4:over")
        }
        func simpleGevent() throws {
            let gr1 = Green.spawn(func1)
            let gr2 = Green.spawn(func2)
            let gr3 = Green.spawn(func3)
            let gr4 = Green.spawn(func4)
            try Green.joinAll([
                gr1, gr2, gr3, gr4,
            ], raiseError: true)
        }
        let start = Tour.now()
        try simpleGevent()
        let total = (Tour.now() - start) / scale
        note("took \(Tour.tenths(total)) s of the program's time: the longest chain is 14 s, all the sleeps add up to 44 s")
    }
}
