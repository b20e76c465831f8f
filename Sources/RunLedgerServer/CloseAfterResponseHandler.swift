import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection after a response that says `Connection: close` (a 408, a 413: the
/// server did not read the body to its end).
///
/// Hummingbird closes a connection after a response only when the *request* asked for it;
/// otherwise it reads on, draining an unread body. Here the output is shut after the response
/// (the client sees the response, then end of stream), the input is still drained, so that the
/// client's unsent rest does not turn into a reset that could lose the response, and the
/// connection is closed outright after `linger`, however much the client still sends.
final class CloseAfterResponseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let linger: TimeAmount
    private var isClosing = false

    init(linger: TimeAmount) {
        self.linger = linger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(let head):
            if head.headerFields[.connection]?.lowercased() == "close" { isClosing = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard isClosing else {
                context.write(data, promise: promise)
                return
            }
            isClosing = false
            context.writeAndFlush(data, promise: promise)
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension CloseAfterResponseHandler: Sendable {}
