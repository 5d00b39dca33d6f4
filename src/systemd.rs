//! systemd integration: `Type=notify` readiness and the watchdog. Without systemd
//! (`NOTIFY_SOCKET` unset) every call here does nothing.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Tells systemd the service is ready (after the database opened and the socket bound).
pub fn notify_ready() {
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        tracing::debug!(error = %e, "sd_notify READY not sent");
    }
}

pub fn notify_stopping() {
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
}

/// Pings the watchdog at half its interval while `healthy()` holds; a stuck runtime or a
/// dead database stops the pings and systemd restarts the service.
pub fn spawn_watchdog(healthy: impl Fn() -> bool + Send + 'static, stop: CancellationToken) {
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return;
    };
    let period = (interval / 2).max(Duration::from_millis(500));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => {
                    if healthy() {
                        let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
                    } else {
                        tracing::error!("health check failed; withholding the watchdog ping");
                    }
                }
            }
        }
    });
}
