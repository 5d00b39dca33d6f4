//! The invariants that ARCHITECTURE.md states, checked by reading the source (rust-analyzer's
//! "tidy" idea): an invariant nobody checks drifts. Each rule names the file and line that
//! breaks it. The checks are plain text scans, so each rule is also run on a small made-up
//! source that breaks it, to show the rule can fail.
//!
//! Comment lines are skipped (doc comments may name what a module must not use).

use std::collections::BTreeSet;
use std::path::Path;

/// One source file, its path relative to the repository root (`src/hub/api.rs`).
#[derive(Debug, Clone)]
struct Source {
    path: String,
    text: String,
}

#[derive(Debug)]
struct Violation {
    path: String,
    line: usize,
    why: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.why)
    }
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files_under(dir: &str) -> Vec<Source> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                let rel = path.strip_prefix(root).expect("under the root");
                out.push(Source {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    text,
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(repo_root(), &repo_root().join(dir), &mut out);
    out
}

fn sources() -> Vec<Source> {
    rust_files_under("src")
}

/// Code lines with their 1-based numbers: comment lines are left out, and so is the rest of a
/// line after `//` when the `//` is not inside a string (good enough for this code base).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            return None;
        }
        let code = match line.find(" // ") {
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        };
        Some((i + 1, code))
    })
}

/// `needle` occurs in `line` as a whole path or word: not preceded by an identifier character
/// (so `gst::` does not match `xgst::` and `rtc::` does not match `webrtc::`).
fn mentions(line: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(at) = line[from..].find(needle) {
        let start = from + at;
        let before = line[..start].chars().next_back();
        let after = line[start + needle.len()..].chars().next();
        let starts_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let ends_word = needle.ends_with(':')
            || needle.ends_with(' ')
            || !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if starts_word && ends_word {
            return true;
        }
        from = start + needle.len();
    }
    false
}

/// Every line outside the `allowed` path prefixes that mentions one of `needles`.
fn only_under(files: &[Source], allowed: &[&str], needles: &[&str], what: &str) -> Vec<Violation> {
    let mut found = Vec::new();
    for file in files {
        if allowed.iter().any(|prefix| file.path.starts_with(prefix)) {
            continue;
        }
        for (line, code) in code_lines(&file.text) {
            if let Some(needle) = needles.iter().find(|n| mentions(code, n)) {
                found.push(Violation {
                    path: file.path.clone(),
                    line,
                    why: format!(
                        "{what} (`{needle}`) is allowed only in {}",
                        allowed.join(", ")
                    ),
                });
            }
        }
    }
    found
}

/// Every line in the files under `prefixes` (but not `except`) that mentions one of `needles`.
fn never_in(
    files: &[Source],
    prefixes: &[&str],
    except: &[&str],
    needles: &[&str],
    what: &str,
) -> Vec<Violation> {
    let mut found = Vec::new();
    for file in files {
        let inside = prefixes.iter().any(|p| file.path.starts_with(p));
        if !inside || except.contains(&file.path.as_str()) {
            continue;
        }
        for (line, code) in code_lines(&file.text) {
            if let Some(needle) = needles.iter().find(|n| mentions(code, n)) {
                found.push(Violation {
                    path: file.path.clone(),
                    line,
                    why: format!("{what}: `{needle}`"),
                });
            }
        }
    }
    found
}

const SQL_WORDS: &[&str] = &[
    "rusqlite",
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    "CREATE TABLE",
    "CREATE INDEX",
    "CREATE TRIGGER",
    "PRAGMA ",
];

fn sql_outside_store(files: &[Source]) -> Vec<Violation> {
    only_under(files, &["src/store/"], SQL_WORDS, "SQL")
}

fn gstreamer_outside_media(files: &[Source]) -> Vec<Violation> {
    only_under(
        files,
        &["src/media/"],
        &[
            "gstreamer",
            "gstreamer_app",
            "gstreamer_video",
            "gst::",
            "gst_app::",
            "gst_video::",
        ],
        "GStreamer",
    )
}

fn webrtc_outside_transport(files: &[Source]) -> Vec<Violation> {
    only_under(
        files,
        &["src/transport/"],
        &["webrtc::", "rtc::", "use webrtc", "use rtc"],
        "webrtc-rs",
    )
}

/// Janus's API (its `"janus":` messages, its plugins' names) is spoken in one module.
fn janus_api_outside_janus(files: &[Source]) -> Vec<Violation> {
    only_under(
        files,
        &["src/janus/"],
        &["\"janus\":", "\"janus.plugin"],
        "Janus's API",
    )
}

fn egui_outside_kiosk(files: &[Source]) -> Vec<Violation> {
    only_under(files, &["src/kiosk/"], &["egui", "eframe"], "egui")
}

/// The command line is parsed in one place; the library's operations take typed arguments.
fn clap_outside_cli(files: &[Source]) -> Vec<Violation> {
    only_under(files, &["src/cli/", "src/main.rs"], &["clap"], "clap")
}

/// anyhow erases error types: only the binary's edge may use it.
fn anyhow_outside_main(files: &[Source]) -> Vec<Violation> {
    only_under(files, &["src/main.rs"], &["anyhow"], "anyhow")
}

fn logger_outside_main(files: &[Source]) -> Vec<Violation> {
    only_under(
        files,
        &["src/main.rs"],
        &["tracing_subscriber"],
        "installing the logger",
    )
}

/// One crypto provider, passed explicitly: no process-wide default is installed.
fn tls_default_installed(files: &[Source]) -> Vec<Violation> {
    only_under(
        files,
        &[],
        &["install_default"],
        "a process-wide TLS provider",
    )
}

/// What counts as I/O (or reading the clock) for the pure parts.
const IO_WORDS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::io",
    "std::process",
    "std::thread",
    "std::env",
    "tokio::fs",
    "tokio::net",
    "tokio::time",
    "tokio::spawn",
    "tokio::task",
    "tokio::process",
    "reqwest",
    "rusqlite",
    "File::",
    "Instant::now",
    "SystemTime",
    "clock::",
];

fn io_in_meeting(files: &[Source]) -> Vec<Violation> {
    never_in(
        files,
        &["src/meeting/"],
        &[],
        IO_WORDS,
        "src/meeting/ does no I/O and takes the time as an input",
    )
}

fn io_in_hub_session_and_presence(files: &[Source]) -> Vec<Violation> {
    never_in(
        files,
        &["src/hub/session.rs", "src/hub/presence.rs", "src/sync.rs"],
        &[],
        IO_WORDS,
        "the pure state machines do no I/O and never read the clock",
    )
}

/// The kiosk's screens read state and return commands; the app (`src/kiosk/mod.rs`) applies
/// them and does the I/O, and the UI benchmark reads `/proc` for its CPU figure.
const KIOSK_FILES_THAT_MAY_DO_IO: &[&str] = &["src/kiosk/mod.rs", "src/kiosk/bench.rs"];

fn io_in_kiosk_screens(files: &[Source]) -> Vec<Violation> {
    never_in(
        files,
        &["src/kiosk/"],
        KIOSK_FILES_THAT_MAY_DO_IO,
        IO_WORDS,
        "kiosk screens read state and return commands; the app does the I/O",
    )
}

/// Domain modules never depend on the store: the store depends on them.
fn domain_depends_on_store(files: &[Source]) -> Vec<Violation> {
    never_in(
        files,
        &[
            "src/contrib/",
            "src/feedback/",
            "src/meeting/",
            "src/vietqr/",
        ],
        &[],
        &["crate::store", "store::"],
        "domain modules never use the store (the store uses them)",
    )
}

/// Every `pub` item whose signature carries `Result<_, String>`: an English sentence where a
/// typed error should cross the module boundary.
fn string_errors_across_modules(files: &[Source]) -> Vec<Violation> {
    let mut found = Vec::new();
    for file in files {
        let lines: Vec<(usize, &str)> = code_lines(&file.text).collect();
        let mut i = 0;
        while i < lines.len() {
            let (line_no, code) = lines[i];
            let trimmed = code.trim_start();
            let public = trimmed.starts_with("pub ") || trimmed.starts_with("pub(");
            if !public {
                i += 1;
                continue;
            }
            // A signature or field may span lines: read until its body or end.
            let mut item = String::from(code);
            let mut j = i;
            while !item.contains('{') && !item.contains(';') && j + 1 < lines.len() && j < i + 12 {
                j += 1;
                item.push_str(lines[j].1);
            }
            let head = item.split('{').next().unwrap_or("");
            if carries_string_error(head) {
                found.push(Violation {
                    path: file.path.clone(),
                    line: line_no,
                    why: "a public item carries `Result<_, String>`: use a typed error".into(),
                });
            }
            i = j + 1;
        }
    }
    found
}

/// `Result<T, String>` with any `T` (nested generics included).
fn carries_string_error(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut from = 0;
    while let Some(at) = compact[from..].find("Result<") {
        let start = from + at + "Result<".len();
        let mut depth = 1;
        let mut last_top_comma = None;
        for (k, c) in compact[start..].char_indices() {
            match c {
                '<' | '(' => depth += 1,
                '>' | ')' => {
                    depth -= 1;
                    if depth == 0 {
                        if let Some(comma) = last_top_comma
                            && &compact[start + comma + 1..start + k] == "String"
                        {
                            return true;
                        }
                        break;
                    }
                }
                ',' if depth == 1 => last_top_comma = Some(k),
                _ => {}
            }
        }
        from = start;
    }
    false
}

/// Quoted strings after `marker` on each code line (`.route("/x"` → `/x`).
fn quoted_after<'a>(code: &'a str, marker: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(marker) {
        let start = from + at + marker.len();
        if let Some(end) = code[start..].find('"') {
            out.push(&code[start..start + end]);
            from = start + end;
        } else {
            break;
        }
    }
    out
}

/// Every route the hub serves is in its one table (`src/hub/routes.rs`), with the access it
/// needs; and every entry of the table is served. Whether each access kind is enforced before
/// the body is read is tested against a running hub
/// (`hub_knows_the_caller_before_reading_the_body`).
fn routes_outside_the_table(files: &[Source]) -> Vec<Violation> {
    let Some(table) = files.iter().find(|f| f.path == "src/hub/routes.rs") else {
        return vec![Violation {
            path: "src/hub/routes.rs".into(),
            line: 0,
            why: "the hub's route table is missing".into(),
        }];
    };
    let listed: BTreeSet<&str> = code_lines(&table.text)
        .flat_map(|(_, code)| quoted_after(code, "path: \""))
        .collect();
    let mut served = BTreeSet::new();
    let mut found = Vec::new();
    for file in files.iter().filter(|f| f.path.starts_with("src/hub/")) {
        // rustfmt puts a long route's path on the line after `.route(`: join them.
        // A file's unit tests (last, after `#[cfg(test)]`) may hold route paths as data.
        let lines: Vec<(usize, String)> = code_lines(&file.text)
            .take_while(|(_, code)| code.trim() != "#[cfg(test)]")
            .map(|(n, code)| (n, code.to_owned()))
            .collect();
        for (k, (line, code)) in lines.iter().enumerate() {
            let mut code = code.clone();
            if code.trim_end().ends_with(".route(")
                && let Some((_, next)) = lines.get(k + 1)
            {
                code = format!("{}{}", code.trim_end(), next.trim_start());
            }
            let line = *line;
            for path in quoted_after(&code, ".route(\"") {
                served.insert(path.to_owned());
                if !listed.contains(path) {
                    found.push(Violation {
                        path: file.path.clone(),
                        line,
                        why: format!("route `{path}` is not in ROUTES (src/hub/routes.rs)"),
                    });
                }
            }
        }
    }
    for path in listed.iter().filter(|p| !served.contains(**p)) {
        found.push(Violation {
            path: table.path.clone(),
            line: 0,
            why: format!("ROUTES lists `{path}`, which no `.route(` serves"),
        });
    }
    found
}

/// Every `src/...` path that the code map in ARCHITECTURE.md names exists, and every module
/// declared in `src/lib.rs` is in the code map.
fn code_map_drift() -> Vec<Violation> {
    let doc =
        std::fs::read_to_string(repo_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let map = doc
        .split("## Code map")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or("");
    let mut found = Vec::new();
    let mut named = BTreeSet::new();
    for (i, line) in doc.lines().enumerate() {
        for quoted in line.split('`').skip(1).step_by(2) {
            let path = quoted.trim_end_matches('/');
            let is_path = (path.starts_with("src/")
                || path.starts_with("tests/")
                || path.starts_with("kiosk/")
                || path.starts_with("config/")
                || path.starts_with("systemd/")
                || path.starts_with("scripts/"))
                && !path.contains('*')
                && !path.contains('<')
                && !path.contains(' ')
                && !path.contains('{');
            if is_path {
                named.insert(path.to_owned());
                if !repo_root().join(path).exists() {
                    found.push(Violation {
                        path: "ARCHITECTURE.md".into(),
                        line: i + 1,
                        why: format!("names `{path}`, which does not exist"),
                    });
                }
            }
        }
    }
    let lib = std::fs::read_to_string(repo_root().join("src/lib.rs")).expect("src/lib.rs");
    for (i, line) in lib.lines().enumerate() {
        let Some(module) = line
            .trim()
            .strip_prefix("pub mod ")
            .and_then(|m| m.strip_suffix(';'))
        else {
            continue;
        };
        let as_dir = format!("src/{module}/");
        let as_file = format!("src/{module}.rs");
        if !map.contains(&as_dir) && !map.contains(&as_file) {
            found.push(Violation {
                path: "src/lib.rs".into(),
                line: i + 1,
                why: format!("module `{module}` is not in ARCHITECTURE.md's code map"),
            });
        }
    }
    found
}

fn assert_none(rule: &str, violations: Vec<Violation>) {
    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        list.is_empty(),
        "ARCHITECTURE.md invariant broken ({rule}):\n{}",
        list.join("\n")
    );
}

#[test]
fn sql_stays_in_the_store() {
    assert_none("only src/store/ holds SQL", sql_outside_store(&sources()));
}

#[test]
fn gstreamer_stays_in_media() {
    assert_none(
        "only src/media/ touches GStreamer",
        gstreamer_outside_media(&sources()),
    );
}

#[test]
fn webrtc_stays_in_transport() {
    assert_none(
        "only src/transport/ touches webrtc-rs",
        webrtc_outside_transport(&sources()),
    );
}

#[test]
fn janus_api_stays_in_its_client() {
    assert_none(
        "only src/janus/ speaks Janus's API",
        janus_api_outside_janus(&sources()),
    );
}

#[test]
fn egui_stays_in_the_kiosk() {
    assert_none(
        "only src/kiosk/ touches egui",
        egui_outside_kiosk(&sources()),
    );
}

#[test]
fn the_command_line_is_parsed_in_one_module() {
    assert_none(
        "clap only in src/cli/ and src/main.rs",
        clap_outside_cli(&sources()),
    );
}

#[test]
fn anyhow_and_the_logger_stay_at_the_binary_edge() {
    let files = sources();
    assert_none("anyhow only in src/main.rs", anyhow_outside_main(&files));
    assert_none(
        "the logger is installed only in src/main.rs",
        logger_outside_main(&files),
    );
}

#[test]
fn no_process_wide_tls_provider() {
    assert_none(
        "one TLS provider, passed explicitly",
        tls_default_installed(&sources()),
    );
}

#[test]
fn pure_state_machines_do_no_io() {
    let files = sources();
    assert_none("src/meeting/ does no I/O", io_in_meeting(&files));
    assert_none(
        "hub::session, hub::presence and sync do no I/O",
        io_in_hub_session_and_presence(&files),
    );
}

#[test]
fn kiosk_screens_do_no_io() {
    assert_none("UI code does no I/O", io_in_kiosk_screens(&sources()));
}

#[test]
fn domain_modules_do_not_depend_on_the_store() {
    assert_none(
        "store depends on the domain, never the reverse",
        domain_depends_on_store(&sources()),
    );
}

#[test]
fn typed_errors_cross_module_boundaries() {
    assert_none(
        "no Result<_, String> across module boundaries",
        string_errors_across_modules(&sources()),
    );
}

#[test]
fn every_hub_route_is_in_the_route_table() {
    assert_none(
        "every route is in src/hub/routes.rs",
        routes_outside_the_table(&sources()),
    );
}

#[test]
fn the_code_map_names_what_exists() {
    assert_none(
        "ARCHITECTURE.md's code map matches the code",
        code_map_drift(),
    );
}

// --- each rule fails on a source that breaks it ---------------------------------------------

fn made_up(path: &str, text: &str) -> Vec<Source> {
    vec![Source {
        path: path.into(),
        text: text.into(),
    }]
}

#[test]
fn each_rule_catches_a_broken_invariant() {
    let hub = made_up(
        "src/hub/api.rs",
        "fn f(c: &rusqlite::Connection) {\n    c.execute(\"DELETE FROM x\", []);\n}\n",
    );
    assert_eq!(sql_outside_store(&hub).len(), 2);
    assert!(sql_outside_store(&made_up("src/store/x.rs", "\"SELECT 1\"")).is_empty());

    assert_eq!(
        gstreamer_outside_media(&made_up(
            "src/room/call.rs",
            "let p = gst::Pipeline::new();"
        ))
        .len(),
        1
    );
    assert_eq!(
        webrtc_outside_transport(&made_up("src/hub/meetings.rs", "use webrtc::api::API;")).len(),
        1
    );
    assert_eq!(
        egui_outside_kiosk(&made_up("src/room/mod.rs", "fn f(ui: &mut egui::Ui) {}")).len(),
        1
    );
    assert_eq!(
        janus_api_outside_janus(&made_up(
            "src/hub/meetings.rs",
            "let m = json!({ \"janus\": \"attach\" });"
        ))
        .len(),
        1
    );
    assert_eq!(
        clap_outside_cli(&made_up("src/contrib/cli.rs", "#[derive(clap::Args)]")).len(),
        1
    );
    assert!(clap_outside_cli(&made_up("src/cli/hub.rs", "#[derive(clap::Args)]")).is_empty());
    assert_eq!(
        anyhow_outside_main(&made_up(
            "src/hub/mod.rs",
            "fn f() -> anyhow::Result<()> {}"
        ))
        .len(),
        1
    );
    assert!(
        anyhow_outside_main(&made_up("src/hub/mod.rs", "/// unlike anyhow's output")).is_empty()
    );
    assert_eq!(
        logger_outside_main(&made_up("src/demo.rs", "tracing_subscriber::fmt().init();")).len(),
        1
    );
    assert_eq!(
        tls_default_installed(&made_up("src/hub/tls.rs", "provider.install_default();")).len(),
        1
    );

    assert_eq!(
        io_in_meeting(&made_up(
            "src/meeting/adapt.rs",
            "let t = std::time::Instant::now();"
        ))
        .len(),
        1
    );
    assert!(
        io_in_meeting(&made_up(
            "src/meeting/engine.rs",
            "tokio::sync::mpsc::UnboundedSender<E>"
        ))
        .is_empty()
    );
    assert_eq!(
        io_in_hub_session_and_presence(&made_up(
            "src/hub/session.rs",
            "let now = crate::clock::now_ms();"
        ))
        .len(),
        1
    );
    assert_eq!(
        io_in_kiosk_screens(&made_up("src/kiosk/screens.rs", "std::fs::write(p, b)?;")).len(),
        1
    );
    assert!(io_in_kiosk_screens(&made_up("src/kiosk/mod.rs", "std::fs::write(p, b)?;")).is_empty());
    assert_eq!(
        domain_depends_on_store(&made_up("src/contrib/mod.rs", "use crate::store::Store;")).len(),
        1
    );

    let string_errors = made_up(
        "src/room/service.rs",
        "pub fn submit(\n    x: u8,\n) -> Result<Vec<u8>, String> {\n}\nfn private() -> Result<(), String> {}\n\
         pub(crate) fn ok() -> Result<(), MyError> {}\npub type Reply = oneshot::Sender<Result<Ticket, String>>;\n",
    );
    let lines: Vec<usize> = string_errors_across_modules(&string_errors)
        .iter()
        .map(|v| v.line)
        .collect();
    assert_eq!(lines, vec![1, 7]);

    let routes = vec![
        Source {
            path: "src/hub/routes.rs".into(),
            text: "pub const ROUTES: &[Route] = &[\n    Route { method: \"GET\", path: \"/healthz\", access: Access::Public },\n    Route { method: \"GET\", path: \"/gone\", access: Access::Room },\n];\n".into(),
        },
        Source {
            path: "src/hub/api.rs".into(),
            text: "Router::new().route(\"/healthz\", get(h)).route(\"/secret\", get(s))".into(),
        },
    ];
    let why: Vec<String> = routes_outside_the_table(&routes)
        .into_iter()
        .map(|v| v.why)
        .collect();
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(
        why[0].contains("/secret") && why[1].contains("/gone"),
        "{why:?}"
    );
}
