//! Contributions on the dashboard: campaigns (create, close, open again), a campaign's
//! ledger, pledges staff take by phone or in cash (code and VietQR to print or show), the
//! unallocated-transfers queue, corrections and refunds with a reason, the poster and the
//! public page. Campaigns are set up at the hub for the whole province, so these pages are
//! for province admins; commune staff get a 403 page.
//!
//! Every change goes through the operations the CLI and the JSON API use
//! (`hub::campaigns`, `hub::pledges`, the store's ledger methods); the ledger stays
//! append-only: a refund or correction is a new entry.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};

use super::flash::{Done, see_other};
use super::forms::{NoFields, ProvinceForm, ProvincePage, broken, refused};
use super::{Lang, PageError, Staff, csrf_input, layout, t, t_args};
use crate::contrib::campaign::CampaignInput;
use crate::contrib::{Campaign, EntryKind, PledgeStatus, format_vnd};
use crate::hub::Hub;
use crate::hub::campaigns::{self, CampaignError};
use crate::hub::pledges::{self, PledgeError, PledgeMethod, StaffPledgeRequest};
use crate::report::vietnam_time;
use crate::store::{LedgerEntry, StaffNote, Store, StoreError};

/// Who did a ledger action, as kept in the ledger: name and login.
fn actor(staff: &Staff) -> String {
    format!("{} ({})", staff.name, staff.login)
}

/// Whole dong as staff type it: digits, with `.`, `,` or spaces between thousands; a sign
/// only when `signed`.
fn parse_vnd(text: &str, signed: bool) -> Option<i64> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        _ => (false, t.strip_prefix('+').filter(|_| signed).unwrap_or(t)),
    };
    let digits: String = digits
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

fn campaign_path(campaign: &Campaign) -> String {
    format!("/staff/campaigns/{}", campaign.slug)
}

fn status_text(lang: Lang, campaign: &Campaign) -> String {
    t(
        lang,
        &format!("campaign-status-{}", campaign.status.as_str()),
    )
}

/// `/staff/contributions`: every campaign with its totals, and the create form.
pub(crate) async fn list(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Query(done): Query<Done>,
) -> Result<Markup, PageError> {
    let (list, queued) = hub
        .store
        .call(|s| Ok::<_, StoreError>((campaigns::list(s)?, s.unallocated_transfers()?.len())))
        .await
        .map_err(|e| broken(&staff, lang, "campaign list", e))?;
    let body = html! {
        @if let Some(n) = done.notice(lang) { (n) }
        p class="actions" {
            a class="button" href="/staff/contributions/transfers" {
                (t_args(lang, "contrib-queue-link", &[("count", &queued.to_string())]))
            }
        }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (t(lang, "campaign-title")) } th { (t(lang, "campaign-status")) }
                    th { (t(lang, "campaign-goal")) } th { (t(lang, "campaign-raised")) }
                    th { (t(lang, "campaign-donors")) } th { (t(lang, "campaign-public")) }
                } }
                tbody {
                    @for summary in &list {
                        @let c = &summary.campaign;
                        tr {
                            td { a href=(campaign_path(c)) { (c.title) } }
                            td { (status_text(lang, c)) }
                            td class="num" { (format_vnd(c.goal_vnd)) }
                            td class="num" { (format_vnd(summary.totals.raised_vnd)) }
                            td class="num" { (summary.totals.gifts) }
                            td { a href={ "/c/" (c.slug) } { "/c/" (c.slug) } }
                        }
                    }
                    @if list.is_empty() {
                        tr { td colspan="6" { (t(lang, "campaign-none")) } }
                    }
                }
            }
        }
        details class="card" open[list.is_empty()] {
            summary { (t(lang, "campaign-create")) }
            form class="stack" method="post" action="/staff/contributions" {
                (csrf_input(&staff))
                label { (t(lang, "campaign-slug")) input name="slug" required pattern="[a-z0-9-]{3,60}" placeholder="vi-nguoi-ngheo-2026"; }
                label { (t(lang, "campaign-title")) input name="title" required; }
                label { (t(lang, "campaign-story")) textarea name="story" rows="3" {} }
                label { (t(lang, "campaign-bank")) input name="bank" required placeholder="BIDV, VCB, 970436"; }
                label { (t(lang, "campaign-account")) input name="account" required inputmode="numeric"; }
                label { (t(lang, "campaign-account-name")) input name="account_name" required; }
                label { (t(lang, "campaign-goal")) input name="goal" required inputmode="numeric" placeholder="50.000.000"; }
                label { (t(lang, "campaign-starts")) input type="date" name="starts"; }
                label { (t(lang, "campaign-ends")) input type="date" name="ends" required; }
                button type="submit" { (t(lang, "campaign-create")) }
            }
        }
    };
    Ok(layout(&t(lang, "contrib-title"), Some(&staff), lang, body))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct CampaignForm {
    slug: String,
    title: String,
    story: String,
    bank: String,
    account: String,
    account_name: String,
    goal: String,
    starts: String,
    ends: String,
}

pub(crate) async fn create(
    State(hub): State<Arc<Hub>>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<CampaignForm>,
) -> Result<Response, PageError> {
    let input = CampaignInput {
        slug: form.slug,
        title: form.title,
        story: form.story,
        bank: form.bank,
        account: form.account,
        account_name: form.account_name,
        // Not a number: the check's own "goal" problem says what to type.
        goal_vnd: parse_vnd(&form.goal, false).unwrap_or(0),
        starts_on: form.starts,
        ends_on: form.ends,
    };
    let now = crate::clock::now_ms();
    let made = hub
        .store
        .call(move |s| campaigns::create(s, &input, now, &mut rand::rng()))
        .await;
    match made {
        Ok(campaign) => {
            tracing::info!(login = %staff.login, campaign = %campaign.slug, "campaign created on the dashboard");
            Ok(see_other(
                &campaign_path(&campaign),
                "flash-campaign-created",
            ))
        }
        Err(CampaignError::Invalid(problems)) => Ok(refused(
            &staff,
            lang,
            &problems.joined("; "),
            "/staff/contributions",
        )),
        Err(CampaignError::Store(StoreError::Refused(why))) => {
            Ok(refused(&staff, lang, &why, "/staff/contributions"))
        }
        Err(e) => Err(broken(&staff, lang, "create campaign", e)),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct CampaignQuery {
    done: Option<String>,
    /// A pledge to show with its code and QR (after it was recorded, or picked from the list).
    pledge: Option<String>,
}

/// The pledge panel: its code large, the amount, and the VietQR to print or show.
fn pledge_panel(lang: Lang, pledge: &crate::store::Pledge, payload: &str) -> Markup {
    let svg = crate::vietqr::render::svg_string(payload, crate::vietqr::render::QrUse::Poster, 320)
        .map(|svg| {
            // Inline: the XML declaration is not allowed inside HTML.
            svg.split_once("?>")
                .map_or(svg.clone(), |(_, rest)| rest.trim().to_owned())
        });
    html! {
        section class="card pledge" aria-labelledby="pledge-code" {
            h2 { (t(lang, "pledge-code")) }
            p class="code" id="pledge-code" { (pledge.reference) }
            p { (t_args(lang, "pledge-amount-line", &[("amount", &format_vnd(pledge.amount_vnd))])) }
            @match &svg {
                Ok(svg) => div class="qr" role="img" aria-label=(t(lang, "pledge-qr")) { (PreEscaped(svg)) },
                Err(e) => div class="notice error" { (e.to_string()) },
            }
            p class="hint" { (t_args(lang, "pledge-transfer-hint", &[("code", &pledge.reference)])) }
        }
    }
}

/// `/staff/campaigns/{campaign}`: totals, links, pledges, ledger and the staff's forms.
pub(crate) async fn show(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Path(key): Path<String>,
    Query(query): Query<CampaignQuery>,
) -> Result<Response, PageError> {
    let wanted = query.pledge.clone();
    let found = hub
        .store
        .call(move |s| -> Result<_, PledgeError> {
            let book = match campaigns::ledger(s, &key) {
                Ok(book) => book,
                Err(CampaignError::NoCampaign(_)) => return Ok(None),
                Err(CampaignError::Store(e)) => return Err(e.into()),
                Err(CampaignError::Invalid(p)) => {
                    return Err(PledgeError::Store(StoreError::Refused(p.to_string())));
                }
            };
            let pledges = s.pledges_of(&book.campaign.id)?;
            let shown = match wanted {
                Some(reference) => pledges::qr_of(s, &book.campaign, &reference)?,
                None => None,
            };
            Ok(Some((book, pledges, shown)))
        })
        .await
        .map_err(|e| broken(&staff, lang, "campaign page", e))?;
    let Some((book, pledges, shown)) = found else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            Some(&staff),
            lang,
            &t(lang, "campaign-missing"),
        ));
    };
    let c = &book.campaign;
    let path = campaign_path(c);
    let done = Done { done: query.done };
    let pending: Vec<_> = pledges
        .iter()
        .filter(|p| p.status == PledgeStatus::Pending)
        .collect();
    let body = html! {
        @if let Some(n) = done.notice(lang) { (n) }
        @if let Some((pledge, payload)) = &shown { (pledge_panel(lang, pledge, payload)) }
        section class="card" {
            dl class="facts" {
                dt { (t(lang, "campaign-status")) } dd { (status_text(lang, c)) }
                dt { (t(lang, "campaign-goal")) } dd { (format_vnd(c.goal_vnd)) " VND" }
                dt { (t(lang, "campaign-raised")) } dd { (format_vnd(book.totals.raised_vnd)) " VND" }
                dt { (t(lang, "campaign-donors")) } dd { (book.totals.gifts) }
                dt { (t(lang, "campaign-dates")) } dd { (c.starts_on) " – " (c.ends_on) }
                dt { (t(lang, "campaign-account")) } dd { (c.account) " · " (c.account_name) }
            }
            p class="actions" {
                a href={ "/c/" (c.slug) } { (t(lang, "campaign-public-link")) }
                " · "
                a href={ (path) "/poster.pdf" } download { (t(lang, "campaign-poster")) }
            }
            @let (action, label) = if c.is_open() { ("close", "campaign-close") } else { ("open", "campaign-open") };
            form method="post" action={ (path) "/" (action) } {
                (csrf_input(&staff))
                button type="submit" class="secondary" { (t(lang, label)) }
            }
        }
        @if c.is_open() {
            details class="card" open {
                summary { (t(lang, "pledge-record")) }
                form class="stack" method="post" action={ (path) "/pledges" } {
                    (csrf_input(&staff))
                    label { (t(lang, "pledge-amount")) input name="amount" required inputmode="numeric" placeholder="200.000"; }
                    label { (t(lang, "pledge-name")) input name="name" autocomplete="off"; }
                    label class="check" { input type="checkbox" name="consent" value="yes"; (t(lang, "pledge-consent")) }
                    label { (t(lang, "pledge-method"))
                        select name="method" {
                            option value="transfer" { (t(lang, "pledge-method-transfer")) }
                            option value="cash" { (t(lang, "pledge-method-cash")) }
                        }
                    }
                    button type="submit" { (t(lang, "pledge-record")) }
                }
            }
        }
        h2 { (t(lang, "pledges-pending")) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { (t(lang, "pledge-code")) } th { (t(lang, "pledge-amount")) }
                    th { (t(lang, "pledge-name")) } th { (t(lang, "ledger-time")) } th { (t(lang, "pledge-cash")) }
                } }
                tbody {
                    @for p in &pending {
                        tr {
                            td { a href={ (path) "?pledge=" (p.reference) } { (p.reference) } }
                            td class="num" { (format_vnd(p.amount_vnd)) }
                            td { (p.donor_name.as_deref().unwrap_or("—")) }
                            td { (vietnam_time(p.created_at_ms)) }
                            td {
                                form class="inline" method="post" action={ (path) "/pledges/" (p.reference) "/received" } {
                                    (csrf_input(&staff))
                                    input name="by" value=(staff.name) required aria-label=(t(lang, "pledge-received-by"));
                                    button type="submit" { (t(lang, "pledge-received")) }
                                }
                            }
                        }
                    }
                    @if pending.is_empty() { tr { td colspan="5" { (t(lang, "pledges-none")) } } }
                }
            }
        }
        h2 { (t(lang, "ledger-title")) }
        div class="table-wrap" {
            table {
                thead { tr {
                    th { "#" } th { (t(lang, "ledger-time")) } th { (t(lang, "ledger-kind")) }
                    th { (t(lang, "pledge-amount")) } th { (t(lang, "ledger-by")) } th { (t(lang, "ledger-reason")) } th {}
                } }
                tbody {
                    @for e in &book.entries {
                        @let refundable = e.kind.credits_a_transfer()
                            && e.transfer_id.as_ref().is_some_and(|id| !book.entries.iter().any(|r| r.kind == EntryKind::Refund && r.transfer_id.as_ref() == Some(id)));
                        tr {
                            td { (e.seq) }
                            td { (vietnam_time(e.created_at_ms)) }
                            td { (t(lang, &format!("ledger-kind-{}", e.kind.as_str()))) }
                            td class="num" { (format_vnd(e.amount_vnd)) }
                            td { (e.staff_member.as_deref().unwrap_or("—")) }
                            td { (e.reason) }
                            td {
                                @if let (true, Some(transfer)) = (refundable, &e.transfer_id) {
                                    (refund_form(&staff, lang, transfer, &c.slug))
                                }
                            }
                        }
                    }
                    @if book.entries.is_empty() { tr { td colspan="7" { (t(lang, "ledger-empty")) } } }
                }
            }
        }
        details class="card" {
            summary { (t(lang, "correction-title")) }
            form class="stack" method="post" action={ (path) "/corrections" } {
                (csrf_input(&staff))
                label { (t(lang, "correction-amount")) input name="amount" required placeholder="-50000"; }
                label { (t(lang, "ledger-reason")) input name="reason" required; }
                button type="submit" { (t(lang, "correction-submit")) }
            }
        }
    };
    Ok(layout(&c.title, Some(&staff), lang, body).into_response())
}

/// The refund form of one transfer; `back` is the campaign page to return to (empty: the
/// queue).
fn refund_form(staff: &Staff, lang: Lang, transfer_id: &str, back: &str) -> Markup {
    html! {
        form class="inline" method="post" action={ "/staff/contributions/transfers/" (transfer_id) "/refund" } {
            (csrf_input(staff))
            input type="hidden" name="back" value=(back);
            input name="reason" placeholder=(t(lang, "ledger-reason")) aria-label=(t(lang, "ledger-reason"));
            button type="submit" class="secondary" { (t(lang, "refund-submit")) }
        }
    }
}

/// Closes or opens a campaign again.
async fn set_open(
    hub: &Hub,
    staff: &Staff,
    lang: Lang,
    key: String,
    open: bool,
) -> Result<Response, PageError> {
    let now = crate::clock::now_ms();
    let changed = hub
        .store
        .call(move |s| {
            if open {
                s.reopen_campaign(&key)
            } else {
                s.close_campaign(&key, now)
            }
        })
        .await;
    match changed {
        Ok(c) => {
            tracing::info!(login = %staff.login, campaign = %c.slug, open, "campaign status changed on the dashboard");
            let key = if open {
                "flash-campaign-opened"
            } else {
                "flash-campaign-closed"
            };
            Ok(see_other(&campaign_path(&c), key))
        }
        Err(StoreError::Refused(why)) => Ok(refused(staff, lang, &why, "/staff/contributions")),
        Err(e) => Err(broken(staff, lang, "campaign status", e)),
    }
}

pub(crate) async fn close(
    State(hub): State<Arc<Hub>>,
    Path(key): Path<String>,
    ProvinceForm { staff, lang, .. }: ProvinceForm<NoFields>,
) -> Result<Response, PageError> {
    set_open(&hub, &staff, lang, key, false).await
}

pub(crate) async fn open(
    State(hub): State<Arc<Hub>>,
    Path(key): Path<String>,
    ProvinceForm { staff, lang, .. }: ProvinceForm<NoFields>,
) -> Result<Response, PageError> {
    set_open(&hub, &staff, lang, key, true).await
}

/// The A4 poster, as `phonghop hub poster` writes it.
pub(crate) async fn poster(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let campaign = match hub.store.call(move |s| campaigns::find(s, &key)).await {
        Ok(c) => c,
        Err(CampaignError::NoCampaign(_)) => {
            return Err(PageError::new(
                StatusCode::NOT_FOUND,
                Some(&staff),
                lang,
                &t(lang, "campaign-missing"),
            ));
        }
        Err(e) => return Err(broken(&staff, lang, "poster", e)),
    };
    let url = hub.config.campaign_page_url(&campaign.slug);
    let slug = campaign.slug.clone();
    let pdf =
        tokio::task::spawn_blocking(move || crate::contrib::poster::poster_pdf(&campaign, &url))
            .await
            .map_err(|e| broken(&staff, lang, "poster", e))?
            .map_err(|e| broken(&staff, lang, "poster", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"poster-{slug}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct PledgeForm {
    amount: String,
    name: String,
    consent: Option<String>,
    method: String,
}

pub(crate) async fn add_pledge(
    State(hub): State<Arc<Hub>>,
    Path(key): Path<String>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<PledgeForm>,
) -> Result<Response, PageError> {
    let back = format!("/staff/campaigns/{key}");
    let Some(amount_vnd) = parse_vnd(&form.amount, false).filter(|a| *a > 0) else {
        return Ok(refused(&staff, lang, &t(lang, "amount-invalid"), &back));
    };
    let name = form.name.trim();
    let request = StaffPledgeRequest {
        campaign: key,
        amount_vnd,
        donor_name: (!name.is_empty()).then(|| name.to_owned()),
        consent_public: form.consent.is_some(),
        method: if form.method == "cash" {
            PledgeMethod::Cash
        } else {
            PledgeMethod::Transfer
        },
    };
    let now = crate::clock::now_ms();
    let made = hub
        .store
        .call(move |s| pledges::add(s, &request, now, &mut rand::rng()))
        .await;
    match made {
        Ok(made) => {
            tracing::info!(login = %staff.login, campaign = %made.campaign_slug, "pledge recorded on the dashboard");
            Ok(see_other(
                &format!(
                    "/staff/campaigns/{}?pledge={}",
                    made.campaign_slug, made.reference
                ),
                "flash-pledge-recorded",
            ))
        }
        Err(PledgeError::NameWithoutConsent) => Ok(refused(
            &staff,
            lang,
            &t(lang, "pledge-needs-consent"),
            &back,
        )),
        Err(PledgeError::Store(StoreError::Sqlite(e))) => Err(broken(&staff, lang, "pledge", e)),
        Err(e) => Ok(refused(&staff, lang, &e.to_string(), &back)),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct ReceivedForm {
    by: String,
}

pub(crate) async fn cash_received(
    State(hub): State<Arc<Hub>>,
    Path((key, reference)): Path<(String, String)>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<ReceivedForm>,
) -> Result<Response, PageError> {
    let back = format!("/staff/campaigns/{key}");
    if form.by.trim().is_empty() {
        return Ok(refused(
            &staff,
            lang,
            &t(lang, "received-by-required"),
            &back,
        ));
    }
    // The ledger names who took the money, and which account recorded it.
    let by = format!("{} — {}", form.by.trim(), actor(&staff));
    let now = crate::clock::now_ms();
    match hub
        .store
        .call(move |s| pledges::receive_cash(s, &reference, &by, now))
        .await
    {
        Ok(_) => Ok(see_other(&back, "flash-cash-received")),
        Err(PledgeError::Store(StoreError::Refused(why))) => Ok(refused(&staff, lang, &why, &back)),
        Err(e) => Err(broken(&staff, lang, "cash received", e)),
    }
}

/// A ledger entry staff add (allocation, correction, refund): refused without a reason,
/// made by `add` with the member's name and the reason, then `303` to `back` saying
/// `flash`; a refusal of the ledger's rules is shown as it is worded.
async fn ledger_action(
    hub: &Hub,
    staff: &Staff,
    lang: Lang,
    (back, flash): (&str, &str),
    reason: String,
    add: impl FnOnce(&Store, StaffNote<'_>, i64) -> Result<LedgerEntry, StoreError> + Send + 'static,
) -> Result<Response, PageError> {
    if reason.trim().is_empty() {
        return Ok(refused(staff, lang, &t(lang, "reason-required"), back));
    }
    let by = actor(staff);
    let now = crate::clock::now_ms();
    let done = hub
        .store
        .call(move |s| {
            let note = StaffNote {
                staff_member: &by,
                reason: &reason,
            };
            add(s, note, now)
        })
        .await;
    match done {
        Ok(entry) => {
            tracing::info!(login = %staff.login, kind = %entry.kind, "ledger entry added on the dashboard");
            Ok(see_other(back, flash))
        }
        Err(StoreError::Refused(why)) => Ok(refused(staff, lang, &why, back)),
        Err(e) => Err(broken(staff, lang, flash, e)),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct CorrectionForm {
    amount: String,
    reason: String,
}

pub(crate) async fn correct(
    State(hub): State<Arc<Hub>>,
    Path(key): Path<String>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<CorrectionForm>,
) -> Result<Response, PageError> {
    let back = format!("/staff/campaigns/{key}");
    let Some(amount) = parse_vnd(&form.amount, true).filter(|a| *a != 0) else {
        return Ok(refused(
            &staff,
            lang,
            &t(lang, "correction-amount-invalid"),
            &back,
        ));
    };
    ledger_action(
        &hub,
        &staff,
        lang,
        (&back, "flash-correction-recorded"),
        form.reason,
        move |s, note, now| s.correct_campaign(&key, amount, note, now),
    )
    .await
}

/// `/staff/contributions/transfers`: transfers no campaign was credited with, each with
/// the reason matching gave, an assign form and a refund form.
pub(crate) async fn queue(
    State(hub): State<Arc<Hub>>,
    ProvincePage { staff, lang }: ProvincePage,
    Query(done): Query<Done>,
) -> Result<Markup, PageError> {
    let (transfers, all) = hub
        .store
        .call(|s| Ok::<_, StoreError>((s.unallocated_transfers()?, s.campaigns()?)))
        .await
        .map_err(|e| broken(&staff, lang, "transfer queue", e))?;
    let body = html! {
        @if let Some(n) = done.notice(lang) { (n) }
        p { (t(lang, "queue-intro")) }
        @if transfers.is_empty() {
            p class="card" { (t(lang, "queue-empty")) }
        }
        ul class="queue" {
            @for tr in &transfers {
                li class="card" {
                    div class="transfer" {
                        strong class="amount" { (format_vnd(tr.amount_vnd)) " VND" }
                        span { (vietnam_time(tr.occurred_at_ms)) }
                        span { (tr.provider) @if let Some(r) = &tr.bank_reference { " · " (r) } }
                    }
                    p class="memo" { (tr.transfer_text) }
                    @if let Some(why) = &tr.unmatched_reason { p class="hint" { (why) } }
                    form class="stack" method="post" action={ "/staff/contributions/transfers/" (tr.id) "/assign" } {
                        (csrf_input(&staff))
                        label { (t(lang, "queue-campaign"))
                            select name="campaign" required {
                                @for c in &all { option value=(c.slug) { (c.title) " (" (status_text(lang, c)) ")" } }
                            }
                        }
                        label { (t(lang, "queue-pledge")) input name="pledge" autocomplete="off" placeholder="UH7K3P9"; }
                        label { (t(lang, "ledger-reason")) input name="reason" required; }
                        button type="submit" { (t(lang, "queue-assign")) }
                    }
                    (refund_form(&staff, lang, &tr.id, ""))
                }
            }
        }
    };
    Ok(layout(&t(lang, "queue-title"), Some(&staff), lang, body))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct AssignForm {
    campaign: String,
    pledge: String,
    reason: String,
}

const QUEUE: &str = "/staff/contributions/transfers";

pub(crate) async fn assign(
    State(hub): State<Arc<Hub>>,
    Path(transfer): Path<String>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<AssignForm>,
) -> Result<Response, PageError> {
    let pledge = Some(form.pledge.trim().to_owned()).filter(|p| !p.is_empty());
    ledger_action(
        &hub,
        &staff,
        lang,
        (QUEUE, "flash-transfer-assigned"),
        form.reason,
        move |s, note, now| {
            s.assign_transfer(&transfer, &form.campaign, pledge.as_deref(), note, now)
        },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct RefundForm {
    reason: String,
    /// The campaign page the form was on (empty: the queue).
    back: String,
}

pub(crate) async fn refund(
    State(hub): State<Arc<Hub>>,
    Path(transfer): Path<String>,
    ProvinceForm {
        staff,
        lang,
        fields: form,
    }: ProvinceForm<RefundForm>,
) -> Result<Response, PageError> {
    // Only a slug goes back into a path: no redirect anywhere else.
    let back = if !form.back.is_empty()
        && form
            .back
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        format!("/staff/campaigns/{}", form.back)
    } else {
        QUEUE.to_owned()
    };
    ledger_action(
        &hub,
        &staff,
        lang,
        (&back, "flash-refund-recorded"),
        form.reason,
        move |s, note, now| s.refund_transfer(&transfer, note, now),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_staff_type_them() {
        assert_eq!(parse_vnd("200.000", false), Some(200_000));
        assert_eq!(parse_vnd(" 1 500 000 ", false), Some(1_500_000));
        assert_eq!(parse_vnd("-50.000", true), Some(-50_000));
        assert_eq!(parse_vnd("-50000", false), None);
        assert_eq!(parse_vnd("hai trăm", false), None);
        assert_eq!(parse_vnd("", true), None);
    }
}
