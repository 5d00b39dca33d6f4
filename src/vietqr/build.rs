//! Building a VietQR payload from validated values.

use super::tlv::{DataObject, ValueTooLong, encode_objects};
use super::values::{AccountError, AccountId, AmountVnd, AsciiText, TextError};
use super::{
    ADDITIONAL_DATA_ITEM_MAX_CHARS, Bank, COUNTRY_VN, CURRENCY_VND, Initiation,
    MERCHANT_CITY_MAX_CHARS, MERCHANT_NAME_MAX_CHARS, NAPAS_GUID, PAYLOAD_MAX_CHARS,
    PURPOSE_MAX_CHARS, Service, crc16_hex, ids,
};

/// Why a VietQR could not be built; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(
        "bank BIN {found:?} is not 6 digits; pick the bank from the shipped list (by BIN or short name)"
    )]
    BadBin { found: String },
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(
        "the {field} {original:?} has no letters or digits left once Vietnamese marks and punctuation are removed; \
         write at least one letter or digit (for a purpose, put the pledge code first)"
    )]
    NothingLeft {
        field: &'static str,
        original: String,
    },
    #[error(
        "the {field} is {chars} characters once written in plain ASCII; at most {max_chars} fit, shorten it"
    )]
    TooLong {
        field: &'static str,
        chars: usize,
        max_chars: usize,
    },
    #[error(
        "merchant category code {found:?} must be exactly 4 digits (ISO 18245), e.g. 8398 for charities"
    )]
    BadMerchantCategory { found: String },
    /// Cannot happen with validated values; kept so an oversight shows up as an error, not a malformed code.
    #[error("internal error: {0}")]
    Encoding(ValueTooLong),
    #[error(
        "internal error: the payload came out {chars} characters long; at most {PAYLOAD_MAX_CHARS} are allowed"
    )]
    PayloadTooLong { chars: usize },
}

/// A valid VietQR with its payload. Built only by [`VietQrBuilder::build`], so every value is one banks accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VietQr {
    bank_bin: String,
    account: AccountId,
    service: Service,
    amount: Option<AmountVnd>,
    purpose: Option<AsciiText<PURPOSE_MAX_CHARS>>,
    merchant_name: Option<AsciiText<MERCHANT_NAME_MAX_CHARS>>,
    merchant_city: Option<AsciiText<MERCHANT_CITY_MAX_CHARS>>,
    bill_number: Option<AsciiText<ADDITIONAL_DATA_ITEM_MAX_CHARS>>,
    reference_label: Option<AsciiText<ADDITIONAL_DATA_ITEM_MAX_CHARS>>,
    merchant_category: Option<String>,
    /// Computed once by `build`, where errors can still be returned.
    payload: String,
}

/// Collects the inputs of a [`VietQr`]; nothing is checked until [`VietQrBuilder::build`], so the calls chain.
#[derive(Debug, Clone)]
pub struct VietQrBuilder {
    bank_bin: String,
    account: String,
    service: Service,
    amount: Option<AmountVnd>,
    purpose: Option<String>,
    merchant_name: Option<String>,
    merchant_city: Option<String>,
    bill_number: Option<String>,
    reference_label: Option<String>,
    merchant_category: Option<String>,
}

impl VietQr {
    /// Starts a code paying `account` at `bank` (transfer to account unless [`VietQrBuilder::service`] says card).
    pub fn builder(bank: &Bank, account: &str) -> VietQrBuilder {
        VietQrBuilder {
            bank_bin: bank.bin.clone(),
            account: account.to_string(),
            service: Service::Account,
            amount: None,
            purpose: None,
            merchant_name: None,
            merchant_city: None,
            bill_number: None,
            reference_label: None,
            merchant_category: None,
        }
    }

    pub fn bank_bin(&self) -> &str {
        &self.bank_bin
    }

    pub fn account(&self) -> &str {
        self.account.as_str()
    }

    pub fn service(&self) -> Service {
        self.service
    }

    pub fn amount_vnd(&self) -> Option<u64> {
        self.amount.map(AmountVnd::get)
    }

    /// Static without an amount (the payer types it), dynamic with one: the rule banking apps expect.
    pub fn initiation(&self) -> Initiation {
        if self.amount.is_some() {
            Initiation::Dynamic
        } else {
            Initiation::Static
        }
    }

    /// The purpose as written into 62.08: ASCII, at most 25 characters.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_ref().map(AsciiText::as_str)
    }

    pub fn merchant_name(&self) -> Option<&str> {
        self.merchant_name.as_ref().map(AsciiText::as_str)
    }

    pub fn merchant_city(&self) -> Option<&str> {
        self.merchant_city.as_ref().map(AsciiText::as_str)
    }

    pub fn bill_number(&self) -> Option<&str> {
        self.bill_number.as_ref().map(AsciiText::as_str)
    }

    pub fn reference_label(&self) -> Option<&str> {
        self.reference_label.as_ref().map(AsciiText::as_str)
    }

    pub fn merchant_category(&self) -> Option<&str> {
        self.merchant_category.as_deref()
    }

    /// The string to put in the QR code: ASCII, at most 512 characters, ending in an upper-case CRC.
    pub fn to_payload(&self) -> String {
        self.payload.clone()
    }

    /// The same, borrowed.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// The data objects in the order they are emitted, CRC excluded: 00, 01, 38, 52, 53, 54, 58, 59, 60, 62.
    fn objects(&self) -> Result<Vec<DataObject>, ValueTooLong> {
        let beneficiary = DataObject::template(
            ids::BENEFICIARY,
            vec![
                DataObject::text(ids::BANK_BIN, self.bank_bin.as_str())?,
                DataObject::text(ids::CONSUMER_ID, self.account.as_str())?,
            ],
        )?;
        let napas = DataObject::template(
            ids::NAPAS,
            vec![
                DataObject::text(ids::NAPAS_GUID, NAPAS_GUID)?,
                beneficiary,
                DataObject::text(ids::SERVICE_CODE, self.service.code())?,
            ],
        )?;
        let mut objects = vec![
            DataObject::text(ids::PAYLOAD_FORMAT, "01")?,
            DataObject::text(ids::INITIATION, self.initiation().code())?,
            napas,
        ];
        if let Some(mcc) = &self.merchant_category {
            objects.push(DataObject::text(ids::MERCHANT_CATEGORY, mcc.as_str())?);
        }
        objects.push(DataObject::text(ids::CURRENCY, CURRENCY_VND)?);
        if let Some(amount) = self.amount {
            objects.push(DataObject::text(ids::AMOUNT, amount.to_string())?);
        }
        objects.push(DataObject::text(ids::COUNTRY, COUNTRY_VN)?);
        if let Some(name) = &self.merchant_name {
            objects.push(DataObject::text(ids::MERCHANT_NAME, name.as_str())?);
        }
        if let Some(city) = &self.merchant_city {
            objects.push(DataObject::text(ids::MERCHANT_CITY, city.as_str())?);
        }
        let additional: Vec<DataObject> = [
            (ids::BILL_NUMBER, &self.bill_number),
            (ids::REFERENCE_LABEL, &self.reference_label),
            (ids::PURPOSE, &self.purpose),
        ]
        .into_iter()
        .filter_map(|(id, text)| text.as_ref().map(|t| DataObject::text(id, t.as_str())))
        .collect::<Result<_, _>>()?;
        if !additional.is_empty() {
            objects.push(DataObject::template(ids::ADDITIONAL_DATA, additional)?);
        }
        Ok(objects)
    }
}

/// Appends the CRC object to encoded objects: the CRC covers everything before it, `6304` included.
pub(super) fn with_crc(objects: &[DataObject]) -> String {
    let mut payload = encode_objects(objects);
    payload.push_str("6304");
    let crc = crc16_hex(&payload);
    payload.push_str(&crc);
    payload
}

impl VietQrBuilder {
    /// Transfer to a card number (`QRIBFTTC`) instead of an account number.
    pub fn service(mut self, service: Service) -> Self {
        self.service = service;
        self
    }

    /// Fixes the amount; this makes the code dynamic (`01` = `12`).
    pub fn amount(mut self, amount: AmountVnd) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Transfer memo (62.08), any text: written as ASCII without marks, at most 25 characters.
    pub fn purpose(mut self, text: &str) -> Self {
        self.purpose = Some(text.to_string());
        self
    }

    /// Merchant name (59), written as ASCII, cut to 25 characters.
    pub fn merchant_name(mut self, text: &str) -> Self {
        self.merchant_name = Some(text.to_string());
        self
    }

    /// Merchant city (60), written as ASCII, cut to 15 characters.
    pub fn merchant_city(mut self, text: &str) -> Self {
        self.merchant_city = Some(text.to_string());
        self
    }

    /// Bill number (62.01); refused rather than cut if longer than 25, since it is matched later.
    pub fn bill_number(mut self, text: &str) -> Self {
        self.bill_number = Some(text.to_string());
        self
    }

    /// Reference label (62.05); refused rather than cut if longer than 25, since it is matched later.
    pub fn reference_label(mut self, text: &str) -> Self {
        self.reference_label = Some(text.to_string());
        self
    }

    /// Merchant category code (52), 4 digits. Omitted by default: personal and committee accounts have none.
    pub fn merchant_category(mut self, mcc: &str) -> Self {
        self.merchant_category = Some(mcc.to_string());
        self
    }

    /// Checks every input and computes the payload.
    pub fn build(self) -> Result<VietQr, BuildError> {
        if self.bank_bin.len() != 6 || !self.bank_bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BuildError::BadBin {
                found: self.bank_bin,
            });
        }
        let account = AccountId::new(&self.account)?;
        if let Some(mcc) = &self.merchant_category
            && (mcc.len() != 4 || !mcc.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(BuildError::BadMerchantCategory { found: mcc.clone() });
        }
        let mut qr = VietQr {
            bank_bin: self.bank_bin,
            account,
            service: self.service,
            amount: self.amount,
            purpose: capped("purpose", self.purpose)?,
            merchant_name: capped("merchant name", self.merchant_name)?,
            merchant_city: capped("merchant city", self.merchant_city)?,
            bill_number: exact("bill number", self.bill_number)?,
            reference_label: exact("reference label", self.reference_label)?,
            merchant_category: self.merchant_category,
            payload: String::new(),
        };
        let payload = with_crc(&qr.objects().map_err(BuildError::Encoding)?);
        let chars = payload.chars().count();
        if chars > PAYLOAD_MAX_CHARS {
            return Err(BuildError::PayloadTooLong { chars });
        }
        qr.payload = payload;
        Ok(qr)
    }
}

fn capped<const MAX: usize>(
    field: &'static str,
    text: Option<String>,
) -> Result<Option<AsciiText<MAX>>, BuildError> {
    text.map(|original| {
        AsciiText::folded_capped(&original).map_err(|error| text_error(field, original, MAX, error))
    })
    .transpose()
}

fn exact<const MAX: usize>(
    field: &'static str,
    text: Option<String>,
) -> Result<Option<AsciiText<MAX>>, BuildError> {
    text.map(|original| {
        AsciiText::folded_exact(&original).map_err(|error| text_error(field, original, MAX, error))
    })
    .transpose()
}

fn text_error(
    field: &'static str,
    original: String,
    max_chars: usize,
    error: TextError,
) -> BuildError {
    match error {
        TextError::NothingLeft => BuildError::NothingLeft { field, original },
        TextError::TooLong { chars } => BuildError::TooLong {
            field,
            chars,
            max_chars,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vietqr::find_bank;

    fn bank(query: &str) -> &'static Bank {
        find_bank(query).expect("bank in the snapshot")
    }

    #[test]
    fn static_code_without_amount_matches_the_public_vector() {
        let qr = VietQr::builder(bank("TPBank"), "0099999999")
            .build()
            .expect("valid");
        assert_eq!(qr.initiation(), Initiation::Static);
        assert_eq!(
            qr.payload(),
            "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4"
        );
    }

    #[test]
    fn dynamic_code_with_amount_and_purpose_matches_the_public_vector() {
        let qr = VietQr::builder(bank("VCB"), "1017595600")
            .amount(AmountVnd::new(180_000).expect("positive"))
            .purpose("Thanh toán đơn hàng")
            .build()
            .expect("valid");
        assert_eq!(qr.initiation(), Initiation::Dynamic);
        // The public vector has a lower-case memo; ours keeps the case typed.
        assert_eq!(qr.purpose(), Some("Thanh toan don hang"));
        let expected = "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN\
                        62230819Thanh toan don hang";
        assert!(qr.payload().starts_with(expected), "{}", qr.payload());
    }

    #[test]
    fn card_service_writes_qribfttc() {
        let qr = VietQr::builder(bank("BIDV"), "9704180000000018")
            .service(Service::Card)
            .build()
            .expect("valid");
        assert!(qr.payload().contains("0208QRIBFTTC"), "{}", qr.payload());
    }

    #[test]
    fn optional_objects_come_in_spec_order() {
        let qr = VietQr::builder(bank("970422"), "123")
            .merchant_category("8398")
            .merchant_name("Mặt trận Tổ quốc phường 7")
            .merchant_city("Hồ Chí Minh")
            .bill_number("HD-001")
            .reference_label("PLEDGE42")
            .purpose("Ủng hộ")
            .build()
            .expect("valid");
        let payload = qr.payload();
        let order = ["5204", "5303", "5802", "5925", "6011", "6232"];
        let positions: Vec<usize> = order
            .iter()
            .map(|tag| payload.find(tag).expect(tag))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{payload}");
        assert!(
            payload.contains("0106HD 001")
                && payload.contains("0508PLEDGE42")
                && payload.contains("0806Ung ho")
        );
        assert_eq!(qr.merchant_name(), Some("Mat tran To quoc phuong 7"));
    }

    #[test]
    fn empty_purpose_after_transliteration_is_refused() {
        let err = VietQr::builder(bank("VCB"), "1")
            .purpose("!!! ???")
            .build()
            .expect_err("nothing left");
        assert!(
            matches!(
                err,
                BuildError::NothingLeft {
                    field: "purpose",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn long_reference_is_refused_not_cut() {
        let err = VietQr::builder(bank("VCB"), "1")
            .reference_label(&"A".repeat(26))
            .build()
            .expect_err("too long");
        assert_eq!(
            err,
            BuildError::TooLong {
                field: "reference label",
                chars: 26,
                max_chars: 25
            }
        );
    }

    #[test]
    fn bad_account_and_mcc_are_refused() {
        let err = VietQr::builder(bank("VCB"), "").build().expect_err("empty");
        assert_eq!(err, BuildError::Account(AccountError::Empty));
        let err = VietQr::builder(bank("VCB"), "1")
            .merchant_category("83")
            .build()
            .expect_err("short mcc");
        assert!(
            matches!(err, BuildError::BadMerchantCategory { .. }),
            "{err:?}"
        );
    }
}
