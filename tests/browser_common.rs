//! What the tests that drive a `tests/fixtures/*.mjs` script in Debian's headless Chromium
//! (playwright-core) share: finding the node modules and the browser, with one hint for what
//! to install when either is missing; running the script and reading the JSON it prints;
//! staff accounts with a password to sign in with; and where screenshots go (the README's
//! copies in docs/screenshots/ are rewritten only with `PHONGHOP_SCREENSHOTS=1`, so a test
//! run leaves the tree clean).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::common::TestHub;
use phonghop::store::StaffRole;

pub const HINT: &str =
    "run `make test` (it installs chromium and playwright-core) or set PHONGHOP_NPM_DIR";

/// The staff accounts' password in the browser tests.
pub const PASSWORD: &str = "mật khẩu đủ dài 2026";

/// `$PHONGHOP_NPM_DIR`, checked to hold playwright-core, with /usr/bin/chromium present.
pub fn npm_dir() -> PathBuf {
    let npm_dir = std::env::var_os("PHONGHOP_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("PHONGHOP_NPM_DIR is not set: {HINT}"));
    assert!(
        npm_dir
            .join("node_modules/playwright-core/package.json")
            .exists(),
        "{} has no node_modules/playwright-core: {HINT}",
        npm_dir.display()
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "no /usr/bin/chromium: {HINT}"
    );
    npm_dir
}

/// Runs `node tests/fixtures/<script> <args>` and returns the JSON it printed; fails the
/// test with the script's stderr when it fails.
pub async fn run_fixture<I, A>(script: &str, args: I) -> serde_json::Value
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    let npm_dir = npm_dir();
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(script);
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .args(args)
        .env("PHONGHOP_NPM_DIR", &npm_dir)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): {HINT}"));
    assert!(
        output.status.success(),
        "the browser run of {} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A staff account of `role` (commune staff need `unit`) that signs in with [`PASSWORD`].
pub fn account(hub: &TestHub, login: &str, name: &str, role: StaffRole, unit: Option<&str>) {
    crate::staff_common::password_account(hub, login, name, role, unit, PASSWORD);
}

/// docs/screenshots/, made if needed, when `PHONGHOP_SCREENSHOTS=1`; `None` otherwise.
pub fn screenshots_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PHONGHOP_SCREENSHOTS")
        .filter(|v| v == "1")
        .map(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"))?;
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    Some(dir)
}

/// Where to save screenshot `name`: docs/screenshots/ with `PHONGHOP_SCREENSHOTS=1`, else
/// `scratch` (for scripts that always take it).
pub fn screenshot_path(name: &str, scratch: &Path) -> PathBuf {
    screenshots_dir()
        .unwrap_or_else(|| scratch.to_owned())
        .join(name)
}

/// Fails unless the file at `path` is a PNG.
pub fn assert_png(path: &Path) {
    let png =
        std::fs::read(path).unwrap_or_else(|e| panic!("no screenshot at {} ({e})", path.display()));
    assert!(png.starts_with(b"\x89PNG"), "a PNG at {}", path.display());
}
