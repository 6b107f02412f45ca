import DequeModule
import GreenHub
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The listening half shared by ``GreenStreamListener`` and ``GreenHTTPServer``: binds with
/// `autoRead` off on the listening socket and on every accepted one, and hands accepted,
/// active channels to the greenlet waiting in `accept`.
///
/// It accepts only while a greenlet waits and nothing is queued, so connections wait in
/// the kernel's backlog rather than in memory.
final class GreenChannelListener {
    let channel: any Channel
    private let queue: GreenAcceptQueue
    private(set) var isClosed = false
    private var wakeSource = GreenWakeSource()

    private init(channel: any Channel, queue: GreenAcceptQueue) {
        self.channel = channel
        self.queue = queue
    }

    deinit {
        if !isClosed {
            channel.close(promise: nil)
        }
    }

    /// Where a listener listens.
    enum Target {
        case tcp(host: String, port: Int)
        case unixDomainSocket(path: String)
    }

    /// Binds `target`; `setUp` adds the handlers of each accepted channel.
    static func bind(
        _ target: Target,
        backlog: Int,
        reusePort: Bool,
        setUp: @escaping @Sendable (any Channel) throws -> Void
    ) throws -> GreenChannelListener {
        switch target {
        case .tcp(let host, let port):
            guard !host.isEmpty else {
                throw GreenNetError(.invalidArgument, "the host to bind is empty; pass \"127.0.0.1\", \"0.0.0.0\" or \"::\"")
            }
            try GreenAddress.check(port: port, allowZero: true)
        case .unixDomainSocket(let path):
            try GreenAddress.check(unixDomainSocketPath: path)
        }
        guard backlog > 0 else {
            throw GreenNetError(.invalidArgument, "the backlog must be 1 or more, not \(backlog)")
        }
        let hub = Hub.current
        let queue = GreenAcceptQueue()
        let boundQueue = NIOLoopBound(queue, eventLoop: hub.eventLoop)
        let bootstrap = ServerBootstrap(group: hub.eventLoop)
            .serverChannelOption(.backlog, value: Int32(clamping: backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: reusePort ? 1 : 0)
            .serverChannelOption(.autoRead, value: false)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GreenAcceptErrorHandler(queue: boundQueue.value))
                }
            }
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try setUp(channel)
                    try channel.pipeline.syncOperations.addHandler(GreenActiveNotifier(queue: boundQueue.value))
                }
            }
        let channel: any Channel
        do {
            switch target {
            case .tcp(let host, let port):
                channel = try bootstrap.bind(host: host, port: port).greenWait(until: GreenDeadline(nil))
            case .unixDomainSocket(let path):
                channel = try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
                    .greenWait(until: GreenDeadline(nil))
            }
        } catch where GreenNetError.isTransport(error) {
            throw GreenNetError(.bindFailed, "could not listen on \(target); the port may be in use, the address not on this host, or the path not writable", underlying: error)
        }
        return GreenChannelListener(channel: channel, queue: queue)
    }

    /// The port bound.
    var port: Int { channel.localAddress?.port ?? 0 }

    /// Waits in the calling greenlet for the next accepted channel.
    func accept(_ deadline: GreenDeadline) throws -> any Channel {
        while true {
            if let channel = queue.take() {
                return channel
            }
            if isClosed || queue.isClosed {
                throw GreenNetError(.serverStopped, "the listener is closed; make a new one to accept connections")
            }
            if let failure = queue.takeFailure() {
                throw GreenNetError(.bindFailed, "accepting a connection failed; if the process is out of file descriptors, raise `ulimit -n`", underlying: failure)
            }
            try queue.event.wait(on: self, detail: 0, until: deadline) {
                channel.read()
            }
        }
    }

    /// Stops listening and closes the channels accepted but not taken.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        wakeSource.end()
        channel.close(promise: nil)
        queue.closeAll()
    }
}

/// Channels accepted and not yet taken, and the wake-up of the greenlet in `accept`.
final class GreenAcceptQueue {
    private var ready = Deque<any Channel>()
    private var failure: (any Error)?
    private(set) var isClosed = false
    let event = GreenSignal()

    func deliver(_ channel: any Channel) {
        if isClosed {
            channel.close(promise: nil)
            return
        }
        ready.append(channel)
        event.signal()
    }

    func take() -> (any Channel)? {
        ready.popFirst()
    }

    func fail(_ error: any Error) {
        failure = error
        event.signal()
    }

    func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    func markClosed() {
        isClosed = true
        event.signal()
    }

    func closeAll() {
        isClosed = true
        while let channel = take() {
            channel.close(promise: nil)
        }
        event.signal()
    }
}

/// Last in an accepted channel's pipeline: queues the channel once it is active.
final class GreenActiveNotifier: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let queue: GreenAcceptQueue

    init(queue: GreenAcceptQueue) {
        self.queue = queue
    }

    func channelActive(context: ChannelHandlerContext) {
        queue.deliver(context.channel)
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// On the listening channel: reports accept errors and the channel's end to the queue.
final class GreenAcceptErrorHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    private let queue: GreenAcceptQueue

    init(queue: GreenAcceptQueue) {
        self.queue = queue
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        queue.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.markClosed()
        context.fireChannelInactive()
    }
}

extension GreenChannelListener: WaitDescribing {
    func describeWait(_ detail: UInt8) -> String {
        "a connection to accept on port \(port)"
    }
}
