//! The screen a room shows until the kiosk shell's screens arrive: which committee this
//! box serves, whether it is linked with the province hub, and who else is connected.

use egui::RichText;

use crate::room::{HubLink, RoomStatus};

/// Body text size for elderly readers (points).
pub const BODY_PT: f32 = 24.0;

fn link_text(link: &HubLink) -> (String, egui::Color32) {
    match link {
        HubLink::Connected { .. } => (
            "Đã kết nối với tỉnh".into(),
            egui::Color32::from_rgb(0, 120, 60),
        ),
        HubLink::Connecting { .. } => {
            ("Đang kết nối…".into(), egui::Color32::from_rgb(160, 110, 0))
        }
        HubLink::Retrying { retry_in_ms, .. } => (
            format!(
                "Mất kết nối, thử lại sau {} giây",
                retry_in_ms.div_ceil(1000)
            ),
            egui::Color32::from_rgb(170, 40, 40),
        ),
        HubLink::NotEnrolled => (
            "Thiết bị chưa được đăng ký".into(),
            egui::Color32::from_rgb(170, 40, 40),
        ),
        HubLink::Rejected { .. } => (
            "Tỉnh đã từ chối thiết bị này".into(),
            egui::Color32::from_rgb(170, 40, 40),
        ),
    }
}

/// Draws the status; returns nothing because it offers no action yet.
pub fn status_screen_ui(ui: &mut egui::Ui, status: &RoomStatus) {
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        let title = status
            .room_name
            .clone()
            .unwrap_or_else(|| status.unit.clone());
        ui.label(RichText::new(title).size(BODY_PT * 1.6).strong());
        ui.add_space(16.0);
        let (text, color) = link_text(&status.link);
        ui.label(RichText::new(text).size(BODY_PT).color(color));
        ui.add_space(24.0);
        // Presence is only as fresh as the link: shown while connected, never stale.
        let online: Vec<_> = status.presence.iter().filter(|p| p.connected).collect();
        if status.connected() && !online.is_empty() {
            ui.label(RichText::new(format!("Đang trực tuyến: {}", online.len())).size(BODY_PT));
            for entry in online {
                ui.label(RichText::new(&entry.name).size(BODY_PT));
            }
        }
    });
}
