//! Bank-statement import: catches transfers whose webhook never arrived.
//!
//! Format `generic-csv`: UTF-8, a header line `date,amount_vnd,reference,description`
//! (columns in any order, extra columns ignored), one transfer per line. `date` is Vietnam
//! time (`2026-11-23 10:15:00`, `2026-11-23 10:15` or `2026-11-23`) or RFC 3339;
//! `amount_vnd` whole dong, digits only (negative amounts are outgoing and skipped);
//! `reference` the bank's reference of the line, unique in the account; `description` the
//! transfer text. Every bad line is reported with its number and nothing is imported until
//! the file is clean; a line already imported (same account and reference) counts once.

use super::IncomingTransfer;

/// The statement formats `phonghop hub import-statement --format` knows.
pub const FORMATS: &[&str] = &["generic-csv"];

/// Columns a `generic-csv` statement must have.
pub const GENERIC_CSV_COLUMNS: [&str; 4] = ["date", "amount_vnd", "reference", "description"];

/// A statement's incoming transfers, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub transfers: Vec<IncomingTransfer>,
    /// Outgoing lines (negative amounts), not imported.
    pub skipped_outgoing: usize,
}

/// Why a statement was refused: every problem, each with its line number (1 is the header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.problems))]
pub struct StatementError {
    pub problems: Vec<(u64, String)>,
}

fn render(problems: &[(u64, String)]) -> String {
    let mut out = format!(
        "the statement was not imported ({} problem{}; fix them and import again):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for (line, message) in problems {
        out.push_str(&format!("\n  line {line}: {message}"));
    }
    out
}

/// The provider name statement lines of `account` are recorded under.
pub fn provider_for(account: &str) -> String {
    format!("statement:{}", super::normalize_account(account))
}

/// Parses a `generic-csv` statement of `account`.
pub fn parse_generic_csv(bytes: &[u8], account: &str) -> Result<Statement, StatementError> {
    let fail = |line: u64, message: String| StatementError {
        problems: vec![(line, message)],
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fail(
            1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64,
            "not UTF-8; save the file as UTF-8 (CSV UTF-8 in spreadsheet programs)".into(),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| fail(1, format!("unreadable header: {e}")))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<&str> = GENERIC_CSV_COLUMNS
        .iter()
        .copied()
        .filter(|c| column(c).is_none())
        .collect();
    if header.iter().all(|h| h.is_empty()) || !missing.is_empty() {
        return Err(fail(
            1,
            format!(
                "the header must name the columns {}; missing: {}",
                GENERIC_CSV_COLUMNS.join(","),
                missing.join(", ")
            ),
        ));
    }
    let [date_col, amount_col, reference_col, description_col] =
        GENERIC_CSV_COLUMNS.map(|c| column(c).unwrap_or(usize::MAX));

    let provider = provider_for(account);
    let mut problems = Vec::new();
    let mut transfers: Vec<IncomingTransfer> = Vec::new();
    let mut skipped_outgoing = 0;
    let mut seen = std::collections::BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push((line, format!("unreadable: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |col: usize| record.get(col).unwrap_or("");
        let mut bad = |message: String| problems.push((line, message));
        let date = field(date_col);
        let occurred_at_ms = super::parse_bank_time(date);
        if occurred_at_ms.is_none() {
            bad(format!(
                "date {date:?} is not YYYY-MM-DD HH:MM[:SS] (Vietnam time) or RFC 3339"
            ));
        }
        let raw_amount = field(amount_col);
        let amount_vnd = raw_amount
            .strip_prefix('-')
            .unwrap_or(raw_amount)
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| raw_amount.parse::<i64>().ok())
            .flatten()
            .filter(|a| *a != 0);
        if amount_vnd.is_none() {
            bad(format!(
                "amount_vnd {raw_amount:?} is not a whole number of dong (digits only, no \
                 separators, not 0)"
            ));
        }
        let reference = field(reference_col).to_owned();
        if reference.is_empty() {
            bad("reference is empty; every line needs the bank's reference".into());
        } else if let Some(first) = seen.insert(reference.clone(), line) {
            bad(format!(
                "reference {reference:?} is also on line {first}; each line needs its own"
            ));
        }
        let description = field(description_col).to_owned();
        let (Some(occurred_at_ms), Some(amount_vnd)) = (occurred_at_ms, amount_vnd) else {
            continue;
        };
        if amount_vnd < 0 {
            skipped_outgoing += 1;
            continue;
        }
        let raw_json = serde_json::json!({
            "line": line,
            "date": date,
            "amount_vnd": amount_vnd,
            "reference": reference,
            "description": description,
        })
        .to_string();
        transfers.push(IncomingTransfer {
            provider: provider.clone(),
            provider_txn_id: reference.clone(),
            bank_reference: Some(reference),
            amount_vnd,
            transfer_text: description.clone(),
            match_text: description,
            sender_name: None,
            account: account.trim().to_owned(),
            occurred_at_ms,
            raw_json,
        });
    }
    if problems.is_empty() {
        Ok(Statement {
            transfers,
            skipped_outgoing,
        })
    } else {
        Err(StatementError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_line_is_named() {
        let csv = "date,amount_vnd,reference,description\n\
                   2026-11-23 10:15,100000,FT1,UH7K3P9 ung ho\n\
                   23/11/2026,100.000,FT2,x\n\
                   2026-11-23,50000,,y\n";
        let err = parse_generic_csv(csv.as_bytes(), "1").expect_err("bad lines");
        let lines: Vec<u64> = err.problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![3, 3, 4], "{err}");
    }

    #[test]
    fn outgoing_lines_are_skipped_and_columns_may_be_reordered() {
        let csv = "reference,description,amount_vnd,date,balance\n\
                   FT1,\"UH7K3P9, ung ho\",100000,2026-11-23,5\n\
                   FT2,rut tien,-20000,2026-11-23,5\n";
        let s = parse_generic_csv(csv.as_bytes(), "0011001234567").expect("valid");
        assert_eq!(s.transfers.len(), 1);
        assert_eq!(s.skipped_outgoing, 1);
        assert_eq!(s.transfers[0].transfer_text, "UH7K3P9, ung ho");
        assert_eq!(s.transfers[0].provider, "statement:0011001234567");
    }

    #[test]
    fn a_missing_header_column_is_named() {
        let err = parse_generic_csv(b"date,amount\n2026-11-23,1\n", "1").expect_err("header");
        assert!(err.to_string().contains("line 1"), "{err}");
        assert!(err.to_string().contains("reference"), "{err}");
    }
}
