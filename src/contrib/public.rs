//! The public transparency page of a campaign (`/c/<slug>`) and its CSV (`/c/<slug>.csv`).
//!
//! After Typhoon Yagi (2024) committees published raw statements and donors found
//! themselves by the bank reference; they also published phone numbers and names. So this
//! page shows time, amount, bank reference and the memo with every phone-number-like run of
//! digits masked and the sender's name (when the provider told it) masked; a donor's name
//! only when the donor chose to give it at the kiosk. Staff names are not shown either.

use std::fmt::Write as _;

use super::{CampaignReport, EntryKind, ReportLine};
use crate::vietqr::ascii_fold;

use super::format_vnd;
use crate::report::vietnam_time;

/// Digit runs this long (separators ` .-` allowed between digits) look like phone or
/// account numbers and are masked.
pub const MASKED_DIGIT_RUN: usize = 9;

/// Masks phone-number-like digit runs (`0912 345 678`, `+84912345678`) with `*`, and the
/// sender's name if it appears (compared without case or Vietnamese marks).
pub fn mask_memo(memo: &str, sender_name: Option<&str>) -> String {
    let masked = mask_digit_runs(memo);
    match sender_name {
        Some(name) => mask_name(&masked, name),
        None => masked,
    }
}

fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // Groups of digits joined by single separators (` `, `.`, `-`).
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            groups.push((start, j));
            let joined = j + 1 < chars.len()
                && matches!(chars[j], ' ' | '.' | '-')
                && chars[j + 1].is_ascii_digit();
            if !joined {
                break;
            }
            j += 1;
        }
        let digits = |gs: &[(usize, usize)]| gs.iter().map(|(a, b)| b - a).sum::<usize>();
        // A group glued to letters belongs to a word such as a reference code (`UH7K3P9`);
        // leave it out when the rest is long enough on its own.
        let (mut a, mut b) = (0, groups.len());
        let glued_left = i > 0 && chars[i - 1].is_alphanumeric();
        if glued_left && b - a > 1 && digits(&groups[a + 1..b]) >= MASKED_DIGIT_RUN {
            a += 1;
        }
        let glued_right = chars.get(j).is_some_and(|c| c.is_alphanumeric());
        if glued_right && b - a > 1 && digits(&groups[a..b - 1]) >= MASKED_DIGIT_RUN {
            b -= 1;
        }
        if digits(&groups[a..b]) >= MASKED_DIGIT_RUN {
            for &(start, end) in &groups[a..b] {
                for c in &mut out[start..end] {
                    *c = '*';
                }
            }
        }
        i = j.max(i + 1);
    }
    out.into_iter().collect()
}

/// Replaces `name` in `text` (matching letters without case or marks, any separators) by
/// `***`.
fn mask_name(text: &str, name: &str) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| ascii_fold(w).to_ascii_uppercase())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return text.to_owned();
    }
    // Tokens of the text with their byte ranges.
    let mut tokens: Vec<(usize, usize, String)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                tokens.push((s, i, ascii_fold(&text[s..i]).to_ascii_uppercase()));
                start = None;
            }
            _ => {}
        }
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut t = 0;
    while t < tokens.len() {
        let whole = t + words.len() <= tokens.len()
            && tokens[t..t + words.len()]
                .iter()
                .zip(&words)
                .all(|(tok, w)| tok.2 == *w);
        // Banks often glue the name together: NGUYENVANA.
        let glued = tokens[t].2 == words.concat();
        if whole || glued {
            let last = if whole { t + words.len() - 1 } else { t };
            out.push_str(&text[copied..tokens[t].0]);
            out.push_str("***");
            copied = tokens[last].1;
            t = last + 1;
        } else {
            t += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

use crate::text::html_escape as html;

/// One row of the page and of the CSV, already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRow {
    /// When the money moved (the bank's time), else when the entry was made.
    pub time: String,
    pub amount_vnd: i64,
    pub bank_reference: String,
    pub memo: String,
    pub donor: String,
    pub kind: EntryKind,
    /// Why, for entries staff made (never who).
    pub note: String,
}

fn public_row(line: &ReportLine) -> PublicRow {
    let e = &line.entry;
    let (time_ms, bank_reference, memo) = match &line.transfer {
        Some(t) => (
            t.occurred_at_ms,
            t.bank_reference.clone().unwrap_or_default(),
            mask_memo(&t.transfer_text, t.sender_name.as_deref()),
        ),
        None => (e.created_at_ms, String::new(), String::new()),
    };
    let note = match e.kind {
        EntryKind::Gift => String::new(),
        _ => mask_digit_runs(&e.reason),
    };
    PublicRow {
        time: vietnam_time(time_ms),
        amount_vnd: e.amount_vnd,
        bank_reference,
        memo,
        donor: line.donor_name.clone().unwrap_or_default(),
        kind: e.kind,
        note,
    }
}

/// Every row of the report, masked, oldest first.
pub fn public_rows(report: &CampaignReport) -> Vec<PublicRow> {
    report.lines.iter().map(public_row).collect()
}

fn kind_label(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Gift => "Ủng hộ",
        EntryKind::Allocation => "Ủng hộ (cán bộ đối chiếu)",
        EntryKind::Correction => "Điều chỉnh",
        EntryKind::Refund => "Hoàn trả",
    }
}

/// The page: title, story, goal, raised, number of gifts, last update, and every ledger row.
pub fn render_html(report: &CampaignReport) -> String {
    let c = &report.campaign;
    let t = &report.totals;
    let percent = if c.goal_vnd > 0 {
        (t.raised_vnd.max(0) as f64 * 100.0 / c.goal_vnd as f64).min(100.0)
    } else {
        0.0
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=vi><head><meta charset=utf-8>\
         <meta name=viewport content='width=device-width,initial-scale=1'>\
         <title>{title}</title><style>\
         body{{font-family:'Noto Sans',sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}}\
         h1{{color:#b00000}}.totals{{display:flex;gap:2rem;flex-wrap:wrap;font-size:1.1rem}}\
         .totals b{{display:block;font-size:1.6rem}}progress{{width:100%;height:1.2rem}}\
         table{{border-collapse:collapse;width:100%;font-size:.95rem}}\
         th,td{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}}\
         td.amount{{text-align:right;white-space:nowrap}}.story{{white-space:pre-line}}\
         </style></head><body>\
         <h1>{title}</h1><p class=story>{story}</p>\
         <div class=totals>\
         <div>Đã nhận<b id=raised>{raised} ₫</b></div>\
         <div>Mục tiêu<b id=goal>{goal} ₫</b></div>\
         <div>Số lượt ủng hộ<b id=gifts>{gifts}</b></div>\
         <div>Cập nhật<b id=updated>{updated}</b></div></div>\
         <progress max=100 value={percent:.0}></progress>\
         <p>Tài khoản nhận: {account} · {account_name} · {status}. \
         <a id=csv href='{slug}.csv' download='{slug}.csv'>Tải sao kê (CSV)</a></p>\
         <table><thead><tr><th>Thời gian</th><th>Số tiền (₫)</th><th>Mã giao dịch ngân hàng</th>\
         <th>Nội dung chuyển khoản</th><th>Người ủng hộ</th><th>Loại</th></tr></thead><tbody>",
        title = html(&c.title),
        story = html(&c.story),
        raised = format_vnd(t.raised_vnd),
        goal = format_vnd(c.goal_vnd),
        gifts = t.gifts,
        updated = t
            .last_update_ms
            .map(vietnam_time)
            .unwrap_or_else(|| "—".into()),
        account = html(&c.account),
        account_name = html(&c.account_name),
        status = if c.is_open() {
            "Đang nhận ủng hộ"
        } else {
            "Đã kết thúc"
        },
        slug = html(&c.slug),
    );
    let rows = public_rows(report);
    if rows.is_empty() {
        out.push_str("<tr><td colspan=6>Chưa có khoản ủng hộ nào.</td></tr>");
    }
    for row in rows {
        let kind = if row.note.is_empty() {
            kind_label(row.kind).to_owned()
        } else {
            format!("{}: {}", kind_label(row.kind), html(&row.note))
        };
        let _ = write!(
            out,
            "<tr class='{kind_class}'><td>{time}</td><td class=amount>{amount}</td>\
             <td class=ref>{reference}</td><td>{memo}</td><td>{donor}</td><td>{kind}</td></tr>",
            kind_class = row.kind.as_str(),
            time = html(&row.time),
            amount = format_vnd(row.amount_vnd),
            reference = html(&row.bank_reference),
            memo = html(&row.memo),
            donor = if row.donor.is_empty() {
                "Ẩn danh".to_owned()
            } else {
                html(&row.donor)
            },
        );
    }
    out.push_str(
        "</tbody></table><p><small>Số điện thoại và số tài khoản trong nội dung chuyển khoản \
         được che. Tên người ủng hộ chỉ hiện khi họ đồng ý.</small></p></body></html>",
    );
    out
}

/// The same rows as CSV: `time,amount_vnd,bank_reference,memo,donor,kind,note`.
pub fn render_csv(report: &CampaignReport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = || -> Result<(), csv::Error> {
        writer.write_record([
            "time",
            "amount_vnd",
            "bank_reference",
            "memo",
            "donor",
            "kind",
            "note",
        ])?;
        // Donors write the memo and banks the reference: a cell that would start a
        // formula in a spreadsheet is quoted (the amount is ours, a number).
        use crate::report::export::guard_cell;
        for row in public_rows(report) {
            writer.write_record([
                row.time.as_str(),
                &row.amount_vnd.to_string(),
                &guard_cell(&row.bank_reference),
                &guard_cell(&row.memo),
                &guard_cell(&row.donor),
                row.kind.as_str(),
                &guard_cell(&row.note),
            ])?;
        }
        writer.flush()?;
        Ok(())
    };
    // Writing to memory cannot fail; an error would leave a shorter file, never a panic.
    let _ = write();
    String::from_utf8_lossy(writer.get_ref()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_masked_with_or_without_separators() {
        assert_eq!(
            mask_memo("UH7K3P9 0912345678 ung ho", None),
            "UH7K3P9 ********** ung ho"
        );
        assert_eq!(mask_memo("goi 0912 345 678", None), "goi **** *** ***");
        assert_eq!(mask_memo("+84.912.345.678", None), "+**.***.***.***");
        assert_eq!(mask_memo("ung ho 500000 dong", None), "ung ho 500000 dong");
        assert_eq!(mask_memo("sdt0912345678", None), "sdt**********");
        assert_eq!(
            mask_memo("0912345678 3NC5MB ung ho", None),
            "********** 3NC5MB ung ho"
        );
    }

    #[test]
    fn the_senders_name_is_masked_without_regard_to_marks() {
        assert_eq!(
            mask_memo("NGUYEN VAN AN chuyen tien UH7K3P9", Some("Nguyễn Văn An")),
            "*** chuyen tien UH7K3P9"
        );
        assert_eq!(
            mask_memo("MBVCB.1.NGUYENVANAN.ung ho", Some("NGUYEN VAN AN")),
            "MBVCB.1.***.ung ho"
        );
    }
}
