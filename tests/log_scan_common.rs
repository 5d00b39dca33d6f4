//! Log scenarios: a test runs a scenario in a child (this test binary again, that one test
//! selected, an environment variable set) whose one global logger writes every event of every
//! thread to stderr at debug level; the child prints each secret it used on stdout
//! ([`declare_secret`]), and the parent looks for each in the logs ([`ScenarioOutput::leaks`]).

use std::process::{Command, Stdio};

/// What the child prints last: a scenario that stopped early proves nothing.
pub const SCENARIO_DONE: &str = "SCENARIO DONE";

/// Prints a secret the scenario used, for the parent to look for in the logs.
pub fn declare_secret(kind: &str, value: &str) {
    println!("SECRET {kind} {value}");
}

/// In the child (`env` set): every event at debug level to stderr, plain text, and a
/// runtime for the scenario; `None` in an ordinary test run, where the child test does
/// nothing.
pub fn scenario_child_runtime(env: &str) -> Option<tokio::runtime::Runtime> {
    std::env::var(env).ok()?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    Some(crate::common::two_worker_runtime())
}

/// The child's output: what it printed and what it logged.
pub struct ScenarioOutput {
    pub stdout: String,
    pub logs: String,
}

impl ScenarioOutput {
    /// The secrets the child declared, as (kind, value).
    pub fn secrets(&self) -> Vec<(&str, &str)> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_once("SECRET "))
            .filter_map(|(_, rest)| rest.split_once(' '))
            .collect()
    }

    /// Every log line that holds a declared secret, prefixed with its kind.
    pub fn leaks(&self) -> Vec<String> {
        self.secrets()
            .iter()
            .flat_map(|(kind, value)| {
                self.logs
                    .lines()
                    .filter(move |line| line.contains(value))
                    .map(move |line| format!("{kind}: {line}"))
            })
            .collect()
    }

    /// Fails unless each of `expected` is in the logs (else finding no secret proves nothing).
    pub fn assert_logged(&self, expected: &[&str]) {
        for expected in expected {
            assert!(
                self.logs.contains(expected),
                "no {expected:?} in the logs:\n{}",
                self.logs
            );
        }
    }
}

/// Runs the test `child` of the module `module` (pass `module_path!()`) in a child process
/// with `env` set and no `PHONGHOP_LOG`; fails unless it ran to [`SCENARIO_DONE`].
pub fn run_scenario_child(module: &str, child: &str, env: &str) -> ScenarioOutput {
    let in_crate = module.split_once("::").map_or("", |(_crate, path)| path);
    let name = if in_crate.is_empty() {
        child.to_owned()
    } else {
        format!("{in_crate}::{child}")
    };
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", &name, "--nocapture", "--test-threads", "1"])
        .env(env, "1")
        .env_remove("PHONGHOP_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run the scenario");
    let output = ScenarioOutput {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        logs: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.status.success() && output.stdout.contains(SCENARIO_DONE),
        "the scenario failed:\n{}\n{}",
        output.stdout,
        output.logs
    );
    output
}
