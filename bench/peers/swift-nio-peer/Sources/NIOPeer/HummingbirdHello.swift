import Hummingbird
import NIOCore

/// HTTP "hello" on Hummingbird 2: a router with `GET /` returning `Hello, World!`, the
/// server on the given one-loop group (route handlers are async, on Swift's default
/// executor).
enum HummingbirdHello {
    static func serve(group: any EventLoopGroup, port: Int) async throws {
        let router = Router()
        router.get("/") { _, _ in "Hello, World!" }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in Peer.announce(channel.localAddress?.port) },
            eventLoopGroupProvider: .shared(group)
        )
        try await app.runService()
    }
}
