//! `phonghop qr …` refuses bad input with exit status 2, a message on stderr that says what to fix, and nothing
//! on stdout (so `payload=$(phonghop qr vietqr …)` never captures half a result).

use std::process::{Command, Output};

fn phonghop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_phonghop"))
        .args(args)
        .output()
        .expect("the phonghop binary runs")
}

/// Runs a command that must fail and returns its stderr.
fn refused(args: &[&str]) -> String {
    let out = phonghop(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should exit 2; stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

fn vietqr<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["qr", "vietqr"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn unknown_bank_is_refused_with_the_closest_names() {
    let stderr = refused(&vietqr(&[
        "--bank",
        "Vietcombnk",
        "--account",
        "0071000123456",
    ]));
    assert!(stderr.contains("Vietcombank (970436)"), "{stderr}");
    let stderr = refused(&vietqr(&["--bank", "123456", "--account", "0071000123456"]));
    assert!(stderr.contains("unknown bank"), "{stderr}");
}

#[test]
fn bad_account_numbers_are_refused_with_the_reason() {
    let cases = [
        ("", "empty"),
        ("12345678901234567890", "at most 19"),
        ("0071 000 123", "letters and digits only"),
        ("0071-000-123", "letters and digits only"),
    ];
    for (account, reason) in cases {
        let stderr = refused(&vietqr(&["--bank", "VCB", "--account", account]));
        assert!(
            stderr.contains("--account") && stderr.contains(reason),
            "{account:?}: {stderr}"
        );
    }
}

#[test]
fn bad_amounts_each_get_a_specific_message() {
    let cases = [
        ("100000.0", "decimal part"),
        ("100,000", "digits only: 100000"),
        ("1.500.000", "digits only: 1500000"),
        ("-5", "negative"),
        ("0", "is 0"),
        ("12345678901234", "at most 13"),
        ("50k", "not a number"),
    ];
    for (amount, reason) in cases {
        let stderr = refused(&vietqr(&[
            "--bank",
            "VCB",
            "--account",
            "0071000123456",
            "--amount",
            amount,
        ]));
        assert!(
            stderr.contains("--amount") && stderr.contains(reason),
            "{amount:?}: {stderr}"
        );
    }
}

#[test]
fn purpose_with_nothing_left_after_transliteration_is_refused() {
    let stderr = refused(&vietqr(&[
        "--bank",
        "VCB",
        "--account",
        "0071000123456",
        "--purpose",
        "?!… 🙏",
    ]));
    assert!(
        stderr.contains("--purpose") && stderr.contains("no letters or digits"),
        "{stderr}"
    );
}

#[test]
fn decode_refuses_a_crc_mismatch_saying_expected_and_found() {
    let tampered = "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB5";
    let stderr = refused(&["qr", "decode", tampered]);
    assert!(
        stderr.contains("CBB4") && stderr.contains("CBB5"),
        "{stderr}"
    );
    let truncated = "00020101021138540010A000000727012400069704230110009999";
    let stderr = refused(&["qr", "decode", truncated]);
    assert!(stderr.contains("38"), "{stderr}");
}

/// The control: good input is accepted, so the refusals above are about the input and not a broken binary.
#[test]
fn good_input_prints_the_payload_and_writes_the_images() {
    let dir = tempfile::tempdir().expect("temp dir");
    let png = dir.path().join("code.png");
    let svg = dir.path().join("code.svg");
    let out = phonghop(&vietqr(&[
        "--bank",
        "970423",
        "--account",
        "0099999999",
        "--png",
        png.to_str().expect("utf-8 path"),
        "--svg",
        svg.to_str().expect("utf-8 path"),
        "--size",
        "300",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4\n"
    );
    let png_bytes = std::fs::read(&png).expect("png written");
    assert!(png_bytes.starts_with(b"\x89PNG"));
    assert!(
        std::fs::read_to_string(&svg)
            .expect("svg written")
            .contains("<svg")
    );

    let decoded = phonghop(&[
        "qr",
        "decode",
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304cbb4",
    ]);
    assert!(
        decoded.status.success(),
        "{}",
        String::from_utf8_lossy(&decoded.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&decoded.stdout).expect("JSON on stdout");
    assert_eq!(json["bank_short_name"], "TPBank");
    assert_eq!(json["initiation"], "static");
}
