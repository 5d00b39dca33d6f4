//! The room's health report to the hub (`RoomMessage::Status`): what staff cannot see from
//! the hub's side. The call task keeps the media part current; the hub link sends it.

use std::sync::Mutex;

use crate::config::{DeviceChoice, MediaConfig};
use crate::wire::{
    CallQuality, MediaSource, MediaSourceKind, ROOM_STATUS_VERSION, RoomStatusReport,
};

/// The media part of the report: devices as configured until a meeting opens them, then as
/// opened; the last meeting's link as last measured.
#[derive(Debug)]
pub(super) struct MediaReport(Mutex<MediaState>);

#[derive(Debug, Clone)]
struct MediaState {
    video: MediaSource,
    audio: MediaSource,
    last_call: Option<CallQuality>,
}

fn configured(choice: &DeviceChoice) -> MediaSource {
    match choice {
        DeviceChoice::Test => MediaSource {
            kind: MediaSourceKind::Test,
            name: "test".into(),
        },
        DeviceChoice::Auto => MediaSource {
            kind: MediaSourceKind::Unknown,
            name: "auto".into(),
        },
        DeviceChoice::Named(name) => MediaSource {
            kind: MediaSourceKind::Unknown,
            name: name.clone(),
        },
    }
}

fn opened(name: &str, is_test: bool) -> MediaSource {
    MediaSource {
        kind: if is_test {
            MediaSourceKind::Test
        } else {
            MediaSourceKind::Device
        },
        name: name.to_owned(),
    }
}

impl MediaReport {
    pub fn new(config: &MediaConfig) -> Self {
        MediaReport(Mutex::new(MediaState {
            video: configured(&config.camera),
            audio: configured(&config.microphone),
            last_call: None,
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MediaState> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A meeting opened the devices: these are the ones really in use.
    pub fn devices_opened(&self, sources: &crate::media::call::SourcesInUse) {
        let mut state = self.lock();
        state.video = opened(&sources.camera, sources.camera_is_test);
        state.audio = opened(&sources.microphone, sources.microphone_is_test);
    }

    /// The latest link figures of the meeting in progress.
    pub fn call_measured(&self, quality: CallQuality) {
        self.lock().last_call = Some(quality);
    }

    /// The report to send now.
    pub fn report(&self, outbox_backlog: u64, now_ms: i64) -> RoomStatusReport {
        let state = self.lock().clone();
        RoomStatusReport {
            status_version: ROOM_STATUS_VERSION,
            software_version: env!("CARGO_PKG_VERSION").into(),
            outbox_backlog,
            video_source: state.video,
            audio_source: state.audio,
            last_call: state.last_call,
            sent_at_ms: now_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_read_as_configured_until_a_meeting_opens_them() {
        let mut config = crate::config::RoomConfig::local(
            "lao-chai",
            "/nonexistent".into(),
            "http://127.0.0.1:1/".parse().expect("url"),
            String::new(),
        )
        .media;
        config.microphone = DeviceChoice::Auto;
        let media = MediaReport::new(&config);
        let before = media.report(4, 1);
        assert_eq!(before.video_source.kind, MediaSourceKind::Test);
        assert_eq!(before.audio_source.kind, MediaSourceKind::Unknown);
        assert_eq!(before.outbox_backlog, 4);
        media.devices_opened(&crate::media::call::SourcesInUse {
            camera: "test picture (no camera found)".into(),
            microphone: "USB Audio".into(),
            camera_is_test: true,
            microphone_is_test: false,
        });
        let after = media.report(0, 2);
        assert_eq!(after.audio_source.kind, MediaSourceKind::Device);
        assert_eq!(after.audio_source.name, "USB Audio");
        assert_eq!(after.video_source.kind, MediaSourceKind::Test);
    }

    #[test]
    fn a_report_goes_only_to_a_hub_that_reads_it_and_newer_fields_are_ignored() {
        use crate::wire::{HubMessage, RoomMessage};
        let old_hub =
            r#"{"type":"welcome","protocol":1,"room_id":"r","unit_id":"u","room_name":"n"}"#;
        let parsed: HubMessage = serde_json::from_str(old_hub).expect("an older hub's welcome");
        assert!(matches!(
            parsed,
            HubMessage::Welcome {
                room_status: None,
                ..
            }
        ));
        let report = r#"{"type":"status","status":{"status_version":2,"software_version":"0.2",
            "outbox_backlog":3,"video_source":{"kind":"device","name":"cam"},
            "audio_source":{"kind":"test","name":"tone"},"sent_at_ms":1,"battery_percent":80}}"#;
        let parsed: RoomMessage = serde_json::from_str(report).expect("a newer room's report");
        let RoomMessage::Status { status } = parsed else {
            panic!("a status message: {parsed:?}");
        };
        assert_eq!((status.outbox_backlog, status.last_call), (3, None));
    }
}
