//! Every message that crosses the wire between a room and the hub, in one place.
//!
//! Messages are tagged serde enums (`{"type": "hello", ...}`). The protocol version rides in
//! `hello`/`welcome`; a change that old boxes cannot read gets a new variant or a new
//! version number, never a silent change of an existing variant's meaning.

use serde::{Deserialize, Serialize};

use crate::contrib::CampaignStatus;
pub use crate::feedback::Category;
use crate::feedback::Status;
pub use crate::meeting::chair::{
    CHAIR_VERSION, ChairRefusal, ChairRefused, ChairRequest, MeetingNotice, NextMeeting, Roster,
    RosterSeat, SchedulePush,
};
pub use crate::meeting::chair::{JoinRefusal, StaffCallAction, StaffCallRefused, StaffCallRequest};
pub use crate::meeting::floor::ChatLine;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Room → hub over the WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RoomMessage {
    /// First message of every session.
    Hello {
        protocol: u32,
        software_version: String,
    },
    /// Media signalling for one meeting the room was invited to.
    Signal {
        meeting_id: String,
        signal: ClientSignal,
    },
    /// What the room knows about its own health, for the staff's rooms page. Sent only to a
    /// hub whose `welcome` said it reads it (`room_status`), right after the welcome and
    /// every [`ROOM_STATUS_EVERY_SECS`].
    Status { status: RoomStatusReport },
    /// Staff at the kiosk ask to join a meeting now or to leave it (`meeting::chair`). Sent
    /// only to a hub whose `welcome` said it reads it (`staff_call`).
    StaffCall(StaffCallRequest),
}

/// The resumable voice upload this build speaks: `GET` and `PATCH
/// /api/v1/voice/<sha>/upload` (what the hub holds; the next bytes at that offset).
pub const VOICE_RESUME_VERSION: u32 = 1;

/// The room-status version this build writes and reads. A later version only adds fields
/// (optional ones), so a hub reads every field it knows of any version.
pub const ROOM_STATUS_VERSION: u32 = 1;

/// The receive report ([`ClientSignal::ReceiveReport`]) this build writes and reads. A later
/// version only adds fields.
pub const RECEIVE_REPORT_VERSION: u32 = 1;

/// How often a room in a simulcast meeting reports what its receiving connection got.
pub const RECEIVE_REPORT_EVERY_MS: u64 = 1_000;

/// What a participant's receive-only connection got over the last interval: the signal the
/// hub chooses its simulcast layer by (`meeting::simulcast`). Counts are of video packets,
/// after repairs (a packet NACKed and resent in time counts as received).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveReport {
    /// [`RECEIVE_REPORT_VERSION`] of the room that wrote it.
    pub v: u32,
    /// How long the interval was.
    pub interval_ms: u32,
    pub packets_received: u64,
    pub packets_lost: u64,
    /// Bytes received on the connection (all media), as bits per second over the interval.
    pub received_bps: u64,
}

impl ReceiveReport {
    /// The share of video packets lost in the interval (0 when none were expected).
    pub fn loss(&self) -> f64 {
        let expected = self.packets_received + self.packets_lost;
        if expected == 0 {
            0.0
        } else {
            self.packets_lost as f64 / expected as f64
        }
    }
}

/// How often a connected room reports its status (it also does on every connect).
pub const ROOM_STATUS_EVERY_SECS: u64 = 180;

/// A room's report of what the hub cannot see from its side: its software, what waits in
/// its outbox, its camera and microphone, and how its last meeting went. Unknown fields
/// are ignored (no `deny_unknown_fields`), so a newer room's report still reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomStatusReport {
    /// [`ROOM_STATUS_VERSION`] of the room that wrote it.
    pub status_version: u32,
    pub software_version: String,
    /// Submissions stored at the room and not yet acknowledged by the hub.
    pub outbox_backlog: u64,
    pub video_source: MediaSource,
    pub audio_source: MediaSource,
    /// The room's side of its most recent meeting, if it was in one since it started.
    #[serde(default)]
    pub last_call: Option<CallQuality>,
    /// The room's clock when it wrote the report, Unix ms.
    pub sent_at_ms: i64,
}

/// A camera or microphone as the room last used or configured it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSource {
    pub kind: MediaSourceKind,
    /// The device's name, the configured choice, or what the test source shows.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSourceKind {
    /// A real camera or microphone.
    Device,
    /// The built-in test picture or tone (configured, or no device was found).
    Test,
    /// Not known until the room's first meeting opens the devices (`auto`).
    Unknown,
}

/// Link quality the room measured during a meeting, as of its last measurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallQuality {
    pub meeting_id: String,
    /// When these figures were measured, Unix ms (room clock).
    pub measured_at_ms: i64,
    /// Video packets lost on the way to the hub, per thousand.
    pub video_loss_permille: u32,
    pub round_trip_ms: Option<u32>,
    /// What the video encoder aimed for (0 when sending audio only).
    pub send_bitrate_bps: u64,
    /// The picture the room was sending: `720p`, `360p`, `180p` or `audio-only`.
    pub layer: String,
}

/// Hub → room over the WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HubMessage {
    /// Answer to `hello`: who the hub believes this room is.
    Welcome {
        protocol: u32,
        room_id: String,
        unit_id: String,
        room_name: String,
        /// The highest [`ROOM_STATUS_VERSION`] this hub reads; absent from an older hub,
        /// which would refuse a `status` message, so the room sends none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room_status: Option<u32>,
        /// The highest [`CHAIR_VERSION`] of `staff_call` messages this hub reads; absent
        /// from an older hub, so the room sends none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        staff_call: Option<u32>,
        /// The highest [`VOICE_RESUME_VERSION`] this hub serves; absent from an older hub,
        /// which takes a recording only whole (`PUT /api/v1/voice/<sha>`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        voice_resume: Option<u32>,
    },
    /// Which rooms are connected now; sent on join and on every change.
    Presence { rooms: Vec<PresenceEntry> },
    /// Something for this room changed at the hub (a reply, a status): sync now rather
    /// than at the next periodic check.
    SyncHint,
    /// This room is expected in a meeting now: it joins by itself (offer, then trickle).
    /// Sent when the meeting starts and again whenever the room (re)connects during it.
    MeetingInvite {
        meeting_id: String,
        /// Participant id of the host (a room id).
        host: String,
        /// Room ids invited (the host included).
        rooms: Vec<String>,
        /// STUN/TURN servers the room should use for this meeting.
        ice_servers: Vec<IceServer>,
        /// The meeting's engine takes simulcast (Janus): publish every layer up to the
        /// room's ceiling as a stream of its own, and send [`ClientSignal::ReceiveReport`]s.
        /// Absent from an older hub (one stream, no reports).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        simulcast: bool,
    },
    /// Media signalling for a meeting the room is in.
    Signal {
        meeting_id: String,
        signal: ServerSignal,
    },
    /// The next meeting this room is invited to, for its Home screen (on connect and on
    /// every schedule change). Chairing, `v` = [`CHAIR_VERSION`].
    Schedule(SchedulePush),
    /// A scheduled meeting this room is invited to starts soon, started, ends soon or ended.
    MeetingNotice {
        #[serde(default = "chair_version")]
        v: u32,
        meeting_id: String,
        notice: MeetingNotice,
    },
    /// Staff's "join now" from this room's kiosk was refused, and why.
    StaffCallRefused(StaffCallRefused),
    /// The hub will not go on with this session; `code` is machine-readable.
    Error { code: ErrorCode, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceEntry {
    pub room_id: String,
    pub unit_id: String,
    pub name: String,
    pub connected: bool,
    /// When the current state began (connect or disconnect), Unix ms.
    pub since_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The room sent something the hub cannot parse.
    Malformed,
    /// The room speaks a protocol version the hub does not.
    UnsupportedProtocol,
    /// The room's credential was revoked while connected.
    Revoked,
    /// Another session of the same room replaced this one.
    Replaced,
}

/// How many pictures (and voices) a participant receives at once. Every participant's offer
/// carries this many receiving video and audio sections, so a change of who is shown never
/// needs a new offer: the hub only changes what it forwards into each slot.
pub const MEDIA_SLOTS: usize = 2;

/// A participant → hub signalling message: a room over its WebSocket (wrapped in
/// `RoomMessage::Signal`), or a browser over `/meet/<id>/ws` (bare).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientSignal {
    /// An SDP offer: one sending video and audio section each, plus receiving sections for
    /// [`MEDIA_SLOTS`] videos and voices. A second offer on a live session is a renegotiation
    /// (an ICE restart after a network change).
    Offer { sdp: String },
    /// A trickled local ICE candidate.
    Candidate { candidate: IceCandidate },
    /// The participant's microphone started or stopped carrying speech.
    Speaking { active: bool },
    /// The participant leaves the meeting.
    Leave,
    /// A request to the chair: raise a hand, mute itself, chat, or (the host) give the
    /// floor, mute a room, end the meeting (`meeting::chair`).
    Chair(ChairRequest),
    /// The answer of the participant's receive-only connection to a
    /// [`ServerSignal::SubscribeOffer`] (engines whose subscriptions offer, as Janus's do).
    SubscribeAnswer { sdp: String },
    /// A trickled local ICE candidate of that receive-only connection.
    SubscribeCandidate { candidate: IceCandidate },
    /// What that receive-only connection got lately, every [`RECEIVE_REPORT_EVERY_MS`];
    /// sent only when the invitation said `simulcast` (a hub that reads it).
    ReceiveReport(ReceiveReport),
}

/// Hub → participant signalling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerSignal {
    /// The hub's answer to an offer.
    Answer { sdp: String },
    /// A trickled hub ICE candidate.
    Candidate { candidate: IceCandidate },
    /// Who is shown in each receiving slot now (`slots[i]` is slot `i`; `None` = nobody).
    /// The stream ids of the hub's tracks are `slot-0`, `slot-1`, ...
    Slots { slots: Vec<Option<SlotSource>> },
    /// Everyone in the meeting now.
    Participants { participants: Vec<ParticipantInfo> },
    /// The meeting ended (stopped by staff): leave and tear media down.
    Ended,
    /// The chair now: presence, floor, hands, microphones and cameras of every invited room.
    Chair(Roster),
    /// A chat line, to everyone in the meeting.
    Chat(ChatLine),
    /// A chair request of this participant was refused, and why.
    ChairRefused(ChairRefused),
    /// The hub refused a signalling message; the session goes on unless the code says not.
    Error { code: SignalError, message: String },
    /// With an engine that sends what a participant receives on a connection of its own
    /// (Janus's subscriber): an offer for a new receive-only peer connection, replacing any
    /// earlier one. The stream ids of its tracks are `slot-0`, `slot-1`, ... as above; the
    /// participant answers with [`ClientSignal::SubscribeAnswer`].
    SubscribeOffer { sdp: String },
}

fn chair_version() -> u32 {
    CHAIR_VERSION
}

/// A browser-style ICE candidate (`RTCIceCandidateInit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default)]
    pub sdp_mid: Option<String>,
    #[serde(default)]
    pub sdp_mline_index: Option<u16>,
}

/// A STUN or TURN server (`RTCIceServer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub credential: Option<String>,
}

/// Whose picture and voice a slot carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotSource {
    pub participant_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantInfo {
    pub participant_id: String,
    pub name: String,
    /// `room` or `browser`.
    pub kind: String,
    pub host: bool,
    /// Media connected (ICE + DTLS done).
    pub connected: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalError {
    /// The message could not be parsed.
    Malformed,
    /// No such meeting, or it has ended.
    UnknownMeeting,
    /// This participant is not invited to that meeting.
    NotInvited,
    /// A candidate or renegotiation arrived before any offer.
    NoSession,
    /// The SDP was refused by the media engine.
    BadSdp,
    /// The media engine no longer has this participant's session (Janus restarted or hung
    /// up): an ICE restart cannot resume it, the participant makes a new connection.
    SessionGone,
}

/// `POST /api/v1/enroll` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub code: String,
    /// The unit the box is configured for; the hub refuses a code issued for another.
    pub unit: Option<String>,
}

/// `POST /api/v1/enroll` answer: the device credential, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub room_id: String,
    pub unit_id: String,
    pub unit_name: String,
    pub room_name: String,
    pub credential: String,
    /// Start of this room's ticket codes, e.g. `LC-7K` (tickets look like `LC-7K3P9`).
    pub ticket_prefix: String,
}

/// `POST /api/v1/enroll` also tells the room its ticket prefix (see `EnrollResponse`).
///
/// Store-and-forward sync, room → hub: `POST /api/v1/sync/up`. Items go in the room's
/// submission order; each carries the room's UUIDv7, so a retried batch is applied once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadBatch {
    pub items: Vec<UploadItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadItem {
    pub id: uuid::Uuid,
    /// The room's outbox position: order of submission.
    pub seq: i64,
    pub record: Record,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    Feedback(FeedbackRecord),
    Rating(RatingRecord),
    Pledge(PledgeRecord),
}

/// A pledge made at a kiosk; the item's UUIDv7 is the pledge's id at the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PledgeRecord {
    pub campaign_id: String,
    /// Made offline at the room (`contrib::reference`), e.g. `UH7K3P9`: first in the QR's purpose.
    pub reference_code: String,
    pub amount_vnd: i64,
    /// Only with the donor's explicit consent tap; `None` is anonymous.
    pub donor_name: Option<String>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRecord {
    pub ticket_code: String,
    pub category: String,
    pub text: String,
    /// SHA-256 (hex) of the Ogg/Opus recording, uploaded first with `PUT /api/v1/voice/<sha>`.
    pub voice_sha256: Option<String>,
    /// Given only with the resident's explicit consent.
    pub name: Option<String>,
    pub phone: Option<String>,
    pub village: Option<String>,
    pub language: String,
    pub submitted_at_ms: i64,
}

#[cfg(test)]
impl Record {
    /// A plain kiosk feedback (category "roads", Vietnamese, no voice or contact) for tests.
    pub(crate) fn test_feedback(code: &str, text: &str) -> Record {
        Record::Feedback(FeedbackRecord {
            ticket_code: code.into(),
            category: "roads".into(),
            text: text.into(),
            voice_sha256: None,
            name: None,
            phone: None,
            village: None,
            language: "vi".into(),
            submitted_at_ms: 0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRecord {
    pub question: String,
    pub score: u8,
    /// A repeated tap within seconds: counted so the committee sees it, not scored.
    pub filtered: bool,
    pub submitted_at_ms: i64,
}

/// Answer to an upload: which items the hub is done with (stored now or before, or
/// rejected for good), and which voice files the hub lacks. Processing stops at the first
/// item whose voice is missing, so order holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UploadAck {
    pub stored: Vec<uuid::Uuid>,
    pub need_voice: Vec<String>,
    /// Items the hub will never store (a malformed field, a ticket code another item
    /// already has), with the reason. Added to the wire after protocol 1 shipped, as an
    /// additive field: each id is also in `stored`, so a room that predates it moves past
    /// the item too instead of sending it for ever; a newer room logs the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<RejectedItem>,
}

/// One item of an upload the hub refused for good, and why (words an operator can act on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedItem {
    pub id: uuid::Uuid,
    pub reason: String,
}

/// Hub → room: `GET /api/v1/sync/down?cursor=N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownSync {
    /// Pass back as `cursor` next time; updates up to here are included.
    pub cursor: i64,
    pub tickets: Vec<TicketUpdate>,
    pub categories: Vec<Category>,
    pub rating_question: String,
    /// Every campaign with its totals; `None` from a hub that predates contributions.
    #[serde(default)]
    pub campaigns: Option<Vec<CampaignInfo>>,
    /// Pass back as `confirmations_cursor` next time (a ledger position at the hub).
    #[serde(default)]
    pub confirmations_cursor: i64,
    /// This room's pledges the bank confirmed after the cursor asked for.
    #[serde(default)]
    pub confirmations: Vec<PledgeConfirmation>,
    /// Pass back as `news_cursor` next time (a `sync_counter` value at the hub).
    #[serde(default)]
    pub news_cursor: i64,
    /// News meant for this room's unit posted or changed after `news_cursor`; empty from a
    /// hub that predates news.
    #[serde(default)]
    pub news: Vec<NewsItem>,
    /// Ids of news this room must forget: withdrawn, or no longer meant for its unit.
    #[serde(default)]
    pub news_removed: Vec<String>,
    /// A page was full: more updates wait past the cursors, so the room asks again at once
    /// rather than at its next poll (a box back from a long outage has thousands).
    #[serde(default)]
    pub more: bool,
}

/// A news item as a room keeps and shows it. Its picture, if any, is fetched by hash from
/// `GET /api/v1/sync/news-image/<sha256>` once, not carried in every download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsItem {
    pub id: String,
    pub title: String,
    pub body: String,
    /// `vi`, `en` or `hmn`: the voice that reads it aloud.
    pub language: String,
    pub image_sha256: Option<String>,
    pub shown_from_ms: i64,
    /// `None`: until withdrawn.
    pub shown_until_ms: Option<i64>,
    pub posted_at_ms: i64,
}

/// A campaign as a room keeps and shows it: what the dynamic VietQR needs and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignInfo {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub story: String,
    pub bank_bin: String,
    pub account: String,
    pub account_name: String,
    pub goal_vnd: i64,
    pub raised_vnd: i64,
    pub gifts: u64,
    pub last_update_ms: Option<i64>,
    pub status: CampaignStatus,
}

impl CampaignInfo {
    pub fn is_open(&self) -> bool {
        self.status == CampaignStatus::Open
    }
}

/// A pledge of this room whose transfer arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgeConfirmation {
    pub reference_code: String,
    pub amount_vnd: i64,
    pub confirmed_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketUpdate {
    pub ticket_code: String,
    pub status: Status,
    pub reply: Option<String>,
    pub updated_at_ms: i64,
}

/// Body of every 4xx/5xx answer of the JSON API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_has_a_stable_json_shape() {
        let json = serde_json::to_string(&RoomMessage::Hello {
            protocol: 1,
            software_version: "0.1.0".into(),
        })
        .expect("serialise");
        assert_eq!(
            json,
            r#"{"type":"hello","protocol":1,"software_version":"0.1.0"}"#
        );
    }

    #[test]
    fn unknown_message_types_and_fields_are_rejected() {
        assert!(serde_json::from_str::<RoomMessage>(r#"{"type":"shout"}"#).is_err());
        assert!(
            serde_json::from_str::<RoomMessage>(
                r#"{"type":"hello","protocol":1,"software_version":"x","extra":1}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_down_sync_from_a_hub_without_contributions_still_parses() {
        let old = r#"{"cursor":3,"tickets":[],"categories":[],"rating_question":"q"}"#;
        let down: DownSync = serde_json::from_str(old).expect("parse");
        assert_eq!(down.campaigns, None);
        assert!(down.confirmations.is_empty());
        assert_eq!(down.confirmations_cursor, 0);
        assert!(down.news.is_empty() && down.news_removed.is_empty());
        assert_eq!(down.news_cursor, 0);
    }

    #[test]
    fn a_room_ignores_news_fields_it_does_not_know_yet() {
        // What a later hub might add to an item or to the download: an old room reads on.
        let later = r#"{"cursor":3,"tickets":[],"categories":[],"rating_question":"q",
            "news_cursor":9,"news_removed":["b"],"news_pinned":true,
            "news":[{"id":"a","title":"t","body":"b","language":"vi","image_sha256":null,
                     "shown_from_ms":1,"shown_until_ms":null,"posted_at_ms":1,"audio":"x"}]}"#;
        let down: DownSync = serde_json::from_str(later).expect("parse");
        assert_eq!(down.news_cursor, 9);
        assert_eq!(down.news[0].title, "t");
        assert_eq!(down.news_removed, vec!["b".to_owned()]);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_the_parser(text in ".{0,200}") {
            let _ = serde_json::from_str::<RoomMessage>(&text);
        }

        #[test]
        fn presence_round_trips(id in "[a-z0-9-]{1,20}", name in "\\PC{0,30}", connected: bool, since in 0i64..i64::MAX) {
            let msg = HubMessage::Presence { rooms: vec![PresenceEntry {
                room_id: id.clone(), unit_id: id, name, connected, since_ms: since }] };
            let json = serde_json::to_string(&msg).expect("serialise");
            proptest::prop_assert_eq!(serde_json::from_str::<HubMessage>(&json).expect("parse"), msg);
        }
    }
}
