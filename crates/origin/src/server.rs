//! The socket side of `creneau serve`: accepting connections, bounding what
//! each may cost, and stopping cleanly.
//!
//! `axum::serve` has no bound on how long a client may take to send its
//! headers, nor on how many connections are open: a thousand clients that
//! send half a request and wait would hold a file descriptor each until the
//! process runs out. Here, on hyper's own HTTP/1 connection builder:
//! - the request head must arrive within [`ConnectionLimits::header_read`],
//!   and the same bound is an idle keep-alive connection's life (hyper starts
//!   the timer when it waits for the next request head);
//! - a request body must arrive within [`ConnectionLimits::body_read`] (the
//!   JSON reader answers 408 past it, see [`BodyReadTimeout`]);
//! - at most [`ConnectionLimits::max_connections`] are open: past it the
//!   server stops accepting and new connections wait in the kernel's queue
//!   until slow ones are cut, so normal requests keep being answered.
//!
//! [`serve`] also stops on a signal: no new connections, every request
//! already taken is answered, then it returns (bounded by a timeout).
//!
//! hyper answers a request it cannot parse (400), a URI too long (414) or
//! headers too large (431) itself, before the app sees it, so those answers
//! would lack the security headers every other answer has.
//! [`HardenedErrors`] writes them in.

use std::convert::Infallible;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The largest request head taken.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What one connection may cost.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Time to send a request head; also how long an idle keep-alive
    /// connection stays open.
    pub header_read: Duration,
    /// Time to send a request body, from the end of its head.
    pub body_read: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            max_connections: 4096,
        }
    }
}

/// The bound on reading a request body, carried to the handlers as a
/// request extension (the JSON reader applies it; absent, it uses its own
/// default).
#[derive(Clone, Copy, Debug)]
pub struct BodyReadTimeout(pub Duration);

/// Serve `app` on `listener` until `stop` completes, then stop accepting,
/// let the requests in flight finish, and return; past `drain` return
/// anyway (the caller exits, cutting what is left).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
    drain: Duration,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let connections = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        // A request head over 32 KiB is answered 431 (nginx's default
        // bound is the same order): nothing of Créneau's needs more.
        .max_header_size(MAX_HEADER_BYTES);
    let body_read = BodyReadTimeout(limits.body_read);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            req.extensions_mut().insert(body_read);
            let app = app.clone();
            async move {
                Ok::<_, Infallible>(
                    app.oneshot(req.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|never| match never {}),
                )
            }
        });
        let io = TokioIo::new(HardenedErrors::new(stream));
        let connection = connections.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            // A client that goes away or is too slow is not an error of ours.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("stopping: no new connections, finishing requests in flight");
    tokio::select! {
        () = connections.shutdown() => {},
        () = tokio::time::sleep(drain) => {
            tracing::warn!(seconds = drain.as_secs(), "stopping: requests still open after the bound");
        }
    }
}

/// A connection whose answers all carry the security headers: a response
/// head written without them can only be one hyper made itself (the app's
/// middleware adds them to every answer of its own), and gets them, with a
/// CSP that allows nothing, before it goes out.
pub struct HardenedErrors<T> {
    inner: T,
    /// A rewritten head still to be written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<T> HardenedErrors<T> {
    pub fn new(inner: T) -> Self {
        HardenedErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// `head` with the security headers after its status line, when it is a
/// whole response head without them.
pub fn harden_head(head: &[u8]) -> Option<Vec<u8>> {
    if !head.starts_with(b"HTTP/1.") {
        return None;
    }
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let lower = head[..end].to_ascii_lowercase();
    if lower
        .windows(b"x-content-type-options".len())
        .any(|w| w == b"x-content-type-options")
    {
        return None;
    }
    let status_line = head.windows(2).position(|w| w == b"\r\n")? + 2;
    let mut out = Vec::with_capacity(head.len() + 400);
    out.extend_from_slice(&head[..status_line]);
    out.extend_from_slice(
        b"content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n",
    );
    for (name, value) in crate::http::headers::SECURITY_HEADERS {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(&head[status_line..]);
    Some(out)
}

impl<T: AsyncWrite + Unpin> HardenedErrors<T> {
    /// Writes what is pending; ready when nothing is.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for HardenedErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for HardenedErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(hardened) = harden_head(buf) {
            self.pending = hardened;
            // Taken whole; written by the next write, flush or shutdown.
            let _ = self.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        // A head is always the first slice hyper writes.
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(hardened) = harden_head(first) {
                self.pending = hardened;
                let _ = self.poll_pending(cx)?;
                return Poll::Ready(Ok(first.len()));
            }
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// SIGTERM (a service manager, a container stop) or SIGINT (Ctrl-C).
pub async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_without_security_headers_get_them() {
        let hyper_431 =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(harden_head(hyper_431).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-security-policy: default-src 'none'"));
        assert!(out.contains("\r\nx-content-type-options: nosniff\r\n"));
        assert!(out.ends_with("content-length: 0\r\ndate: x\r\n\r\n"));
        // The app's own answers already have them; bodies are not heads.
        assert!(
            harden_head(b"HTTP/1.1 200 OK\r\nX-Content-Type-Options: nosniff\r\n\r\nhi").is_none()
        );
        assert!(harden_head(b"{\"HTTP/1.1\": 1}").is_none());
        assert!(
            harden_head(b"HTTP/1.1 400 Bad Request\r\ncontent-len").is_none(),
            "not a whole head"
        );
    }
}
