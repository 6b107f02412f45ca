import AsyncHTTPClient
import GreenHub
import NIOCore
import NIOHTTP1
import WeaveDurations

// MARK: Streaming bodies

extension GreenHTTPClient {
    /// Sends a request and hands the response body to `onChunk` piece by piece as it
    /// arrives, in the calling greenlet — `requests.get(url, stream=True)` with
    /// `iter_content()`.
    ///
    /// The connection reads the next piece only after `onChunk` has returned, so a slow
    /// consumer slows the download instead of buffering it.
    ///
    /// Call on the hub's thread.
    /// - Parameters:
    ///   - method: The method, such as `"GET"`.
    ///   - url: An absolute `http://` or `https://` URL.
    ///   - headers: Header fields to send.
    ///   - body: The body to send, if any.
    ///   - timeout: Seconds for the whole exchange; `nil` uses the configuration's.
    ///   - onChunk: Receives each piece of the body; throwing cancels the request.
    /// - Returns: The status and headers (the body went to `onChunk`).
    /// - Throws: What `onChunk` throws; as ``request(_:_:headers:body:timeout:)``.
    @DurationOverload
    @discardableResult
    public func stream(
        _ method: String = "GET",
        _ url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Double? = nil,
        onChunk: ([UInt8]) throws -> Void
    ) throws -> GreenHTTPResponse {
        var hop = RequestHop(method: method, url: url, headers: headers, body: body)
        let limit = timeout ?? configuration.timeout
        let deadline = try GreenDeadline(limit)
        let end = limit.map { NIODeadline.now() + Self.amount($0) }
        var visited: [String] = []
        while true {
            switch try streamOnce(hop, limit: limit, deadline: deadline, end: end, visited: &visited, onChunk: onChunk) {
            case .finished(let response):
                return response
            case .redirected(let next):
                hop = next
            }
        }
    }

    private enum StreamOutcome {
        case finished(GreenHTTPResponse)
        case redirected(RequestHop)
    }

    /// Sends one request of a streaming call and hands its body to `onChunk`, unless its
    /// response is a redirect the client follows itself.
    private func streamOnce(
        _ hop: RequestHop,
        limit: Double?,
        deadline: GreenDeadline,
        end: NIODeadline?,
        visited: inout [String],
        onChunk: ([UInt8]) throws -> Void
    ) throws -> StreamOutcome {
        let outgoing = try prepare(hop)
        let loop = hub.eventLoop!
        let delegate = GreenStreamingDelegate(loop: loop)
        let task = try engine(for: outgoing).execute(
            request: outgoing, delegate: delegate, eventLoop: .delegateAndChannel(on: loop), deadline: end)
        defer {
            if !delegate.finished {
                task.cancel()
            }
            delegate.resumeReading()
        }
        var headChecked = false
        while true {
            if let failure = delegate.failure {
                throw translate(failure, method: hop.method, url: hop.url, limit: limit)
            }
            if !headChecked, let head = delegate.head {
                headChecked = true
                if let next = try nextHop(after: hop, status: head.status, headers: head.headers, visited: &visited) {
                    return .redirected(next)
                }
            }
            if !delegate.chunks.isEmpty {
                let chunks = delegate.chunks
                delegate.chunks.removeAll()
                for var chunk in chunks {
                    try onChunk(chunk.readBytes(length: chunk.readableBytes) ?? [])
                }
                delegate.resumeReading()
                continue
            }
            if delegate.finished, let head = delegate.head {
                return .finished(GreenHTTPResponse(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }))
            }
            try delegate.event.wait(for: "the response to \(hop.method) \(hop.url)", until: deadline) {}
        }
    }
}

/// Receives a streamed response on the hub's event loop (AsyncHTTPClient calls it there,
/// the request being bound to that loop) and hands it to the waiting greenlet.
final class GreenStreamingDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    private let loop: any EventLoop
    private var resume: EventLoopPromise<Void>?
    var head: HTTPResponseHead?
    var chunks: [ByteBuffer] = []
    private(set) var finished = false
    private(set) var failure: (any Error)?
    let event = GreenSignal()

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        self.head = head
        event.signal()
        return loop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        chunks.append(buffer)
        event.signal()
        let promise = loop.makePromise(of: Void.self)
        resume = promise
        return promise.futureResult
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        failure = error
        event.signal()
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        finished = true
        event.signal()
    }

    /// Lets the connection read the next piece of the body.
    func resumeReading() {
        guard let promise = resume else { return }
        resume = nil
        promise.succeed(())
    }
}
