import Weave

extension Tour {
    /// Source program 2: two greenlets hand control back and forth with `switch()`, and the
    /// poem comes out in order.
    ///
    /// ```python
    /// from greenlet import greenlet
    /// def test1():
    ///     print("Two roads diverged in a yellow wood,")
    ///     gr2.switch()
    ///     print("And be one traveler, long I stood")
    ///     gr2.switch()
    /// def test2():
    ///     print("And sorry I could not travel both")
    ///     gr1.switch()
    ///     print("And looked down one as far as I could")
    /// gr1 = greenlet(test1)
    /// gr2 = greenlet(test2)
    /// gr1.switch()
    /// ```
    public func greenletPoem() throws {
        var gr1: Greenlet?
        var gr2: Greenlet?
        gr1 = Greenlet { _ in
            self.emit("Two roads diverged in a yellow wood,")
            try gr2?.switch()
            self.emit("And be one traveler, long I stood")
            try gr2?.switch()
            return nil
        }
        gr2 = Greenlet { _ in
            self.emit("And sorry I could not travel both")
            try gr1?.switch()
            self.emit("And looked down one as far as I could")
            return nil
        }
        try gr1?.switch()
        // gr2 finished and handed control back to main; gr1 is still suspended in its
        // second switch. Dropping the last reference throws GreenletExit into it.
        gr1 = nil
        gr2 = nil
    }
}
