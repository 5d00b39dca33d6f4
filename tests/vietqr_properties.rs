//! Properties of every code we build: it parses back to the same fields, each length field states the character
//! count of its value, it is ASCII and at most 512 characters, and any edit is caught.

use phonghop::vietqr::{self, AmountVnd, Bank, DataObject, Service, Value, VietQr};
use proptest::prelude::*;

/// Vietnamese letters with every tone and vowel mark, both cases, plus ASCII, spaces and a little punctuation.
const PURPOSE_ALPHABET: &str = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ\
AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ0123456789    .,-:#!";

fn bank() -> impl Strategy<Value = &'static Bank> {
    prop::sample::select(vietqr::all_banks().iter().collect::<Vec<&'static Bank>>())
}

fn vietnamese_text() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = PURPOSE_ALPHABET.chars().collect();
    prop::collection::vec(prop::sample::select(alphabet), 0..60)
        .prop_map(|chars| chars.into_iter().collect())
}

fn service() -> impl Strategy<Value = Service> {
    prop_oneof![Just(Service::Account), Just(Service::Card)]
}

/// Checks, against the payload text itself, that each object's length digits equal the characters of its value.
/// Returns where the objects end.
fn check_lengths(objects: &[DataObject], payload: &[char], mut at: usize) -> usize {
    for object in objects {
        let id: String = payload[at..at + 2].iter().collect();
        assert_eq!(id, object.id().to_string(), "ID at {at}");
        let length_field: String = payload[at + 2..at + 4].iter().collect();
        let length: usize = length_field.parse().expect("two digits");
        let value_start = at + 4;
        match object.value() {
            Value::Text(text) => {
                assert_eq!(length, text.chars().count(), "object {id} at {at}");
                let written: String = payload[value_start..value_start + length].iter().collect();
                assert_eq!(&written, text);
            }
            Value::Template(children) => {
                let end = check_lengths(children, payload, value_start);
                assert_eq!(end - value_start, length, "template {id} at {at}");
            }
        }
        at = value_start + length;
    }
    at
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn built_codes_parse_back_to_the_same_fields(
        bank in bank(),
        account in "[A-Za-z0-9]{1,19}",
        amount_vnd in prop::option::of(1..=AmountVnd::MAX),
        purpose in prop::option::of(vietnamese_text()),
        service in service(),
    ) {
        let mut builder = VietQr::builder(bank, &account).service(service);
        if let Some(amount_vnd) = amount_vnd {
            builder = builder.amount(AmountVnd::new(amount_vnd).expect("in range"));
        }
        if let Some(purpose) = &purpose {
            builder = builder.purpose(purpose);
        }
        let expected_purpose = purpose.as_deref().map(vietqr::purpose_ascii);
        if expected_purpose.as_deref() == Some("") {
            // Nothing usable left: the builder must refuse rather than emit an empty 62.08.
            prop_assert!(builder.build().is_err());
            return Ok(());
        }
        let qr = builder.build().expect("valid inputs build");
        let payload = qr.to_payload();
        let parsed = vietqr::parse(&payload).expect("our own payload parses");
        prop_assert_eq!(&parsed.bank_bin, &bank.bin);
        prop_assert_eq!(&parsed.account, &account);
        prop_assert_eq!(parsed.service, service);
        prop_assert_eq!(parsed.amount_vnd, amount_vnd);
        prop_assert_eq!(parsed.initiation, qr.initiation());
        prop_assert_eq!(parsed.purpose.as_deref(), expected_purpose.as_deref());
        prop_assert_eq!(parsed.to_payload(), payload);
    }

    #[test]
    fn every_length_field_counts_the_characters_of_its_value(
        bank in bank(),
        account in "[A-Za-z0-9]{1,19}",
        amount_vnd in prop::option::of(1..=AmountVnd::MAX),
        purpose in "[a-z]{1,3}",
        name in vietnamese_text(),
        bill in "[A-Z0-9]{1,25}",
    ) {
        let mut builder = VietQr::builder(bank, &account).purpose(&purpose).bill_number(&bill).reference_label(&bill);
        if vietqr::ascii_fold(&name).chars().any(|c| c.is_ascii_alphanumeric()) {
            builder = builder.merchant_name(&name).merchant_city(&name);
        }
        if let Some(amount_vnd) = amount_vnd {
            builder = builder.amount(AmountVnd::new(amount_vnd).expect("in range"));
        }
        let payload = builder.build().expect("valid").to_payload();
        let chars: Vec<char> = payload.chars().collect();
        let parsed = vietqr::parse(&payload).expect("parses");
        prop_assert_eq!(check_lengths(parsed.objects(), &chars, 0), chars.len());
    }

    #[test]
    fn payload_is_ascii_and_at_most_512_characters(
        bank in bank(),
        account in "[A-Za-z0-9]{19}",
        purpose in vietnamese_text(),
        name in vietnamese_text(),
    ) {
        let mut builder = VietQr::builder(bank, &account)
            .amount(AmountVnd::new(AmountVnd::MAX).expect("max is valid"))
            .merchant_category("8398")
            .bill_number("B".repeat(25).as_str())
            .reference_label("R".repeat(25).as_str());
        if !vietqr::purpose_ascii(&purpose).is_empty() {
            builder = builder.purpose(&purpose);
        }
        if !vietqr::purpose_ascii(&name).is_empty() {
            builder = builder.merchant_name(&name).merchant_city(&name);
        }
        let payload = builder.build().expect("valid").to_payload();
        prop_assert!(payload.is_ascii(), "{}", payload);
        prop_assert!(payload.len() <= vietqr::PAYLOAD_MAX_CHARS, "{} characters", payload.len());
    }

    #[test]
    fn purpose_is_plain_ascii_of_at_most_25_characters(text in vietnamese_text()) {
        let purpose = vietqr::purpose_ascii(&text);
        prop_assert!(purpose.len() <= 25);
        prop_assert!(purpose.chars().all(|c| c.is_ascii_alphanumeric() || c == ' '), "{:?}", purpose);
        prop_assert!(!purpose.starts_with(' ') && !purpose.ends_with(' ') && !purpose.contains("  "));
        // Every letter of our alphabet has a base letter, so a text with letters never folds to nothing, and
        // when uncapped nothing is lost.
        let letters_in = text.chars().filter(|c| c.is_alphanumeric()).count();
        let letters_out = purpose.chars().filter(char::is_ascii_alphanumeric).count();
        prop_assert!(letters_out <= letters_in);
        if purpose.len() < 24 {
            prop_assert_eq!(letters_out, letters_in, "{:?} → {:?}", text, purpose);
        }
        if text.chars().filter(|c| c.is_alphanumeric()).count() > 0 {
            prop_assert!(!purpose.is_empty());
        }
    }

    #[test]
    fn changing_any_character_before_the_crc_is_caught(
        bank in bank(),
        account in "[A-Za-z0-9]{1,19}",
        amount_vnd in 1..=AmountVnd::MAX,
        position in any::<prop::sample::Index>(),
        replacement in prop::char::range('!', '~'),
    ) {
        let qr = VietQr::builder(bank, &account).amount(AmountVnd::new(amount_vnd).expect("in range")).build().expect("valid");
        let mut chars: Vec<char> = qr.payload().chars().collect();
        let at = position.index(chars.len() - 4);
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        let edited: String = chars.into_iter().collect();
        prop_assert!(vietqr::parse(&edited).is_err(), "edit at {} accepted: {}", at, edited);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,600}") {
        let _ = vietqr::parse(&text);
    }
}
