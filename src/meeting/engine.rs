//! The contract between the hub's meeting logic and whatever moves the media: the built-in
//! forwarder (`transport::sfu`), or a Janus VideoRoom (`janus::engine`) when one box is not
//! enough. Callers (signalling, the subscription API, the CLI) only see this.

use crate::wire::IceCandidate;

/// What a media engine reports about one participant's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    /// A local candidate of the engine, to trickle to the participant.
    LocalCandidate(IceCandidate),
    /// Media flows.
    Connected,
    /// The connection failed or closed: the participant must offer again.
    Failed,
    /// An offer for the participant's receive-only connection (engines whose subscriptions
    /// offer, as Janus's do): to send as `ServerSignal::SubscribeOffer`.
    SubscribeOffer(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the offer was refused: {0}")]
    BadSdp(String),
    #[error("no media session for that participant")]
    NoSession,
    #[error("media engine: {0}")]
    Engine(String),
    /// An ICE restart of a connection whose session the engine no longer has (Janus
    /// restarted, or hung it up): only a new connection (a new DTLS handshake) gets media.
    #[error("the media engine no longer has this connection's session; make a new connection")]
    SessionGone,
}

/// Figures per forwarded stream for `/metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamStats {
    pub meeting_id: String,
    pub participant_id: String,
    /// `video` or `audio`.
    pub kind: &'static str,
    /// Packets received from this participant.
    pub packets_in: u64,
    /// Packets sent on to others.
    pub packets_out: u64,
    pub bitrate_in_bps: f64,
    pub keyframe_requests: u64,
    pub bitrate_cap_bps: Option<u64>,
}

/// A media engine for meetings. Every participant has one session: it sends one video and
/// one audio stream, and receives `MEDIA_SLOTS` of each.
#[async_trait::async_trait]
pub trait MediaEngine: Send + Sync + std::fmt::Debug {
    /// Answers a participant's offer, creating its session (or renegotiating the live one:
    /// an ICE restart). Events about the session go to `events`.
    async fn negotiate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        offer_sdp: String,
        events: tokio::sync::mpsc::UnboundedSender<EngineEvent>,
    ) -> Result<String, EngineError>;

    async fn add_candidate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        candidate: IceCandidate,
    ) -> Result<(), EngineError>;

    /// Ends one participant's session.
    async fn close(&self, meeting_id: &str, participant_id: &str);

    /// **The subscription API**: which participant's streams `subscriber` receives in each
    /// slot (`None` = nothing). A change asks the new source for a keyframe, so the switch
    /// shows a picture within a second.
    fn subscribe(&self, meeting_id: &str, subscriber: &str, slots: &[Option<String>]);

    /// Whether `participant_id`'s voice reaches the others (the chair's rule: the host, the
    /// floor holder and rooms explicitly unmuted). Its audio is dropped at the engine while
    /// not: a muted room cannot be heard even if its box keeps sending. A participant the
    /// engine was never told about is not heard.
    fn set_audio_forwarded(&self, meeting_id: &str, participant_id: &str, forwarded: bool);

    /// Caps what a participant may send (REMB), e.g. for a link the operator knows is weak;
    /// `None` lifts the cap.
    fn cap_bitrate(&self, meeting_id: &str, participant_id: &str, bps: Option<u64>);

    fn stats(&self) -> Vec<StreamStats>;

    /// What the staff API shows as `forwarded_by`: `builtin` or `janus`.
    fn name(&self) -> &'static str;

    /// Whether participants publish simulcast layers and report what they receive (the
    /// engine chooses a layer per subscriber). The built-in forwarder does not: it forwards
    /// one stream per sender without transcoding.
    fn simulcast(&self) -> bool {
        false
    }

    /// What `participant_id`'s receive-only connection got lately, at `now_ms`: engines
    /// that choose a simulcast layer per subscriber choose by it.
    fn receive_report(
        &self,
        _meeting_id: &str,
        _participant_id: &str,
        _report: &crate::wire::ReceiveReport,
        _now_ms: u64,
    ) {
    }

    /// The participant's answer to an [`EngineEvent::SubscribeOffer`]. Engines that never
    /// send one refuse it.
    async fn subscriber_answer(
        &self,
        _meeting_id: &str,
        _participant_id: &str,
        _answer_sdp: String,
    ) -> Result<(), EngineError> {
        Err(EngineError::NoSession)
    }

    /// A trickled candidate of the participant's receive-only connection.
    async fn add_subscriber_candidate(
        &self,
        _meeting_id: &str,
        _participant_id: &str,
        _candidate: IceCandidate,
    ) -> Result<(), EngineError> {
        Err(EngineError::NoSession)
    }
}
