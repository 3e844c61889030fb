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

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

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
        .header_read_timeout(limits.header_read);
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
        let connection = connections.watch(http.serve_connection(TokioIo::new(stream), service));
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
