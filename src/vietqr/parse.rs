//! Reading a VietQR payload made by anyone: checks structure, lengths, CRC and the NAPAS fields, and keeps the
//! whole object tree so the payload re-serialises byte for byte.

use super::build::with_crc;
use super::tlv::{self, DataObject, Id, TlvError};
use super::{
    ACCOUNT_MAX_CHARS, ADDITIONAL_DATA_ITEM_MAX_CHARS, COUNTRY_VN, CURRENCY_VND, Initiation,
    MERCHANT_CITY_MAX_CHARS, MERCHANT_NAME_MAX_CHARS, NAPAS_GUID, PAYLOAD_MAX_CHARS, Service,
    crc16_hex, ids, is_template,
};

/// What is wrong with a payload, precisely enough to fix it or to tell whoever made the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the payload is empty; paste the text a QR scanner reads from the code")]
    Empty,
    #[error("the payload is {chars} characters long; EMVCo allows at most {PAYLOAD_MAX_CHARS}")]
    TooLong { chars: usize },
    #[error(
        "CRC mismatch: the payload says {found} but its content gives {expected}; the code was altered or \
         mis-copied (or made by a generator with a CRC bug), regenerate it"
    )]
    CrcMismatch { expected: String, found: String },
    #[error(
        "the CRC (63) value {found:?} is not 4 hexadecimal digits; a valid payload ends in 6304 and 4 hex digits"
    )]
    BadCrcFormat { found: String },
    #[error(
        "the payload has no CRC object (63) at its end; a valid payload ends in 6304 and 4 hex digits"
    )]
    MissingCrc,
    #[error(transparent)]
    Structure(#[from] TlvError),
    #[error(
        "the payload must start with 000201 (payload format indicator 01); it starts with {found:?}"
    )]
    BadPayloadFormat { found: String },
    #[error("not a VietQR code: {reason}")]
    NotVietQr { reason: String },
    #[error("missing field {0}; the generator of this code left it out, a VietQR needs it")]
    MissingField(&'static str),
    #[error("field {field} is {found:?}; expected {expected}")]
    InvalidField {
        field: &'static str,
        found: String,
        expected: String,
    },
}

/// A parsed VietQR: the NAPAS fields, read for people, plus the full object tree for exact re-serialisation.
///
/// Text fields are as found (a generator elsewhere may have used lower case or `_`); only the structure, the CRC
/// and the fields a transfer depends on are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// 01: static (`11`) or dynamic (`12`).
    pub initiation: Initiation,
    /// 38.01.00: the acquirer BIN, 6 digits.
    pub bank_bin: String,
    /// 38.01.01: account or card number, depending on `service`.
    pub account: String,
    /// 38.02.
    pub service: Service,
    /// 54: whole dong, if the code fixes the amount.
    pub amount_vnd: Option<u64>,
    /// 53: always `704` once parsed.
    pub currency: String,
    /// 58: always `VN` once parsed.
    pub country: String,
    /// 62.08: the transfer memo banking apps pre-fill.
    pub purpose: Option<String>,
    /// 62.01.
    pub bill_number: Option<String>,
    /// 62.05.
    pub reference_label: Option<String>,
    /// 59.
    pub merchant_name: Option<String>,
    /// 60.
    pub merchant_city: Option<String>,
    /// 52.
    pub merchant_category: Option<String>,
    /// 63 as written (either case; it matched the content).
    pub crc: String,
    /// Every top-level object in order, 63 last: the source of truth for [`Parsed::to_payload`].
    objects: Vec<DataObject>,
}

impl Parsed {
    /// Every top-level object in payload order, CRC included; templates 38, 38.01 and 62 are opened.
    pub fn objects(&self) -> &[DataObject] {
        &self.objects
    }

    /// Re-serialises the payload: identical to the input, except that a lower-case CRC comes out upper-case.
    pub fn to_payload(&self) -> String {
        let body: Vec<DataObject> = self
            .objects
            .iter()
            .filter(|o| o.id() != ids::CRC)
            .cloned()
            .collect();
        with_crc(&body)
    }
}

/// Parses and validates a VietQR payload.
///
/// The CRC is checked before the structure when the payload ends like a CRC object: a flipped character often
/// breaks the structure too, and "CRC mismatch" is the more useful report then.
pub fn parse(payload: &str) -> Result<Parsed, ParseError> {
    let chars: Vec<char> = payload.chars().collect();
    if chars.is_empty() {
        return Err(ParseError::Empty);
    }
    if chars.len() > PAYLOAD_MAX_CHARS {
        return Err(ParseError::TooLong { chars: chars.len() });
    }
    let tail_is_crc =
        chars.len() >= 8 && chars[chars.len() - 8..chars.len() - 4] == ['6', '3', '0', '4'];
    if tail_is_crc {
        let found: String = chars[chars.len() - 4..].iter().collect();
        if !found.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ParseError::BadCrcFormat { found });
        }
        let covered: String = chars[..chars.len() - 4].iter().collect();
        let expected = crc16_hex(&covered);
        if !found.eq_ignore_ascii_case(&expected) {
            return Err(ParseError::CrcMismatch { expected, found });
        }
    }

    let objects = tlv::parse_objects(&chars, is_template)?;
    match objects.first() {
        Some(first) if first.id() == ids::PAYLOAD_FORMAT && first.as_text() == Some("01") => {}
        _ => {
            return Err(ParseError::BadPayloadFormat {
                found: chars.iter().take(6).collect(),
            });
        }
    }
    let crc = match objects.last() {
        Some(last) if last.id() == ids::CRC && tail_is_crc => {
            last.as_text().unwrap_or_default().to_string()
        }
        Some(last) if last.id() == ids::CRC => {
            return Err(ParseError::BadCrcFormat {
                found: last.as_text().unwrap_or_default().to_string(),
            });
        }
        _ => return Err(ParseError::MissingCrc),
    };
    // The tail looked like a CRC but the structure says 63 is inside another value: no real CRC object.
    if objects.iter().filter(|o| o.id() == ids::CRC).count() != 1 {
        return Err(ParseError::MissingCrc);
    }

    let initiation_code = text(&objects, ids::INITIATION)
        .ok_or(ParseError::MissingField("01 point of initiation"))?;
    let initiation =
        Initiation::from_code(initiation_code).ok_or_else(|| ParseError::InvalidField {
            field: "01 point of initiation",
            found: initiation_code.to_string(),
            expected: "11 (static) or 12 (dynamic)".to_string(),
        })?;

    let napas = find(&objects, ids::NAPAS).ok_or_else(|| ParseError::NotVietQr {
        reason: "it has no NAPAS merchant account information (ID 38); it may be another scheme's code (VNPAY uses 26)"
            .to_string(),
    })?;
    let napas = napas.children().unwrap_or_default();
    let guid = text(napas, ids::NAPAS_GUID).ok_or(ParseError::MissingField("38.00 GUID"))?;
    if guid != NAPAS_GUID {
        return Err(ParseError::NotVietQr {
            reason: format!("38.00 GUID is {guid:?}, not {NAPAS_GUID} (NAPAS)"),
        });
    }
    let beneficiary = find(napas, ids::BENEFICIARY)
        .and_then(DataObject::children)
        .ok_or(ParseError::MissingField("38.01 beneficiary organisation"))?;
    let bank_bin =
        text(beneficiary, ids::BANK_BIN).ok_or(ParseError::MissingField("38.01.00 bank BIN"))?;
    if bank_bin.len() != 6 || !bank_bin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "38.01.00 bank BIN",
            bank_bin,
            "6 digits, e.g. 970436",
        ));
    }
    let account = text(beneficiary, ids::CONSUMER_ID)
        .ok_or(ParseError::MissingField("38.01.01 account or card number"))?;
    if account.chars().count() > ACCOUNT_MAX_CHARS {
        return Err(invalid(
            "38.01.01 account or card number",
            account,
            "at most 19 characters",
        ));
    }
    let service_code =
        text(napas, ids::SERVICE_CODE).ok_or(ParseError::MissingField("38.02 service code"))?;
    let service = Service::from_code(service_code).ok_or_else(|| {
        invalid(
            "38.02 service code",
            service_code,
            "QRIBFTTA (to an account) or QRIBFTTC (to a card)",
        )
    })?;

    let currency =
        text(&objects, ids::CURRENCY).ok_or(ParseError::MissingField("53 transaction currency"))?;
    if currency != CURRENCY_VND {
        return Err(invalid(
            "53 transaction currency",
            currency,
            "704 (Vietnamese dong)",
        ));
    }
    let country =
        text(&objects, ids::COUNTRY).ok_or(ParseError::MissingField("58 country code"))?;
    if country != COUNTRY_VN {
        return Err(invalid("58 country code", country, "VN"));
    }
    let amount_vnd = text(&objects, ids::AMOUNT).map(parse_amount).transpose()?;
    let merchant_category = text(&objects, ids::MERCHANT_CATEGORY)
        .map(|mcc| {
            if mcc.len() == 4 && mcc.bytes().all(|b| b.is_ascii_digit()) {
                Ok(mcc.to_string())
            } else {
                Err(invalid("52 merchant category code", mcc, "4 digits"))
            }
        })
        .transpose()?;
    let merchant_name = capped_text(
        &objects,
        ids::MERCHANT_NAME,
        "59 merchant name",
        MERCHANT_NAME_MAX_CHARS,
    )?;
    let merchant_city = capped_text(
        &objects,
        ids::MERCHANT_CITY,
        "60 merchant city",
        MERCHANT_CITY_MAX_CHARS,
    )?;

    let additional = find(&objects, ids::ADDITIONAL_DATA)
        .and_then(DataObject::children)
        .unwrap_or_default();
    let item = |id: Id, field: &'static str| {
        capped_text(additional, id, field, ADDITIONAL_DATA_ITEM_MAX_CHARS)
    };
    let bill_number = item(ids::BILL_NUMBER, "62.01 bill number")?;
    let reference_label = item(ids::REFERENCE_LABEL, "62.05 reference label")?;
    let purpose = item(ids::PURPOSE, "62.08 purpose of transaction")?;

    Ok(Parsed {
        initiation,
        bank_bin: bank_bin.to_string(),
        account: account.to_string(),
        service,
        amount_vnd,
        currency: currency.to_string(),
        country: country.to_string(),
        purpose,
        bill_number,
        reference_label,
        merchant_name,
        merchant_city,
        merchant_category,
        crc,
        objects,
    })
}

fn find(objects: &[DataObject], id: Id) -> Option<&DataObject> {
    objects.iter().find(|o| o.id() == id)
}

fn text(objects: &[DataObject], id: Id) -> Option<&str> {
    find(objects, id).and_then(DataObject::as_text)
}

fn invalid(field: &'static str, found: &str, expected: &str) -> ParseError {
    ParseError::InvalidField {
        field,
        found: found.to_string(),
        expected: expected.to_string(),
    }
}

fn capped_text(
    objects: &[DataObject],
    id: Id,
    field: &'static str,
    max_chars: usize,
) -> Result<Option<String>, ParseError> {
    match text(objects, id) {
        Some(value) if value.chars().count() > max_chars => Err(ParseError::InvalidField {
            field,
            found: value.to_string(),
            expected: format!("at most {max_chars} characters"),
        }),
        other => Ok(other.map(str::to_string)),
    }
}

/// 54 holds whole dong: digits only, no decimal point or separators, at least 1 (leading zeros tolerated).
fn parse_amount(text: &str) -> Result<u64, ParseError> {
    let reason = if !text.bytes().all(|b| b.is_ascii_digit()) {
        "whole dong in digits only, with no decimal point or separators (e.g. 100000)"
    } else if text.bytes().all(|b| b == b'0') {
        "an amount of at least 1 dong"
    } else {
        // At most 13 characters, so at most 13 digits: fits in u64.
        return text
            .parse()
            .map_err(|_| invalid("54 transaction amount", text, "digits only"));
    };
    Err(invalid("54 transaction amount", text, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends a correct CRC to a body (everything before `6304`).
    fn sealed(body: &str) -> String {
        let covered = format!("{body}6304");
        let crc = crc16_hex(&covered);
        format!("{covered}{crc}")
    }

    const NAPAS_TPBANK: &str = "38540010A00000072701240006970423011000999999990208QRIBFTTA";

    #[test]
    fn crc_mismatch_reports_expected_and_found() {
        let good = "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4";
        let bad = good.replace("6304CBB4", "6304CBB5");
        let err = parse(&bad).expect_err("bad crc");
        assert_eq!(
            err,
            ParseError::CrcMismatch {
                expected: "CBB4".into(),
                found: "CBB5".into()
            }
        );
        assert!(err.to_string().contains("CBB5") && err.to_string().contains("CBB4"));
        // An edited account breaks the CRC too, and that is what gets reported.
        let edited = good.replace("0099999999", "0099999998");
        assert!(matches!(
            parse(&edited),
            Err(ParseError::CrcMismatch { .. })
        ));
    }

    #[test]
    fn truncated_payload_reports_the_object() {
        let err = parse("00020101021138540010A000000727012400069704").expect_err("cut off");
        assert!(
            matches!(err, ParseError::Structure(TlvError::TruncatedObject { ref path, at: 12, .. }) if path == "38"),
            "{err:?}"
        );
    }

    #[test]
    fn missing_bin_is_named() {
        // 38.01 holds only the account (01), no BIN (00).
        let napas = "38440010A0000007270114011000999999990208QRIBFTTA";
        let err = parse(&sealed(&format!("000201010211{napas}53037045802VN"))).expect_err("no bin");
        assert_eq!(err, ParseError::MissingField("38.01.00 bank BIN"));
        assert!(err.to_string().contains("38.01.00 bank BIN"));
    }

    #[test]
    fn other_scheme_is_not_vietqr() {
        let payload = sealed("00020101021126280010A0000007750110010531314453037045802VN");
        assert!(matches!(parse(&payload), Err(ParseError::NotVietQr { .. })));
        let wrong_guid = sealed(&format!(
            "000201010211{}5303704",
            NAPAS_TPBANK.replace("A000000727", "A000000775")
        ));
        assert!(matches!(
            parse(&wrong_guid),
            Err(ParseError::NotVietQr { .. })
        ));
    }

    #[test]
    fn bad_amounts_are_invalid_fields() {
        for amount in ["5408100000.0", "5407100,000", "54010"] {
            let payload = sealed(&format!("000201010212{NAPAS_TPBANK}5303704{amount}5802VN"));
            let err = parse(&payload).expect_err(amount);
            assert!(
                matches!(
                    err,
                    ParseError::InvalidField {
                        field: "54 transaction amount",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn wrong_currency_country_service_and_initiation_are_invalid_fields() {
        let cases = [
            (
                "000201010211",
                "5303840",
                "5802VN",
                "53 transaction currency",
            ),
            ("000201010211", "5303704", "5802US", "58 country code"),
            (
                "000201010213",
                "5303704",
                "5802VN",
                "01 point of initiation",
            ),
        ];
        for (head, currency, country, field) in cases {
            let err = parse(&sealed(&format!("{head}{NAPAS_TPBANK}{currency}{country}")))
                .expect_err(field);
            assert!(
                matches!(err, ParseError::InvalidField { field: f, .. } if f == field),
                "{err:?}"
            );
        }
        let card_x = NAPAS_TPBANK.replace("QRIBFTTA", "QRIBFTTX");
        let err =
            parse(&sealed(&format!("000201010211{card_x}53037045802VN"))).expect_err("service");
        assert!(
            matches!(
                err,
                ParseError::InvalidField {
                    field: "38.02 service code",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn missing_crc_and_bad_crc_format_are_reported() {
        let no_crc = format!("000201010211{NAPAS_TPBANK}53037045802VN");
        assert_eq!(parse(&no_crc), Err(ParseError::MissingCrc));
        let bad_hex = format!("000201010211{NAPAS_TPBANK}53037045802VN6304CBBG");
        assert_eq!(
            parse(&bad_hex),
            Err(ParseError::BadCrcFormat {
                found: "CBBG".into()
            })
        );
        let short_crc = format!("000201010211{NAPAS_TPBANK}53037045802VN6303CBB");
        assert_eq!(
            parse(&short_crc),
            Err(ParseError::BadCrcFormat {
                found: "CBB".into()
            })
        );
    }

    #[test]
    fn payload_format_must_come_first() {
        let err =
            parse(&sealed(&format!("010211000201{NAPAS_TPBANK}53037045802VN"))).expect_err("order");
        assert_eq!(
            err,
            ParseError::BadPayloadFormat {
                found: "010211".into()
            }
        );
    }

    #[test]
    fn empty_and_overlong_payloads_are_refused() {
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(
            parse(&"0".repeat(513)),
            Err(ParseError::TooLong { chars: 513 })
        );
    }
}
