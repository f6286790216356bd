//! Serves an axum router on 127.0.0.1 from its own thread and tokio runtime, so both
//! blocking tests (waiting on a child process) and async tests can use it. Every fake
//! server of the test suite starts through here; it stops when the handle is dropped.

use std::future::IntoFuture;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;

/// A running server; dropping it stops the server and joins its thread.
pub struct Served {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Served {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Binds a free loopback port and serves `app` on it. `name` names the thread and the
/// panics when the port or the runtime cannot be had.
pub fn serve(name: &str, app: Router) -> Served {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("{name}: bind 127.0.0.1:0: {e}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{name}: set_nonblocking: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{name}: local_addr: {e}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread_name = name.to_string();
    let thread = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("{thread_name}: runtime: {e}"));
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)
                    .unwrap_or_else(|e| panic!("{thread_name}: listener: {e}"));
                tokio::select! {
                    _ = axum::serve(listener, app).into_future() => {}
                    _ = stopped => {}
                }
            });
            rt.shutdown_timeout(Duration::from_millis(200));
        })
        .unwrap_or_else(|e| panic!("{name}: spawn thread: {e}"));
    Served {
        url: format!("http://{addr}"),
        stop: Some(stop),
        thread: Some(thread),
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
