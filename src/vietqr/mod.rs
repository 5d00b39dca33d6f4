//! VietQR: the EMVCo Merchant-Presented Mode payload that NAPAS 247 banking apps scan to pre-fill a transfer.
//!
//! Building goes through [`VietQr::builder`], whose `build` is the only fallible step: a [`VietQr`] holds only
//! validated values and its payload is computed once. Parsing ([`parse`]) keeps every data object in order, known
//! or not, so a payload made elsewhere re-serialises byte for byte ([`Parsed::to_payload`]), and says exactly what
//! is wrong when it is not a valid VietQR.
//!
//! Only this module knows the VietQR field layout; [`render`] knows only that a payload is a string to draw.

mod banks;
mod build;
mod parse;
pub mod render;
mod tlv;
mod transliterate;
mod values;

pub use banks::{
    Bank, all as all_banks, by_bin as bank_by_bin, find as find_bank,
    snapshot_note as banks_snapshot_note, suggest as suggest_banks,
};
pub use build::{BuildError, VietQr, VietQrBuilder};
pub use parse::{ParseError, Parsed, parse};
pub use tlv::{DataObject, Id, MAX_VALUE_CHARS, TlvError, Value, ValueTooLong};
pub use transliterate::{PURPOSE_MAX_CHARS, ascii_fold, purpose_ascii};
pub use values::{
    ACCOUNT_MAX_CHARS, AccountError, AccountId, AmountError, AmountVnd, AsciiText, TextError,
};

/// Longest payload EMVCo allows, in characters.
pub const PAYLOAD_MAX_CHARS: usize = 512;

/// NAPAS's application identifier, 38.00.
pub const NAPAS_GUID: &str = "A000000727";

/// ISO 4217 numeric code of the Vietnamese dong, 53.
pub const CURRENCY_VND: &str = "704";

/// ISO 3166 country code, 58.
pub const COUNTRY_VN: &str = "VN";

/// Point of initiation (01): whether one code serves many payments or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Initiation {
    /// `11`: reusable, e.g. a printed poster; the payer usually types the amount.
    Static,
    /// `12`: one code per transaction, e.g. the kiosk's pledge with its amount.
    Dynamic,
}

impl Initiation {
    pub fn code(self) -> &'static str {
        match self {
            Initiation::Static => "11",
            Initiation::Dynamic => "12",
        }
    }

    pub fn from_code(code: &str) -> Option<Initiation> {
        match code {
            "11" => Some(Initiation::Static),
            "12" => Some(Initiation::Dynamic),
            _ => None,
        }
    }

    /// Lower-case word for people and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Initiation::Static => "static",
            Initiation::Dynamic => "dynamic",
        }
    }
}

/// NAPAS service code (38.02): what 38.01.01 identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Service {
    /// `QRIBFTTA`: transfer to an account number.
    #[default]
    Account,
    /// `QRIBFTTC`: transfer to a card number.
    Card,
}

impl Service {
    pub fn code(self) -> &'static str {
        match self {
            Service::Account => "QRIBFTTA",
            Service::Card => "QRIBFTTC",
        }
    }

    pub fn from_code(code: &str) -> Option<Service> {
        match code {
            "QRIBFTTA" => Some(Service::Account),
            "QRIBFTTC" => Some(Service::Card),
            _ => None,
        }
    }

    /// Lower-case word for people and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Account => "account",
            Service::Card => "card",
        }
    }
}

/// Data object identifiers this module reads or writes, named so the layout reads like the spec's table.
mod ids {
    use super::tlv::Id;

    const fn id(n: u8) -> Id {
        match Id::new(n) {
            Some(id) => id,
            None => panic!("data object ids are two digits"),
        }
    }

    pub const PAYLOAD_FORMAT: Id = id(0);
    pub const INITIATION: Id = id(1);
    pub const NAPAS: Id = id(38);
    pub const MERCHANT_CATEGORY: Id = id(52);
    pub const CURRENCY: Id = id(53);
    pub const AMOUNT: Id = id(54);
    pub const COUNTRY: Id = id(58);
    pub const MERCHANT_NAME: Id = id(59);
    pub const MERCHANT_CITY: Id = id(60);
    pub const ADDITIONAL_DATA: Id = id(62);
    pub const CRC: Id = id(63);

    /// Inside 38.
    pub const NAPAS_GUID: Id = id(0);
    pub const BENEFICIARY: Id = id(1);
    pub const SERVICE_CODE: Id = id(2);

    /// Inside 38.01.
    pub const BANK_BIN: Id = id(0);
    pub const CONSUMER_ID: Id = id(1);

    /// Inside 62.
    pub const BILL_NUMBER: Id = id(1);
    pub const REFERENCE_LABEL: Id = id(5);
    pub const PURPOSE: Id = id(8);
}

/// Longest value of each sub-object of 62 (additional data).
const ADDITIONAL_DATA_ITEM_MAX_CHARS: usize = 25;

/// Longest merchant name (59).
const MERCHANT_NAME_MAX_CHARS: usize = 25;

/// Longest merchant city (60).
const MERCHANT_CITY_MAX_CHARS: usize = 15;

/// The checksum algorithm EMVCo names CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
/// The `crc` catalogue calls it CRC-16/IBM-3740.
const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// CRC-16/CCITT-FALSE of `text` as 4 upper-case hex digits, zero-padded (`003E`, never `3E`).
///
/// For a payload, `text` is everything before the CRC value, including the `6304` of the CRC object itself.
pub fn crc16_hex(text: &str) -> String {
    format!("{:04X}", CRC16.checksum(text.as_bytes()))
}

/// Whether the object at `path` is a template whose value holds further objects.
///
/// Only the templates VietQR reads are opened; any other object stays text and is re-emitted untouched.
fn is_template(path: &[Id]) -> bool {
    matches!(path, [a] if *a == ids::NAPAS || *a == ids::ADDITIONAL_DATA)
        || matches!(path, [a, b] if *a == ids::NAPAS && *b == ids::BENEFICIARY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value_of_123456789_is_29b1() {
        assert_eq!(crc16_hex("123456789"), "29B1");
    }

    #[test]
    fn crc_is_zero_padded_to_four_digits() {
        // The empty string's CRC is the initial value 0xFFFF; find an input whose CRC is below 0x1000.
        let small = (0u32..)
            .map(|n| n.to_string())
            .find(|s| CRC16.checksum(s.as_bytes()) < 0x1000)
            .expect("some short input has a CRC below 0x1000");
        let hex = crc16_hex(&small);
        assert_eq!(hex.len(), 4);
        assert!(hex.starts_with('0'), "{small} → {hex}");
    }

    #[test]
    fn codes_round_trip() {
        for service in [Service::Account, Service::Card] {
            assert_eq!(Service::from_code(service.code()), Some(service));
        }
        for initiation in [Initiation::Static, Initiation::Dynamic] {
            assert_eq!(Initiation::from_code(initiation.code()), Some(initiation));
        }
        assert_eq!(Service::from_code("QRIBFTTX"), None);
        assert_eq!(Initiation::from_code("13"), None);
    }
}
