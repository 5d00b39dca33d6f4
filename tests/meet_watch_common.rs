//! A Chromium participant followed while a test changes the meeting: `scripts/meet-browser.mjs
//! --watch-secs` (Debian's headless Chromium with its fake camera and microphone, driven by
//! playwright-core) opens the meeting page and prints, every 250 ms, the page's own stats and
//! the stamp tag (`media::stamp`) it reads from what each slot's `<video>` shows, so a test
//! sees whose picture the browser decodes, not only that it decodes one.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::meeting_common::{BROWSER_HINT, npm_dir};

/// The running script: its latest line, its stderr so far, and its stdin (closing it ends
/// the run and closes the browser).
pub struct WatchedBrowser {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    latest: tokio::sync::watch::Receiver<Option<Value>>,
    stderr: Arc<Mutex<String>>,
}

/// The sender tag in slot `slot` of a line, when the page shows a stamped picture there.
pub fn tag(line: &Value, slot: usize) -> Option<u8> {
    line["stamps"][slot]["tag"]
        .as_u64()
        .and_then(|t| u8::try_from(t).ok())
}

/// How many sessions the page has opened so far: one more after each reconnect.
pub fn connections(line: &Value) -> u64 {
    line["state"]["connections"].as_u64().unwrap_or(0)
}

/// Frames the page decoded in slot `slot` so far (every connection of the page together).
pub fn frames_decoded(line: &Value, slot: usize) -> u64 {
    line["stats"]["inboundVideo"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["slot"].as_u64() == Some(slot as u64))
        .map(|v| v["framesDecoded"].as_u64().unwrap_or(0))
        .sum()
}

impl WatchedBrowser {
    /// Opens `link` in Chromium for at most `secs` seconds, with `args` for the script
    /// (`--relay-only`).
    pub fn start(link: &str, secs: u64, args: &[&str]) -> WatchedBrowser {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/meet-browser.mjs");
        let mut child = tokio::process::Command::new("node")
            .arg(&script)
            .arg(link)
            .args(["--watch-secs", &secs.to_string()])
            .args(args)
            .env("PHONGHOP_NPM_DIR", npm_dir())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node ({e}): {BROWSER_HINT}"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let (tx, latest) = tokio::sync::watch::channel(None);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => {
                        let _ = tx.send(Some(v));
                    }
                    Err(e) => {
                        eprintln!("meet-browser printed a line that is not JSON ({e}): {line}")
                    }
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        WatchedBrowser {
            child,
            stdin,
            latest,
            stderr,
        }
    }

    /// The latest line the script printed.
    pub fn latest(&self) -> Option<Value> {
        self.latest.borrow().clone()
    }

    /// Waits until a line satisfies `check` and returns it; fails the test after `timeout`
    /// with the last line and the browser's errors.
    pub async fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(line) = self.latest.borrow_and_update().clone()
                && check(&line)
            {
                return line;
            }
            match tokio::time::timeout_at(deadline, self.latest.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!(
                    "{what}: the browser's script ended; last line {}\nstderr:\n{}",
                    self.describe_latest(),
                    self.stderr()
                ),
                Err(_) => panic!(
                    "{what}: not within {timeout:?}; last line {}\nstderr:\n{}",
                    self.describe_latest(),
                    self.stderr()
                ),
            }
        }
    }

    fn describe_latest(&self) -> String {
        self.latest()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "(none)".into())
    }

    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Closes stdin (the script closes the browser and exits) and waits for the exit.
    pub async fn finish(mut self) {
        drop(self.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await;
    }
}

/// The slot in which `view` (a room's call) shows a browser participant (`web-…`), once the
/// hub has given it one; fails the test after 20 s.
pub async fn browser_slot(view: &phonghop::room::call_view::CallView, what: &str) -> usize {
    let mut slot = None;
    crate::common::eventually(what, Duration::from_secs(20), async || {
        slot = view.snapshot().slots.iter().position(|s| {
            s.as_ref()
                .is_some_and(|s| s.participant_id.starts_with("web-"))
        });
        slot.is_some()
    })
    .await;
    slot.expect("slot")
}
