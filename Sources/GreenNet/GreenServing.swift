/// A green server that ``GreenMultiHubServer`` can run on several hubs:
/// ``GreenStreamServer`` and ``GreenHTTPServer``.
public protocol GreenServing: AnyObject {
    /// The port it listens on.
    var port: Int { get }
    /// Starts serving in a green thread and returns at once.
    func start()
    /// Stops gracefully, giving running handlers up to `timeout` seconds.
    func stop(timeout: Double) throws
}

extension GreenStreamServer: GreenServing {}
extension GreenHTTPServer: GreenServing {}
