//! Serving connections with limits: at most `max_connections` at once (more are closed as
//! they arrive, before any TLS handshake), a bounded time to send a request head (which also
//! closes idle kept-alive connections) and a bounded TLS handshake. Plain HTTP and HTTPS go
//! through the same server, so both have the same limits.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::{Accept, DefaultAcceptor};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Hub;
use crate::config::ConnectionLimits;

/// Admits a connection only while fewer than the cap are open; the slot is held by the
/// stream itself, so it is freed when the connection (or the WebSocket it became) closes.
#[derive(Clone)]
pub(super) struct Capped<A> {
    inner: A,
    slots: Arc<Semaphore>,
    hub: Arc<Hub>,
}

impl<A> Capped<A> {
    fn new(inner: A, limits: &ConnectionLimits, hub: Arc<Hub>) -> Self {
        Self {
            inner,
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            hub,
        }
    }
}

/// Every slot is taken; the new connection was closed at once.
#[derive(Debug, thiserror::Error)]
#[error("{0} connections are open, the most [hub] max_connections allows; closed a new one")]
struct Full(usize);

type Accepting<S, V> = Pin<Box<dyn Future<Output = io::Result<(Held<S>, V)>> + Send>>;

impl<A, I, S> Accept<I, S> for Capped<A>
where
    A: Accept<I, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Held<A::Stream>;
    type Service = A::Service;
    type Future = Accepting<A::Stream, A::Service>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let Ok(permit) = self.slots.clone().try_acquire_owned() else {
            // Dropping `stream` closes the socket now: no handshake, no buffer, no task.
            drop(stream);
            self.hub.metrics.reject("connection_cap");
            let open = self.slots.available_permits();
            return Box::pin(async move { Err(io::Error::other(Full(open))) });
        };
        let accepting = self.inner.accept(stream, service);
        Box::pin(async move {
            let (stream, service) = accepting.await?;
            Ok((
                Held {
                    inner: stream,
                    _slot: permit,
                },
                service,
            ))
        })
    }
}

/// A connection holding one of the capped slots.
pub(super) struct Held<S> {
    inner: S,
    _slot: OwnedSemaphorePermit,
}

impl<S: AsyncRead + Unpin> AsyncRead for Held<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Held<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Applies the head timeout to a server: hyper closes a connection that has not sent a
/// whole request head in time (an idle kept-alive connection too), and the server closes
/// one whose first request has not arrived in time whatever the protocol.
fn with_timeouts<Acc>(
    mut server: axum_server::Server<std::net::SocketAddr, Acc>,
    limits: &ConnectionLimits,
) -> axum_server::Server<std::net::SocketAddr, Acc> {
    let head = Duration::from_secs(limits.header_timeout_secs);
    server.http_builder().http1().header_read_timeout(head);
    server.first_request_timeout(head)
}

/// A plain-HTTP server on `listener` with the limits.
pub(super) fn plain(
    listener: std::net::TcpListener,
    limits: &ConnectionLimits,
    hub: Arc<Hub>,
) -> io::Result<axum_server::Server<std::net::SocketAddr, Capped<DefaultAcceptor>>> {
    let server =
        axum_server::from_tcp(listener)?.acceptor(Capped::new(DefaultAcceptor::new(), limits, hub));
    Ok(with_timeouts(server, limits))
}

/// An HTTPS server on `listener` with the limits; the handshake gets the head's time.
pub(super) fn tls(
    listener: std::net::TcpListener,
    config: RustlsConfig,
    limits: &ConnectionLimits,
    hub: Arc<Hub>,
) -> io::Result<axum_server::Server<std::net::SocketAddr, Capped<RustlsAcceptor>>> {
    let handshake = Duration::from_secs(limits.header_timeout_secs);
    let acceptor = RustlsAcceptor::new(config).handshake_timeout(handshake);
    let server = axum_server::from_tcp(listener)?.acceptor(Capped::new(acceptor, limits, hub));
    Ok(with_timeouts(server, limits))
}
