//! Staff operations on residents' feedback tickets, for `phonghop hub feedback`: they check
//! what staff typed and work on the store, returning typed results; the caller prints.
//! A running hub sends the changes to rooms on their next sync. The staff JSON API and the
//! dashboard make their changes through these too, and the store writes each change's
//! audit line in the same transaction.

use crate::feedback::{FeedbackRow, Status, StatusRefusal};
use crate::store::{Store, StoreError, TriageRefusal};

/// Why a ticket operation was refused or failed; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("status {given:?} is not one of: {valid}")]
    UnknownStatus { given: String, valid: String },
    #[error("{0:?} is not a ticket code like LC-7K3P9")]
    BadTicket(String),
    #[error("no feedback with ticket code {0}")]
    NoTicket(String),
    #[error("--by: say who makes the change")]
    NoStaffMember,
    #[error("{0}: write something")]
    Empty(&'static str),
    #[error(transparent)]
    Refused(#[from] StatusRefusal),
    #[error(transparent)]
    Triage(#[from] TriageRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A status as staff type it (`in_progress`), or the list of those there are.
pub fn parse_status(text: &str) -> Result<Status, TicketError> {
    Status::parse(text).ok_or_else(|| TicketError::UnknownStatus {
        given: text.to_owned(),
        valid: Status::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn ticket_code(code: &str) -> Result<String, TicketError> {
    crate::feedback::ticket::normalize(code).ok_or_else(|| TicketError::BadTicket(code.to_owned()))
}

/// Everything about one ticket, personal data included (staff only).
pub fn find(store: &Store, code: &str) -> Result<FeedbackRow, TicketError> {
    let code = ticket_code(code)?;
    store
        .feedback_by_ticket(&code)?
        .ok_or(TicketError::NoTicket(code))
}

/// Moves a ticket to `status` and/or answers the resident with `reply`, in the ticket's
/// history under `by`.
pub fn update(
    store: &Store,
    code: &str,
    status: Option<&str>,
    reply: Option<&str>,
    by: &str,
    now_ms: i64,
) -> Result<FeedbackRow, TicketError> {
    let by = staff_member(by)?;
    let code = ticket_code(code)?;
    let status = status.map(parse_status).transpose()?;
    Ok(store.update_feedback(&code, status, reply, by, now_ms)??)
}

fn staff_member(by: &str) -> Result<&str, TicketError> {
    let by = by.trim();
    if by.is_empty() {
        Err(TicketError::NoStaffMember)
    } else {
        Ok(by)
    }
}

fn written<'a>(text: &'a str, what: &'static str) -> Result<&'a str, TicketError> {
    let text = text.trim();
    if text.is_empty() {
        Err(TicketError::Empty(what))
    } else {
        Ok(text)
    }
}

/// Adds an internal note (never shown to the resident) to a ticket `scope_unit` covers.
pub fn note(
    store: &Store,
    code: &str,
    scope_unit: Option<&str>,
    text: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), TicketError> {
    let by = staff_member(by)?;
    let text = crate::text::nfc(written(text, "the note")?);
    let code = ticket_code(code)?;
    Ok(store.add_feedback_note(&code, scope_unit, by, &text, now_ms)??)
}

/// Hands a ticket to another commune's staff (province admins decide this).
pub fn assign(
    store: &Store,
    code: &str,
    unit: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), TicketError> {
    let by = staff_member(by)?;
    let unit = written(unit, "the unit")?;
    let code = ticket_code(code)?;
    Ok(store.assign_feedback(&code, unit, by, now_ms)??)
}

/// Hides an abusive ticket from its public page and from exports (it is kept), or shows
/// it again; either needs a reason, kept in the audit trail.
pub fn set_hidden(
    store: &Store,
    code: &str,
    scope_unit: Option<&str>,
    hidden: bool,
    reason: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), TicketError> {
    let by = staff_member(by)?;
    let reason = crate::text::nfc(written(reason, "the reason")?);
    let code = ticket_code(code)?;
    Ok(store.set_feedback_hidden(&code, scope_unit, hidden, &reason, by, now_ms)??)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_staff_type_wrong_is_refused_before_the_store_is_touched() {
        let store = Store::open_in_memory().expect("store");
        let refused = |r: Result<FeedbackRow, TicketError>| r.expect_err("refused");
        assert!(matches!(
            refused(update(&store, "LC-7K3P9", None, Some("ok"), "  ", 0)),
            TicketError::NoStaffMember
        ));
        assert!(matches!(
            refused(update(&store, "not a code", None, Some("ok"), "Lan", 0)),
            TicketError::BadTicket(_)
        ));
        let status = refused(update(&store, "LC-7K3P9", Some("done"), None, "Lan", 0));
        assert!(status.to_string().contains("in_progress"), "{status}");
        assert!(matches!(
            refused(find(&store, "LC-7K3P9")),
            TicketError::NoTicket(_)
        ));
        assert!(matches!(
            refused(update(&store, "LC-7K3P9", Some("resolved"), None, "Lan", 0)),
            TicketError::Refused(StatusRefusal::UnknownTicket(_))
        ));
    }
}
