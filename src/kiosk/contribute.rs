//! "Contribute" on the kiosk: campaign list with progress → amount → name or anonymous →
//! the dynamic VietQR → "thank you" when the room learns the transfer arrived.
//!
//! The flow's state and messages live in [`super::contribute_model`] (the shell keeps the
//! state and applies the commands); this file carries out the requests ([`RoomCalls`]) and
//! draws the steps. The `*_ui` functions draw and do no I/O.

use egui::{Color32, RichText, Sense, Ui, vec2};
use tokio::sync::oneshot;

pub use super::contribute_model::*;
use super::i18n::{Arg, tr, tr_args};
use super::keyboard::{self, KeyboardEvent};
use super::shell::{Command, Screen, Shell};
use super::style::{BODY_PT, MIN_TARGET, big_button, big_button_enabled, body, heading};
use super::widgets::{keyboard_labels, qr_ui};
use crate::config::Language;
use crate::contrib::format_vnd;
use crate::room::contrib_service::{ContribError, ContribRequest, PledgeDraft, PledgeTicket};
use crate::room::service::{KioskClient, KioskRequest};
use crate::store::{PledgeState, WallEntry};
use crate::wire::CampaignInfo;

// ----- carrying out requests (the app's side; no egui) -----

/// The room's answers the kiosk is waiting for, polled every frame.
#[derive(Debug, Default)]
pub struct RoomCalls {
    campaigns: Option<oneshot::Receiver<Result<Vec<CampaignInfo>, ContribError>>>,
    wall: Option<oneshot::Receiver<Result<Vec<WallEntry>, ContribError>>>,
    pledge: Option<oneshot::Receiver<Result<PledgeTicket, ContribError>>>,
    status: Option<oneshot::Receiver<Result<Option<PledgeState>, ContribError>>>,
    /// The code `status` asks about.
    status_code: String,
    last_status_ms: i64,
}

fn ask<T>(
    service: &KioskClient,
    make: impl FnOnce(oneshot::Sender<T>) -> ContribRequest,
) -> oneshot::Receiver<T> {
    let (reply, rx) = oneshot::channel();
    service.send(KioskRequest::Contrib(make(reply)));
    rx
}

/// `Some(answer)` once the room answered (or stopped), `None` while it is working.
fn take<T>(
    slot: &mut Option<oneshot::Receiver<Result<T, ContribError>>>,
) -> Option<Result<T, ContribError>> {
    use tokio::sync::oneshot::error::TryRecvError;
    let answer = match slot.as_mut()?.try_recv() {
        Ok(answer) => answer,
        Err(TryRecvError::Empty) => return None,
        Err(TryRecvError::Closed) => Err(ContribError::Stopped),
    };
    *slot = None;
    Some(answer)
}

impl RoomCalls {
    /// Sends a request to the room; without a room (a preview) answers at once with
    /// sample data so screenshots show every step.
    pub fn send(
        &mut self,
        request: ContributeRequest,
        service: Option<&KioskClient>,
        shell: &mut Shell,
    ) {
        let Some(service) = service else {
            for event in preview_answers(&request) {
                shell.contribute_event(event);
            }
            return;
        };
        match request {
            ContributeRequest::LoadCampaigns => {
                self.campaigns = Some(ask(service, |reply| ContribRequest::ListCampaigns {
                    reply,
                }));
                self.wall = Some(ask(service, |reply| ContribRequest::DonorWall {
                    limit: WALL_LINES,
                    reply,
                }));
            }
            ContributeRequest::CreatePledge(draft) => {
                self.pledge = Some(ask(service, |reply| ContribRequest::CreatePledge {
                    draft,
                    reply,
                }));
            }
        }
    }

    /// Hands answers to the shell and, while a QR is shown, asks now and then whether the
    /// bank confirmed it. True while answers are awaited (the app repaints soon).
    pub fn poll(&mut self, service: Option<&KioskClient>, shell: &mut Shell, now_ms: i64) -> bool {
        if let Some(answer) = take(&mut self.campaigns) {
            shell.contribute_event(ContributeEvent::Campaigns(answer));
        }
        if let Some(answer) = take(&mut self.wall) {
            shell.contribute_event(ContributeEvent::Wall(answer));
        }
        if let Some(answer) = take(&mut self.pledge) {
            shell.contribute_event(ContributeEvent::PledgeCreated(answer));
        }
        if let Some(state) = take(&mut self.status) {
            shell.contribute_event(ContributeEvent::PledgeStatus {
                reference_code: self.status_code.clone(),
                state,
            });
        }
        if let (Some(service), Some(code), None) = (service, shell.watched_pledge(), &self.status)
            && now_ms - self.last_status_ms >= STATUS_POLL_MS
        {
            let reference_code = code.to_owned();
            self.last_status_ms = now_ms;
            self.status_code = reference_code.clone();
            self.status = Some(ask(service, |reply| ContribRequest::PledgeStatus {
                reference_code,
                reply,
            }));
        }
        self.campaigns.is_some()
            || self.wall.is_some()
            || self.pledge.is_some()
            || shell.watched_pledge().is_some()
    }
}

/// A sample campaign for previews (screenshots, benchmarks) that have no room behind them.
pub fn preview_campaigns() -> Vec<CampaignInfo> {
    vec![
        CampaignInfo {
            id: "preview-1".into(),
            slug: "vi-nguoi-ngheo-2026".into(),
            title: "Quỹ Vì người nghèo xã Lao Chải 2026".into(),
            story: "Sửa nhà cho 12 hộ nghèo trước mùa mưa.".into(),
            bank_bin: "970436".into(),
            account: "0011001234567".into(),
            account_name: "UY BAN MTTQ XA LAO CHAI".into(),
            goal_vnd: 50_000_000,
            raised_vnd: 18_350_000,
            gifts: 112,
            last_update_ms: Some(1_795_000_000_000),
            status: crate::contrib::CampaignStatus::Open,
        },
        CampaignInfo {
            id: "preview-2".into(),
            slug: "sach-vo-2026".into(),
            title: "Sách vở cho học sinh vùng cao".into(),
            story: String::new(),
            bank_bin: "970436".into(),
            account: "0011001234567".into(),
            account_name: "UY BAN MTTQ XA LAO CHAI".into(),
            goal_vnd: 20_000_000,
            raised_vnd: 4_200_000,
            gifts: 37,
            last_update_ms: Some(1_794_900_000_000),
            status: crate::contrib::CampaignStatus::Open,
        },
    ]
}

fn preview_answers(request: &ContributeRequest) -> Vec<ContributeEvent> {
    match request {
        ContributeRequest::LoadCampaigns => vec![
            ContributeEvent::Campaigns(Ok(preview_campaigns())),
            ContributeEvent::Wall(Ok(Vec::new())),
        ],
        ContributeRequest::CreatePledge(draft) => {
            let ticket = preview_campaigns()
                .iter()
                .find(|c| c.id == draft.campaign_id)
                .ok_or(ContribError::Preview)
                .and_then(|c| {
                    crate::room::contrib_service::pledge_ticket(c, "UH7K3P9", draft.amount_vnd)
                });
            vec![ContributeEvent::PledgeCreated(ticket)]
        }
    }
}

/// A preview started on a later step (screenshots) gets the sample choices filled in.
pub fn prime_preview(shell: &mut Shell) {
    let Screen::Contribute(step) = shell.screen else {
        return;
    };
    let campaigns = preview_campaigns();
    shell.contribute.campaign = campaigns.first().cloned();
    shell.contribute.campaigns = Some(Ok(campaigns));
    if matches!(step, Step::Name | Step::Qr | Step::Thanks) {
        shell.contribute.amount_vnd = Some(PRESETS_VND[1]);
    }
    if matches!(step, Step::Qr | Step::Thanks) {
        for event in preview_answers(&ContributeRequest::CreatePledge(PledgeDraft {
            campaign_id: "preview-1".into(),
            amount_vnd: PRESETS_VND[1],
            donor_name: None,
        })) {
            let screen = std::mem::replace(&mut shell.screen, Screen::Contribute(Step::Qr));
            shell.contribute_event(event);
            shell.screen = screen;
        }
    }
    shell.contribute.confirmed = step == Step::Thanks;
}

// ----- drawing -----

fn cmd(c: ContributeCommand) -> Option<Command> {
    Some(Command::Contribute(c))
}

fn vnd(lang: Language, amount_vnd: i64) -> String {
    tr_args(
        lang,
        "contribute-vnd",
        &[("amount", Arg::Text(&format_vnd(amount_vnd)))],
    )
}

fn grey(text: String) -> RichText {
    body(text).color(Color32::from_gray(60))
}

pub fn contribute_screen_ui(ui: &mut Ui, shell: &mut Shell, step: Step) -> Option<Command> {
    match step {
        Step::Campaigns => campaigns_ui(ui, shell),
        Step::Amount => amount_ui(ui, shell),
        Step::Name => name_ui(ui, shell),
        Step::Qr => qr_step_ui(ui, shell),
        Step::Thanks => thanks_ui(ui, shell),
    }
}

fn campaigns_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let flow = &shell.contribute;
    let mut command = None;
    ui.label(heading(tr(lang, "contribute-title")));
    let campaigns = match &flow.campaigns {
        None => {
            ui.label(body(tr(lang, "contribute-loading")));
            return None;
        }
        Some(Err(_)) => {
            ui.label(body(tr(lang, "contribute-unavailable")).color(Color32::DARK_RED));
            return None;
        }
        Some(Ok(list)) => list,
    };
    let open: Vec<&CampaignInfo> = campaigns.iter().filter(|c| c.is_open()).collect();
    if open.is_empty() {
        ui.label(body(tr(lang, "contribute-none")));
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        for c in open {
            ui.add_space(8.0);
            let button = egui::Button::new(RichText::new(&c.title).size(BODY_PT + 4.0).strong())
                .min_size(vec2(ui.available_width(), MIN_TARGET))
                .fill(Color32::from_rgb(226, 238, 250));
            if ui.add(button).clicked() {
                command = cmd(ContributeCommand::PickCampaign(c.id.clone()));
            }
            progress_ui(ui, c.raised_vnd, c.goal_vnd);
            let mut line = tr_args(
                lang,
                "contribute-progress",
                &[
                    ("raised", Arg::Text(&format_vnd(c.raised_vnd))),
                    ("goal", Arg::Text(&format_vnd(c.goal_vnd))),
                    ("gifts", Arg::Number(c.gifts as i64)),
                ],
            );
            if let Some(ms) = c.last_update_ms {
                line.push_str(" · ");
                line.push_str(&tr_args(
                    lang,
                    "contribute-updated",
                    &[("time", Arg::Text(&crate::contrib::vietnam_time(ms)))],
                ));
            }
            ui.label(grey(line));
        }
        if !flow.wall.is_empty() {
            ui.add_space(16.0);
            ui.label(body(tr(lang, "contribute-wall")).strong());
            for gift in &flow.wall {
                let who = gift
                    .donor_name
                    .clone()
                    .unwrap_or_else(|| tr(lang, "contribute-anonymous-donor"));
                ui.label(grey(format!(
                    "♥ {who} · {} · {}",
                    vnd(lang, gift.amount_vnd),
                    gift.campaign_title
                )));
            }
        }
    });
    command
}

/// Raised / goal as a bar (no text inside: the line below says it in words).
fn progress_ui(ui: &mut Ui, raised_vnd: i64, goal_vnd: i64) {
    let fraction = if goal_vnd > 0 {
        (raised_vnd as f32 / goal_vnd as f32).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 24.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 12.0, Color32::from_gray(220));
    let mut done = rect;
    done.set_width(rect.width() * fraction);
    painter.rect_filled(done, 12.0, Color32::from_rgb(0, 120, 60));
}

fn amount_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    let title = shell
        .contribute
        .campaign
        .as_ref()
        .map(|c| c.title.clone())
        .unwrap_or_default();
    ui.label(heading(title));
    ui.label(body(tr(lang, "contribute-amount-title")));
    ui.horizontal_wrapped(|ui| {
        for amount in PRESETS_VND {
            let button = egui::Button::new(RichText::new(vnd(lang, amount)).size(BODY_PT + 4.0))
                .min_size(vec2(200.0, 96.0));
            if ui.add(button).clicked() {
                command = cmd(ContributeCommand::PickAmount(amount));
            }
        }
        let other =
            egui::Button::new(RichText::new(tr(lang, "contribute-other")).size(BODY_PT + 4.0))
                .min_size(vec2(200.0, 96.0));
        if ui.add(other).clicked() {
            command = cmd(ContributeCommand::OtherAmount);
        }
    });
    let flow = &mut shell.contribute;
    if flow.other_open {
        ui.add_space(8.0);
        let shown = if flow.other_entry.is_empty() {
            tr(lang, "contribute-other-hint")
        } else {
            vnd(lang, flow.other_entry.parse().unwrap_or(0))
        };
        ui.label(body(shown).strong());
        if flow.other_invalid {
            ui.label(
                body(tr_args(
                    lang,
                    "contribute-other-invalid",
                    &[
                        ("min", Arg::Text(&format_vnd(OTHER_MIN_VND))),
                        ("max", Arg::Text(&format_vnd(OTHER_MAX_VND))),
                    ],
                ))
                .color(Color32::DARK_RED),
            );
        }
        let labels = keyboard_labels(lang);
        if let Some(KeyboardEvent::Done) = keyboard::keyboard_ui(
            ui,
            &mut flow.pad,
            keyboard::Layout::Numeric,
            &mut flow.other_entry,
            &labels,
        ) {
            command = cmd(ContributeCommand::ConfirmOther);
        }
        flow.other_entry.retain(|c| c.is_ascii_digit());
        flow.other_entry.truncate(9);
    }
    command
}

fn name_ui(ui: &mut Ui, shell: &mut Shell) -> Option<Command> {
    let lang = shell.lang;
    let mut command = None;
    if let Some(amount) = shell.contribute.amount_vnd {
        ui.label(heading(vnd(lang, amount)));
    }
    ui.label(body(tr(lang, "contribute-name-title")));
    ui.horizontal(|ui| {
        let anonymous = egui::Button::new(
            RichText::new(tr(lang, "contribute-anonymous"))
                .size(BODY_PT + 4.0)
                .strong(),
        )
        .min_size(vec2(360.0, 96.0))
        .fill(Color32::from_rgb(226, 238, 250));
        if ui.add(anonymous).clicked() {
            command = cmd(ContributeCommand::Anonymous);
        }
        if !shell.contribute.consent && big_button(ui, tr(lang, "contribute-give-name")).clicked() {
            command = cmd(ContributeCommand::GiveName);
        }
    });
    let flow = &mut shell.contribute;
    if flow.consent {
        ui.label(grey(tr(lang, "contribute-name-consent")));
        let label = ui.label(body(tr(lang, "contribute-name-field")));
        ui.add(
            egui::TextEdit::singleline(&mut flow.name)
                .font(egui::FontId::proportional(BODY_PT))
                .desired_width(f32::INFINITY)
                .min_size(vec2(MIN_TARGET, MIN_TARGET)),
        )
        .labelled_by(label.id);
        let labels = keyboard_labels(lang);
        if let Some(KeyboardEvent::Done) = keyboard::keyboard_ui(
            ui,
            &mut flow.name_keyboard,
            keyboard::Layout::Text,
            &mut flow.name,
            &labels,
        ) {
            command = cmd(ContributeCommand::ConfirmName);
        }
        if big_button_enabled(
            ui,
            !flow.name.trim().is_empty(),
            tr(lang, "contribute-name-ok"),
        )
        .clicked()
        {
            command = cmd(ContributeCommand::ConfirmName);
        }
    }
    command
}

fn qr_step_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let flow = &shell.contribute;
    let mut command = None;
    let ticket = match &flow.pledge {
        None => {
            ui.label(heading(tr(lang, "contribute-preparing")));
            return None;
        }
        Some(Err(_)) => {
            ui.label(body(tr(lang, "contribute-failed")).color(Color32::DARK_RED));
            if big_button(ui, tr(lang, "contribute-retry")).clicked() {
                command = cmd(ContributeCommand::Retry);
            }
            return command;
        }
        Some(Ok(ticket)) => ticket,
    };
    ui.horizontal_top(|ui| {
        if let Some(matrix) = &flow.qr {
            let side = ui.available_height().min(ui.available_width() * 0.5);
            qr_ui(ui, matrix, side, &tr(lang, "contribute-qr-label"));
        }
        ui.vertical(|ui| {
            ui.label(heading(tr(lang, "contribute-scan")));
            let line = |key: &str, value: &str| tr_args(lang, key, &[("value", Arg::Text(value))]);
            ui.label(body(line("contribute-bank", &ticket.bank_name)));
            ui.label(body(line("contribute-account-name", &ticket.account_name)));
            ui.label(body(line("contribute-account", &ticket.account)));
            ui.label(body(line("contribute-amount", &vnd(lang, ticket.amount_vnd))).strong());
            ui.label(body(line("contribute-reference", &ticket.reference_code)).strong());
            ui.label(grey(tr(lang, "contribute-reference-hint")));
            ui.add_space(12.0);
            ui.label(body(tr(lang, "contribute-waiting")).color(Color32::from_rgb(150, 95, 0)));
        });
    });
    command
}

fn thanks_ui(ui: &mut Ui, shell: &Shell) -> Option<Command> {
    let lang = shell.lang;
    let flow = &shell.contribute;
    let mut command = None;
    ui.vertical_centered(|ui| {
        ui.add_space(32.0);
        ui.label(
            RichText::new("♥")
                .size(96.0)
                .color(Color32::from_rgb(190, 30, 45)),
        );
        ui.label(heading(tr(lang, "contribute-thanks")));
        if let (Some(Ok(ticket)), true) = (&flow.pledge, flow.confirmed) {
            ui.label(body(tr_args(
                lang,
                "contribute-thanks-body",
                &[
                    ("amount", Arg::Text(&vnd(lang, ticket.amount_vnd))),
                    ("campaign", Arg::Text(&ticket.campaign_title)),
                ],
            )));
        }
        ui.add_space(16.0);
        if big_button(ui, tr(lang, "contribute-done")).clicked() {
            command = Some(Command::Home);
        }
    });
    command
}
