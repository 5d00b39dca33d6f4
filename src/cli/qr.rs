//! `phonghop qr …`: make a VietQR payload (and images) for a transfer, or check one made elsewhere.
//!
//! Every refusal names the flag and says what to type instead; on error nothing is written to stdout, so a script
//! that captures the payload never captures half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::vietqr::render::{self, QrUse, RenderError};
use crate::vietqr::{
    self, AmountError, AmountVnd, BuildError, ParseError, Parsed, Service, VietQr,
};

#[derive(Debug, clap::Subcommand)]
pub enum QrCommand {
    /// Print a VietQR payload for a transfer to a Vietnamese bank account or card, and optionally draw it.
    Vietqr(VietqrArgs),
    /// Check a VietQR payload (structure, lengths, CRC, NAPAS fields) and print its fields as JSON.
    Decode {
        /// The payload text, as a QR scanner reads it from the code.
        #[arg(allow_hyphen_values = true)]
        payload: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct VietqrArgs {
    /// Receiving bank: its BIN (970436) or a short name (VCB, Vietcombank, BIDV, ICB, MB, ...).
    #[arg(long)]
    pub bank: String,
    /// Account number (or card number with --service card): letters and digits only, at most 19.
    #[arg(long, allow_hyphen_values = true)]
    pub account: String,
    /// Amount in whole dong, digits only (50000). Makes the code dynamic; leave out for a reusable static code.
    #[arg(long = "amount", value_name = "VND", allow_hyphen_values = true)]
    pub amount_vnd: Option<String>,
    /// Transfer memo; Vietnamese is written without marks, at most 25 characters: put the pledge code first.
    #[arg(long, allow_hyphen_values = true)]
    pub purpose: Option<String>,
    /// What --account is: a bank account number or a card number.
    #[arg(long, value_enum, default_value_t = ServiceArg::Account)]
    pub service: ServiceArg,
    /// Where the code will be shown: screen (error correction M) or a printed poster (Q).
    #[arg(long = "for", value_enum, default_value_t = UseArg::Screen)]
    pub qr_use: UseArg,
    /// Also write the code as a PNG to this file.
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Also write the code as an SVG to this file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Largest image side in pixels; the code uses the largest whole number of pixels per module that fits.
    #[arg(long = "size", value_name = "PX", default_value_t = 512)]
    pub size_px: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServiceArg {
    Account,
    Card,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UseArg {
    Screen,
    Poster,
}

/// Why a `qr` command failed. The message is complete and meant for the person at the terminal; inner errors
/// are not also exposed as `source()`, so `{}` and anyhow's `{:#}` print the same single line.
#[derive(Debug, thiserror::Error)]
pub enum QrCliError {
    #[error("--bank: unknown bank {query:?}; {}", bank_hint(.suggestions))]
    UnknownBank {
        query: String,
        suggestions: Vec<String>,
    },
    #[error("--amount: {0}")]
    Amount(AmountError),
    #[error("{flag}: {error}")]
    Build {
        flag: &'static str,
        error: BuildError,
    },
    #[error("not a valid VietQR payload: {0}")]
    Decode(ParseError),
    #[error("cannot draw the QR code: {0}")]
    Render(RenderError),
    #[error("cannot write {}: {error}; check that the folder exists and is writable", .path.display())]
    WriteFile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
    #[error("cannot format the decoded fields as JSON: {0}")]
    Json(serde_json::Error),
}

fn bank_hint(suggestions: &[String]) -> String {
    let list = "give its BIN or short name as in the bank list shipped with phonghop";
    if suggestions.is_empty() {
        list.to_string()
    } else {
        format!("did you mean {}? ({list})", suggestions.join(", "))
    }
}

/// Runs one `qr` subcommand, writing its result to `stdout` only when it succeeded.
pub fn run(cmd: QrCommand, stdout: &mut dyn Write) -> Result<(), QrCliError> {
    let output = match cmd {
        QrCommand::Vietqr(args) => vietqr_command(&args)?,
        QrCommand::Decode { payload } => decode_command(&payload)?,
    };
    stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(QrCliError::Stdout)
}

fn vietqr_command(args: &VietqrArgs) -> Result<String, QrCliError> {
    let bank = vietqr::find_bank(&args.bank).ok_or_else(|| QrCliError::UnknownBank {
        query: args.bank.clone(),
        suggestions: vietqr::suggest_banks(&args.bank, 3)
            .iter()
            .map(|bank| format!("{} ({})", bank.short_name, bank.bin))
            .collect(),
    })?;
    let mut builder = VietQr::builder(bank, &args.account).service(match args.service {
        ServiceArg::Account => Service::Account,
        ServiceArg::Card => Service::Card,
    });
    if let Some(amount) = &args.amount_vnd {
        builder = builder.amount(amount.parse::<AmountVnd>().map_err(QrCliError::Amount)?);
    }
    if let Some(purpose) = &args.purpose {
        builder = builder.purpose(purpose);
    }
    let qr = builder.build().map_err(|error| QrCliError::Build {
        flag: flag_for(&error),
        error,
    })?;
    let qr_use = match args.qr_use {
        UseArg::Screen => QrUse::Screen,
        UseArg::Poster => QrUse::Poster,
    };
    // Draw everything before writing anything, so a drawing error leaves no half-made set of files.
    let png = args
        .png
        .as_ref()
        .map(|path| render::png_bytes(qr.payload(), qr_use, args.size_px).map(|png| (path, png)))
        .transpose()
        .map_err(QrCliError::Render)?;
    let svg = args
        .svg
        .as_ref()
        .map(|path| render::svg_string(qr.payload(), qr_use, args.size_px).map(|svg| (path, svg)))
        .transpose()
        .map_err(QrCliError::Render)?;
    if let Some((path, bytes)) = png {
        write_file(path, &bytes)?;
    }
    if let Some((path, text)) = svg {
        write_file(path, text.as_bytes())?;
    }
    Ok(format!("{}\n", qr.payload()))
}

/// The flag a person should change for a build error.
fn flag_for(error: &BuildError) -> &'static str {
    match error {
        BuildError::Account(_) => "--account",
        BuildError::NothingLeft { .. } | BuildError::TooLong { .. } => "--purpose",
        BuildError::BadBin { .. } => "--bank",
        BuildError::BadMerchantCategory { .. }
        | BuildError::Encoding(_)
        | BuildError::PayloadTooLong { .. } => "vietqr",
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), QrCliError> {
    std::fs::write(path, bytes).map_err(|error| QrCliError::WriteFile {
        path: path.to_path_buf(),
        error,
    })
}

/// The fields `qr decode` prints. Keys are stable: absent optional fields print as `null`, except the extras.
#[derive(Debug, Serialize)]
struct Decoded<'a> {
    bank_bin: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_short_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_name: Option<&'a str>,
    account: &'a str,
    service: &'static str,
    service_code: &'static str,
    /// Whole dong.
    amount: Option<u64>,
    currency: &'a str,
    country: &'a str,
    purpose: Option<&'a str>,
    initiation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bill_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_category: Option<&'a str>,
    crc: &'a str,
    /// Always true here: a payload whose CRC does not match is reported as an error instead.
    crc_ok: bool,
}

fn decode_command(payload: &str) -> Result<String, QrCliError> {
    // A payload pasted from a terminal or a file often carries a trailing newline; it is never part of the code.
    let parsed: Parsed = vietqr::parse(payload.trim()).map_err(QrCliError::Decode)?;
    let bank = vietqr::bank_by_bin(&parsed.bank_bin);
    let decoded = Decoded {
        bank_bin: &parsed.bank_bin,
        bank_short_name: bank.map(|b| b.short_name.as_str()),
        bank_name: bank.map(|b| b.name.as_str()),
        account: &parsed.account,
        service: parsed.service.as_str(),
        service_code: parsed.service.code(),
        amount: parsed.amount_vnd,
        currency: &parsed.currency,
        country: &parsed.country,
        purpose: parsed.purpose.as_deref(),
        initiation: parsed.initiation.as_str(),
        bill_number: parsed.bill_number.as_deref(),
        reference_label: parsed.reference_label.as_deref(),
        merchant_name: parsed.merchant_name.as_deref(),
        merchant_city: parsed.merchant_city.as_deref(),
        merchant_category: parsed.merchant_category.as_deref(),
        crc: &parsed.crc,
        crc_ok: true,
    };
    let json = serde_json::to_string_pretty(&decoded).map_err(QrCliError::Json)?;
    Ok(format!("{json}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vietqr_args(bank: &str, account: &str) -> VietqrArgs {
        VietqrArgs {
            bank: bank.into(),
            account: account.into(),
            amount_vnd: None,
            purpose: None,
            service: ServiceArg::Account,
            qr_use: UseArg::Screen,
            png: None,
            svg: None,
            size_px: 512,
        }
    }

    fn run_to_string(cmd: QrCommand) -> Result<String, QrCliError> {
        let mut out = Vec::new();
        run(cmd, &mut out)?;
        Ok(String::from_utf8(out).expect("utf-8 output"))
    }

    #[test]
    fn vietqr_prints_one_line_payload() {
        let out =
            run_to_string(QrCommand::Vietqr(vietqr_args("TPBank", "0099999999"))).expect("valid");
        assert_eq!(
            out,
            "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4\n"
        );
    }

    #[test]
    fn unknown_bank_suggests_close_names_and_prints_nothing() {
        let mut out = Vec::new();
        let err =
            run(QrCommand::Vietqr(vietqr_args("Vietcombnk", "1")), &mut out).expect_err("unknown");
        assert!(out.is_empty());
        let message = err.to_string();
        assert!(message.contains("Vietcombank (970436)"), "{message}");
    }

    #[test]
    fn build_errors_name_the_flag() {
        let mut args = vietqr_args("VCB", "12 34");
        let err = run_to_string(QrCommand::Vietqr(args)).expect_err("space");
        assert!(err.to_string().starts_with("--account:"), "{err}");
        args = vietqr_args("VCB", "1234");
        args.purpose = Some("???".into());
        let err = run_to_string(QrCommand::Vietqr(args)).expect_err("empty purpose");
        assert!(err.to_string().starts_with("--purpose:"), "{err}");
    }

    #[test]
    fn decode_prints_fields_as_json() {
        let payload = "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN62230819thanh toan don hang630470FA";
        let out = run_to_string(QrCommand::Decode {
            payload: format!("{payload}\n"),
        })
        .expect("valid");
        let json: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(json["bank_bin"], "970436");
        assert_eq!(json["bank_short_name"], "Vietcombank");
        assert_eq!(json["account"], "1017595600");
        assert_eq!(json["amount"], 180_000);
        assert_eq!(json["purpose"], "thanh toan don hang");
        assert_eq!(json["initiation"], "dynamic");
        assert_eq!(json["service"], "account");
        assert_eq!(json["crc"], "70FA");
        assert_eq!(json["crc_ok"], true);
    }
}
