//! An independent check: the npm package `vietnam-qr-pay` (someone else's reading of the same spec) decodes every
//! payload we build as valid, finds the same fields, and rebuilds the same string byte for byte.
//!
//! Needs Node.js and the package in `$PHONGHOP_NPM_DIR/node_modules` (`make test` installs it).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use phonghop::vietqr::{self, AmountVnd, Parsed, Service, VietQr};
use serde_json::{Value, json};

const NPM_HINT: &str = "run `make test` (it installs vietnam-qr-pay) or set PHONGHOP_NPM_DIR";

fn bank(query: &str) -> &'static vietqr::Bank {
    vietqr::find_bank(query).unwrap_or_else(|| panic!("{query} in the bank list"))
}

fn amount(vnd: u64) -> AmountVnd {
    AmountVnd::new(vnd).expect("positive amount")
}

/// Payloads covering what we emit, plus the public vectors made by other generators.
fn cases() -> Vec<(String, String)> {
    let built = [
        (
            "static account",
            VietQr::builder(bank("TPBank"), "0099999999").build(),
        ),
        (
            "dynamic with purpose",
            VietQr::builder(bank("VCB"), "0071000123456")
                .amount(amount(50_000))
                .purpose("PL0042 ung ho")
                .build(),
        ),
        (
            "card service",
            VietQr::builder(bank("BIDV"), "9704180000000018")
                .service(Service::Card)
                .build(),
        ),
        (
            "vietnamese purpose, capped",
            VietQr::builder(bank("Agribank"), "1500205123456")
                .amount(amount(2_000_000))
                .purpose("Đóng góp Quỹ Vì người nghèo phường Bến Nghé")
                .build(),
        ),
        (
            "long alphanumeric account",
            VietQr::builder(bank("MB"), "VQRQ00ABC1234567890")
                .amount(amount(1))
                .build(),
        ),
        (
            "largest amount",
            VietQr::builder(bank("ACB"), "257678859")
                .amount(amount(AmountVnd::MAX))
                .build(),
        ),
        (
            "crc with leading zero",
            VietQr::builder(bank("970423"), "0099999999")
                .amount(amount(10))
                .build(),
        ),
        (
            "bill number and reference",
            VietQr::builder(bank("Techcombank"), "19036012345018")
                .amount(amount(120_000))
                .bill_number("HD2026-0001")
                .reference_label("PLEDGE42")
                .purpose("Ủng hộ")
                .build(),
        ),
        (
            "merchant name, city and category",
            VietQr::builder(bank("VietinBank"), "108002345678")
                .merchant_category("8398")
                .merchant_name("Ủy ban MTTQ phường Bến Nghé")
                .merchant_city("Hồ Chí Minh")
                .build(),
        ),
    ];
    let mut cases: Vec<(String, String)> = built
        .into_iter()
        .map(|(name, qr)| {
            (
                name.to_string(),
                qr.unwrap_or_else(|e| panic!("{name}: {e}")).to_payload(),
            )
        })
        .collect();
    // Every bank in the list, with a different amount and a purpose with marks.
    for (i, b) in vietqr::all_banks().iter().enumerate() {
        let qr = VietQr::builder(b, &format!("{}{}", 10_000 + i, b.bin))
            .amount(amount(1_000 * (i as u64 + 1)))
            .purpose(&format!("Đợt {i} ủng hộ"))
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", b.short_name));
        cases.push((format!("bank {}", b.short_name), qr.to_payload()));
    }
    let vectors = [
        "00020101021238590010A0000007270129000697042201156607040600001290208QRIBFTTA52040000530370454031005802VN5914company_1_data6007Vietnam62150811INVTEST000163042656",
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4",
        "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN62230819thanh toan don hang630470FA",
    ];
    cases.extend(
        vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("public vector {}", i + 1), v.to_string())),
    );
    cases
}

/// Runs tests/fixtures/vietqr-crosscheck.mjs on the cases and returns its per-case JSON objects.
fn decode_with_vietnam_qr_pay(cases: &[(String, String)]) -> Vec<Value> {
    let npm_dir = std::env::var_os("PHONGHOP_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("PHONGHOP_NPM_DIR is not set: {NPM_HINT}"));
    assert!(
        npm_dir
            .join("node_modules/vietnam-qr-pay/package.json")
            .is_file(),
        "{} has no node_modules/vietnam-qr-pay: {NPM_HINT}",
        npm_dir.display()
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/vietqr-crosscheck.mjs"
    );
    let input = json!(
        cases
            .iter()
            .map(|(name, payload)| json!({"name": name, "payload": payload}))
            .collect::<Vec<_>>()
    );
    let mut child = Command::new("node")
        .arg(script)
        .env("PHONGHOP_NPM_DIR", &npm_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js; {NPM_HINT}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write cases to node");
    let out = child.wait_with_output().expect("node finishes");
    assert!(
        out.status.success(),
        "crosscheck script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> =
        serde_json::from_slice(&out.stdout).expect("script prints a JSON array");
    assert_eq!(results.len(), cases.len(), "one result per case");
    results
}

fn text_or_null(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.to_string()))
}

fn assert_agrees(name: &str, payload: &str, ours: &Parsed, theirs: &Value) {
    let field = |key: &str| theirs.get(key).cloned().unwrap_or(Value::Null);
    assert_eq!(field("name"), json!(name));
    assert_eq!(
        field("isValid"),
        json!(true),
        "{name}: vietnam-qr-pay says invalid: {payload}"
    );
    let expected = [
        ("provider", json!("VIETQR")),
        ("guid", json!(vietqr::NAPAS_GUID)),
        ("initMethod", json!(ours.initiation.code())),
        ("service", json!(ours.service.code())),
        ("bankBin", json!(ours.bank_bin)),
        ("bankNumber", json!(ours.account)),
        (
            "amount",
            ours.amount_vnd
                .map_or(Value::Null, |a| json!(a.to_string())),
        ),
        ("currency", json!(ours.currency)),
        ("nation", json!(ours.country)),
        ("category", text_or_null(ours.merchant_category.as_deref())),
        ("merchantName", text_or_null(ours.merchant_name.as_deref())),
        ("city", text_or_null(ours.merchant_city.as_deref())),
        ("purpose", text_or_null(ours.purpose.as_deref())),
        ("billNumber", text_or_null(ours.bill_number.as_deref())),
        ("reference", text_or_null(ours.reference_label.as_deref())),
        ("crc", json!(ours.crc)),
        ("rebuilt", json!(payload)),
    ];
    for (key, value) in expected {
        assert_eq!(
            field(key),
            value,
            "{name}: field {key} differs for {payload}"
        );
    }
}

#[test]
fn vietnam_qr_pay_reads_our_payloads_as_we_do() {
    let cases = cases();
    let results = decode_with_vietnam_qr_pay(&cases);
    for ((name, payload), theirs) in cases.iter().zip(&results) {
        let ours = vietqr::parse(payload)
            .unwrap_or_else(|e| panic!("{name}: we cannot parse our own payload: {e}"));
        assert_agrees(name, payload, &ours, theirs);
    }
}

/// The control: the harness does report an invalid code, so the agreement above means something.
#[test]
fn vietnam_qr_pay_and_we_both_refuse_a_tampered_payload() {
    let tampered =
        "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB5".to_string();
    assert!(vietqr::parse(&tampered).is_err());
    let results = decode_with_vietnam_qr_pay(&[("tampered".to_string(), tampered)]);
    assert_eq!(results[0]["isValid"], json!(false));
}
