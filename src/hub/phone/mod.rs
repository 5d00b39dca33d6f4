//! The public phone page `/g/<unit>`: a resident who scanned the commune's poster picks a
//! category, types on the phone's own keyboard or records a voice message in the browser,
//! may add one photo and, with consent, a name and phone number, and gets a ticket code and
//! its `/t/<code>` page, as at the kiosk. The item lands in that unit's inbox with the
//! channel `phone`.
//!
//! One server-rendered page (maud, Fluent texts, Vietnamese first), one small CSS and one
//! script (`web/static/phone.{css,js}`), no framework: it works on a small, slow phone, and
//! without script it still sends text and a photo (a plain multipart form).
//!
//! Voice: Chromium's `MediaRecorder` records Opus only in WebM, Firefox in Ogg; the hub
//! checks the browser's SHA-256 of what it sent, then keeps every recording as Ogg Opus,
//! repackaged without decoding (`media::opus_container`), so it is the same kind of file
//! as the kiosk's (the dashboard player, the 3-minute cap read from the packets).
//! Photo: decoded and encoded again (`photo`), so no EXIF or location survives.
//! Limits (`[phone]`): per client address (before the body is read), per unit and 24 hours
//! in items and in bytes (under one lock, so a flood in parallel cannot slip past); what is
//! refused never touches the disk.

pub(crate) mod photo;
pub(crate) mod poster;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use rand::SeedableRng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Hub;
use super::auth::RateLimiter;
use super::feedback_api::{NAME_MAX_CHARS, PHONE_MAX_CHARS, TEXT_MAX_CHARS};
use super::routes::VOICE_MAX_BYTES;
use super::web::{Lang, page_head, static_url, t, t_args};
use crate::config::{PhoneLimits, Unit};
use crate::feedback::Channel;
use crate::media::opus_container::{VoiceFileError, to_ogg_opus};
use crate::store::{ChannelItem, ChannelStored, PhonePhoto};
use crate::wire::FeedbackRecord;

/// The kiosk stops recording at 3 minutes; a browser's recorder stops on a timer and may
/// hand over up to one more second of audio, which is still accepted.
pub const VOICE_MAX_MS: u64 = 181_000;

/// The whole form at its largest: a voice at its cap, a photo at its cap, and the text
/// fields (5,000 characters of text at 4 bytes each, and a few short fields).
pub const BODY_MAX_BYTES: usize = VOICE_MAX_BYTES + photo::PHOTO_MAX_BYTES + 64 * 1024;

// Checked when the hub is compiled: the kiosk's cap plus a second, and a body limit that
// stays well under what a small hub can hold for a few requests at once.
const _: () = assert!(VOICE_MAX_MS >= 180_000 && VOICE_MAX_MS <= 182_000);
const _: () = assert!(BODY_MAX_BYTES < 16 * 1024 * 1024);

/// A text field of the form (not a file) is never longer than this.
const FIELD_MAX_BYTES: usize = TEXT_MAX_CHARS * 4 + 1024;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The page's own content policy: its script and style come from the hub, the voice
/// preview plays from a `blob:` URL, the form posts only back here.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     media-src blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// What the phone page keeps between requests.
#[derive(Debug)]
pub(crate) struct PhoneState {
    by_address: Mutex<RateLimiter>,
    /// Held while a submission's unit budget is checked and its files and item stored, so
    /// parallel requests cannot each see room for one more.
    storing: tokio::sync::Mutex<()>,
    /// Photos decoded at once: decoding a 48-megapixel picture takes ~150 MB.
    decoding: tokio::sync::Semaphore,
}

impl PhoneState {
    pub fn new(limits: &PhoneLimits) -> Self {
        Self {
            by_address: Mutex::new(RateLimiter::new(
                limits.per_address,
                i64::try_from(limits.per_address_window_secs * 1000).unwrap_or(i64::MAX),
            )),
            storing: tokio::sync::Mutex::new(()),
            decoding: tokio::sync::Semaphore::new(1),
        }
    }
}

/// Why a submission was refused. Each names the Fluent key of what the resident reads.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PhoneRefusal {
    #[error("no unit {0:?} in this province")]
    UnknownUnit(String),
    #[error("a form posted from another site")]
    CrossOrigin,
    #[error("too many submissions from this address")]
    TooManyFromAddress { minutes: u64 },
    #[error("this unit's page took all it takes in a day")]
    UnitFull,
    #[error("the form is malformed: {0}")]
    BadForm(String),
    #[error("the form is larger than the hub accepts")]
    TooLarge,
    #[error("neither text nor voice")]
    Empty,
    #[error("category {0:?} is not offered")]
    Category(String),
    #[error("the text is longer than {TEXT_MAX_CHARS} characters")]
    TextTooLong,
    #[error("a name or phone number without the consent box ticked")]
    NoConsent,
    #[error("the name is longer than {NAME_MAX_CHARS} characters")]
    NameTooLong,
    /// The number itself is personal data: it is not repeated (this text reaches the log).
    #[error("the phone number is not digits and separators")]
    Phone,
    #[error("the recording is {0} bytes, more than {VOICE_MAX_BYTES}")]
    VoiceTooLarge(usize),
    #[error("the recording's SHA-256 does not match what the browser computed")]
    VoiceDamaged,
    #[error(transparent)]
    Voice(#[from] VoiceFileError),
    #[error(transparent)]
    Photo(#[from] photo::PhotoError),
    #[error("the hub could not store the submission")]
    Internal,
}

impl PhoneRefusal {
    fn status(&self) -> StatusCode {
        use PhoneRefusal::*;
        match self {
            UnknownUnit(_) => StatusCode::NOT_FOUND,
            CrossOrigin => StatusCode::FORBIDDEN,
            TooManyFromAddress { .. } | UnitFull => StatusCode::TOO_MANY_REQUESTS,
            TooLarge | VoiceTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Voice(VoiceFileError::TooLong { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            Photo(photo::PhotoError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            Photo(photo::PhotoError::NotAnImage)
            | Voice(VoiceFileError::UnknownContainer | VoiceFileError::NotOpus(_)) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The error code in a JSON answer.
    fn code(&self) -> &'static str {
        use PhoneRefusal::*;
        match self {
            UnknownUnit(_) => "unknown_unit",
            CrossOrigin => "cross_origin",
            TooManyFromAddress { .. } | UnitFull => "too_many_requests",
            TooLarge | VoiceTooLarge(_) => "too_large",
            Voice(VoiceFileError::TooLong { .. }) => "voice_too_long",
            Voice(_) | VoiceDamaged => "bad_voice",
            Photo(photo::PhotoError::TooLarge { .. }) => "too_large",
            Photo(_) => "bad_photo",
            Internal => "internal",
            _ => "invalid",
        }
    }

    /// What the resident reads, in `lang`.
    fn message(&self, lang: Lang) -> String {
        use PhoneRefusal::*;
        match self {
            UnknownUnit(unit) => t_args(lang, "phone-unknown-unit", &[("unit", unit)]),
            CrossOrigin => t(lang, "phone-cross-origin"),
            TooManyFromAddress { minutes } => t_args(
                lang,
                "phone-too-many-address",
                &[("minutes", &minutes.to_string())],
            ),
            UnitFull => t(lang, "phone-unit-full"),
            BadForm(_) => t(lang, "phone-bad-form"),
            TooLarge => t(lang, "phone-too-large"),
            Empty => t(lang, "phone-empty"),
            Category(_) => t(lang, "phone-bad-category"),
            TextTooLong => t_args(
                lang,
                "phone-text-too-long",
                &[("max", &TEXT_MAX_CHARS.to_string())],
            ),
            NoConsent => t(lang, "phone-consent-needed"),
            NameTooLong => t(lang, "phone-name-too-long"),
            Phone => t(lang, "phone-bad-phone"),
            VoiceTooLarge(_) | Voice(VoiceFileError::TooLong { .. }) => {
                t(lang, "phone-voice-too-long")
            }
            VoiceDamaged | Voice(_) => t(lang, "phone-voice-bad"),
            Photo(photo::PhotoError::TooLarge { .. }) => t_args(
                lang,
                "phone-photo-too-large",
                &[("mb", &(photo::PHOTO_MAX_BYTES / (1024 * 1024)).to_string())],
            ),
            Photo(_) => t(lang, "phone-photo-bad"),
            Internal => t(lang, "phone-internal"),
        }
    }

    fn respond(&self, lang: Lang, json: bool, unit: Option<&Unit>) -> Response {
        let status = self.status();
        let message = self.message(lang);
        if json {
            return (
                status,
                axum::Json(serde_json::json!({ "error": self.code(), "message": message })),
            )
                .into_response();
        }
        let title = match status {
            StatusCode::NOT_FOUND => t(lang, "phone-not-found-title"),
            _ => t(lang, "phone-refused-title"),
        };
        let body = html! {
            p class="notice error" role="alert" { (message) }
            @if let Some(unit) = unit {
                p { a href={ "/g/" (unit.id) "?lang=" (lang.code()) } { (t(lang, "phone-back")) } }
            }
        };
        with_headers(status, shell(lang, &title, body))
    }
}

fn with_headers(status: StatusCode, page: Markup) -> Response {
    let mut response = (status, page).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    // Residents' words: never cached by a shared proxy.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page around every phone body: no menu, no staff header; large text.
fn shell(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (page_head(title, "phone.css"))
            body {
                main { h1 { (title) } (body) }
            }
        }
    }
}

fn find_unit<'a>(hub: &'a Hub, id: &str) -> Option<&'a Unit> {
    hub.config.unit(id)
}

/// The URL a unit's poster prints.
pub(crate) fn page_url(hub: &Hub, unit: &str) -> String {
    format!(
        "{}/g/{unit}",
        hub.config.public_url.as_str().trim_end_matches('/')
    )
}

/// `GET /g/{unit}`: the form.
pub(crate) async fn page(
    State(hub): State<Arc<Hub>>,
    lang: Lang,
    Path(unit_id): Path<String>,
) -> Response {
    let Some(unit) = find_unit(&hub, &unit_id) else {
        return PhoneRefusal::UnknownUnit(unit_id).respond(lang, false, None);
    };
    let title = t_args(lang, "phone-title", &[("unit", &unit.name)]);
    let categories = &hub.config.feedback.categories;
    let body = html! {
        p class="lead" { (t(lang, "phone-lead")) }
        p class="lang" { a href={ "?lang=" (lang.other().code()) } { (t(lang, "lang-other")) } }
        form id="phone-form" method="post" action={ "/g/" (unit.id) "?lang=" (lang.code()) } enctype="multipart/form-data"
            data-max-secs=(VOICE_MAX_MS / 1000 - 1)
            data-t-sending=(t(lang, "phone-sending"))
            data-t-recording=(t(lang, "phone-recording"))
            data-t-mic-denied=(t(lang, "phone-mic-denied"))
            data-t-network=(t(lang, "phone-network"))
            data-t-see-ticket=(t(lang, "phone-see-ticket"))
            data-t-another=(t(lang, "phone-another")) {
            input type="hidden" name="lang" value=(lang.code());
            fieldset class="categories" {
                legend { (t(lang, "phone-category")) }
                @for (i, c) in categories.iter().enumerate() {
                    label class="category" {
                        input type="radio" name="category" value=(c.id) required checked[i + 1 == categories.len()];
                        span class="icon" aria-hidden="true" { (c.icon) }
                        span { (c.names.get(lang.code()).or_else(|| c.names.get("vi")).unwrap_or(&c.id)) }
                    }
                }
            }
            label for="text" { (t(lang, "phone-text")) }
            textarea id="text" name="text" rows="5" maxlength=(TEXT_MAX_CHARS) {}
            div id="voice" class="voice" hidden {
                p { (t(lang, "phone-voice")) }
                button type="button" id="record" class="big" { (t(lang, "phone-record")) }
                button type="button" id="stop" class="big" hidden { (t(lang, "phone-stop")) }
                span id="elapsed" class="elapsed" aria-live="polite" {}
                audio id="preview" controls hidden {}
                button type="button" id="discard" hidden { (t(lang, "phone-discard")) }
                input type="hidden" name="voice_sha256" id="voice-sha256";
            }
            p id="no-voice" class="hint" { (t(lang, "phone-no-voice")) }
            label for="photo" { (t(lang, "phone-photo")) }
            input type="file" id="photo" name="photo" accept="image/jpeg,image/png";
            fieldset class="contact" {
                legend { (t(lang, "phone-contact")) }
                label class="consent" {
                    input type="checkbox" id="consent" name="consent" value="yes";
                    span { (t(lang, "phone-consent")) }
                }
                label for="name" { (t(lang, "phone-name")) }
                input type="text" id="name" name="name" maxlength=(NAME_MAX_CHARS) autocomplete="name";
                label for="phone" { (t(lang, "phone-phone")) }
                input type="tel" id="phone" name="phone" maxlength=(PHONE_MAX_CHARS) autocomplete="tel";
            }
            button type="submit" id="send" class="big primary" { (t(lang, "phone-send")) }
            p id="status" class="status" role="status" aria-live="polite" {}
        }
        div id="done" hidden {}
        script src=(static_url("phone.js")) {}
    };
    with_headers(StatusCode::OK, shell(lang, &title, body))
}

/// What the form carried, before its checks.
#[derive(Debug, Default)]
struct Form {
    lang: Option<String>,
    category: String,
    text: String,
    consent: bool,
    name: String,
    phone: String,
    voice: Option<Vec<u8>>,
    voice_sha256: String,
    photo: Option<Vec<u8>>,
}

/// Reads one part whole, refusing it past `max` bytes.
async fn read_part(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
    too_large: impl Fn(usize) -> PhoneRefusal,
) -> Result<Vec<u8>, PhoneRefusal> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_refusal)? {
        if out.len() + chunk.len() > max {
            return Err(too_large(out.len() + chunk.len()));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn multipart_refusal(e: axum::extract::multipart::MultipartError) -> PhoneRefusal {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        PhoneRefusal::TooLarge
    } else {
        PhoneRefusal::BadForm(e.body_text())
    }
}

async fn read_form(mut multipart: Multipart) -> Result<Form, PhoneRefusal> {
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_refusal)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "voice" => {
                let bytes =
                    read_part(&mut field, VOICE_MAX_BYTES, PhoneRefusal::VoiceTooLarge).await?;
                form.voice = (!bytes.is_empty()).then_some(bytes);
            }
            "photo" => {
                let bytes = read_part(&mut field, photo::PHOTO_MAX_BYTES, |bytes| {
                    PhoneRefusal::Photo(photo::PhotoError::TooLarge { bytes })
                })
                .await?;
                form.photo = (!bytes.is_empty()).then_some(bytes);
            }
            _ => {
                let bytes =
                    read_part(&mut field, FIELD_MAX_BYTES, |_| PhoneRefusal::TextTooLong).await?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| PhoneRefusal::BadForm(format!("field {name} is not UTF-8")))?;
                match name.as_str() {
                    "lang" => form.lang = Some(text),
                    "category" => form.category = text,
                    "text" => form.text = text,
                    "consent" => form.consent = text == "yes",
                    "name" => form.name = text,
                    "phone" => form.phone = text,
                    "voice_sha256" => form.voice_sha256 = text,
                    // An unknown field is ignored: an older page may still be open.
                    _ => {}
                }
            }
        }
    }
    Ok(form)
}

/// A browser sends `Origin` with every POST; one naming another site is a form someone
/// else's page submits in the resident's name, and is refused. No `Origin` (a non-browser
/// client, an old browser) is let through: the form is anonymous and public anyway.
fn same_origin(hub: &Hub, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let origin_host = match (origin.host_str(), origin.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        _ => return false,
    };
    let public = &hub.config.public_url;
    let public_host = match (public.host_str(), public.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        _ => String::new(),
    };
    if origin_host == public_host {
        return true;
    }
    // The host the browser reached (a hub reached by its LAN address, or behind a proxy
    // that keeps the Host header).
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| {
            let host = if host.contains(':') && !host.ends_with(']') {
                host.to_owned()
            } else {
                format!("{host}:{}", origin.port_or_known_default().unwrap_or(80))
            };
            host == origin_host
        })
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// A submission that passed its checks, ready to store.
#[derive(Debug)]
struct Checked {
    record: FeedbackRecord,
    voice: Option<Vec<u8>>,
    photo: Option<PhonePhoto>,
}

impl Checked {
    fn bytes(&self) -> u64 {
        (self.voice.as_ref().map_or(0, Vec::len) + self.photo.as_ref().map_or(0, |p| p.bytes.len()))
            as u64
    }
}

async fn check(hub: &Arc<Hub>, form: Form, lang: Lang) -> Result<Checked, PhoneRefusal> {
    let categories = &hub.config.feedback.categories;
    if !categories.iter().any(|c| c.id == form.category) {
        return Err(PhoneRefusal::Category(
            form.category.chars().take(64).collect(),
        ));
    }
    let text = crate::text::nfc(form.text.trim());
    if text.chars().count() > TEXT_MAX_CHARS {
        return Err(PhoneRefusal::TextTooLong);
    }
    let name = crate::text::nfc(form.name.trim());
    let phone = form.phone.trim().to_owned();
    if (!name.is_empty() || !phone.is_empty()) && !form.consent {
        return Err(PhoneRefusal::NoConsent);
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(PhoneRefusal::NameTooLong);
    }
    if !phone.is_empty()
        && (phone.len() > PHONE_MAX_CHARS || !crate::feedback::is_phone_number(&phone))
    {
        return Err(PhoneRefusal::Phone);
    }
    if text.is_empty() && form.voice.is_none() {
        return Err(PhoneRefusal::Empty);
    }
    let voice = match form.voice {
        None => None,
        Some(upload) => {
            // What the browser hashed is what arrived: a cut or altered upload is refused.
            let actual = hex::encode(Sha256::digest(&upload));
            if form.voice_sha256.trim() != actual {
                return Err(PhoneRefusal::VoiceDamaged);
            }
            let ogg = tokio::task::spawn_blocking(move || to_ogg_opus(&upload, VOICE_MAX_MS))
                .await
                .map_err(|_| PhoneRefusal::Internal)??;
            if ogg.bytes.len() > VOICE_MAX_BYTES {
                return Err(PhoneRefusal::VoiceTooLarge(ogg.bytes.len()));
            }
            Some(ogg.bytes)
        }
    };
    let photo = match form.photo {
        None => None,
        Some(upload) => {
            let _slot = hub
                .phone
                .decoding
                .acquire()
                .await
                .map_err(|_| PhoneRefusal::Internal)?;
            Some(
                tokio::task::spawn_blocking(move || photo::reencode(&upload))
                    .await
                    .map_err(|_| PhoneRefusal::Internal)??,
            )
        }
    };
    let now = crate::clock::now_ms();
    Ok(Checked {
        record: FeedbackRecord {
            ticket_code: String::new(),
            category: form.category,
            text,
            voice_sha256: voice.as_ref().map(|v| hex::encode(Sha256::digest(v))),
            name: (form.consent && !name.is_empty()).then_some(name),
            phone: (form.consent && !phone.is_empty()).then_some(phone),
            village: None,
            language: lang.code().to_owned(),
            submitted_at_ms: now,
        },
        voice,
        photo,
    })
}

/// Whether the unit's page has room today for `adding` more bytes and one more item.
async fn unit_has_room(hub: &Arc<Hub>, unit: &str, adding: u64) -> Result<bool, PhoneRefusal> {
    let limits = hub.config.phone;
    let since = crate::clock::now_ms() - DAY_MS;
    let unit = unit.to_owned();
    let (items, bytes) = hub
        .store
        .call(move |s| {
            Ok::<_, crate::store::StoreError>((
                s.channel_items_since(Channel::Phone, &unit, since)?,
                s.phone_bytes_since(&unit, since)?,
            ))
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot count a unit's phone items");
            PhoneRefusal::Internal
        })?;
    Ok(items < limits.per_unit_per_day && bytes + adding <= limits.bytes_per_unit_per_day())
}

/// Stores the files and the item under the unit's budget lock; returns the ticket code.
async fn store(hub: &Arc<Hub>, unit: &str, checked: Checked) -> Result<String, PhoneRefusal> {
    let _one_at_a_time = hub.phone.storing.lock().await;
    if !unit_has_room(hub, unit, checked.bytes()).await? {
        tracing::warn!(unit, "phone page refused: the unit's daily budget is spent");
        return Err(PhoneRefusal::UnitFull);
    }
    let now = crate::clock::now_ms();
    let internal = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "cannot store a phone submission");
        PhoneRefusal::Internal
    };
    if let (Some(voice), Some(sha)) = (checked.voice, checked.record.voice_sha256.clone()) {
        let path = crate::datadir::DataDir::new(&hub.config.data_dir).voice_path(&sha);
        let store = hub.store.clone();
        tokio::task::spawn_blocking(move || -> Result<(), String> {
            crate::datadir::write_durably(&path, &voice, 0o600).map_err(|e| e.to_string())?;
            store
                .add_voice(&sha, voice.len() as u64, now)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| internal(&e))?
        .map_err(|e| internal(&e))?;
    }
    let photo_sha256 = checked.photo.as_ref().map(|p| p.sha256.clone());
    if let Some(photo) = checked.photo {
        hub.store
            .call(move |s| s.add_feedback_photo(&photo, now))
            .await
            .map_err(|e| internal(&e))?;
    }
    let prefix = crate::feedback::ticket::province_prefix(&hub.config.province().id);
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let id = Uuid::now_v7();
    // A proposed code another item holds is replaced; five in a row is not chance.
    for _ in 0..5 {
        let Some(code) = crate::feedback::ticket::channel_code(&prefix, Channel::Phone, &mut rng)
        else {
            return Err(PhoneRefusal::Internal);
        };
        let mut record = checked.record.clone();
        record.ticket_code = code.clone();
        let item = ChannelItem {
            id,
            channel: Channel::Phone,
            unit_id: unit.to_owned(),
            record,
            photo_sha256: photo_sha256.clone(),
        };
        match hub
            .store
            .call(move |s| s.store_channel_feedback(&item, now))
            .await
            .map_err(|e| internal(&e))?
        {
            ChannelStored::Stored => return Ok(code),
            ChannelStored::Already { ticket_code } => return Ok(ticket_code),
            ChannelStored::CodeTaken => continue,
        }
    }
    Err(internal(&"five ticket codes in a row were taken"))
}

/// `POST /g/{unit}`: one submission. The unit, the origin and the address's budget are
/// checked before a byte of the body is read.
pub(crate) async fn submit(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    query_lang: Lang,
    Path(unit_id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let json = wants_json(&headers);
    // The form's own field decides once it is read; until then, the page's `?lang=`.
    let lang = query_lang;
    let Some(unit) = find_unit(&hub, &unit_id).cloned() else {
        return PhoneRefusal::UnknownUnit(unit_id).respond(lang, json, None);
    };
    if !same_origin(&hub, &headers) {
        tracing::warn!(client = %client.ip(), unit = %unit.id, "phone page: a form posted from another site");
        return PhoneRefusal::CrossOrigin.respond(lang, json, Some(&unit));
    }
    let now = crate::clock::now_ms();
    let bucket = super::edge::rate_bucket(client.ip());
    let admitted = {
        let mut limiter = hub
            .phone
            .by_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let allowed = limiter.allowed(bucket, now);
        if allowed {
            limiter.record(bucket, now);
        }
        allowed
    };
    if !admitted {
        hub.metrics.reject("phone_rate");
        let minutes = hub.config.phone.per_address_window_secs.div_ceil(60);
        return PhoneRefusal::TooManyFromAddress { minutes }.respond(lang, json, Some(&unit));
    }
    match unit_has_room(&hub, &unit.id, 0).await {
        Ok(true) => {}
        Ok(false) => return PhoneRefusal::UnitFull.respond(lang, json, Some(&unit)),
        Err(e) => return e.respond(lang, json, Some(&unit)),
    }
    let multipart = match multipart {
        Ok(m) => m,
        Err(e) => {
            return PhoneRefusal::BadForm(e.body_text()).respond(lang, json, Some(&unit));
        }
    };
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err(e) => return e.respond(lang, json, Some(&unit)),
    };
    let lang = form.lang.as_deref().and_then(Lang::parse).unwrap_or(lang);
    let outcome = match check(&hub, form, lang).await {
        Ok(checked) => store(&hub, &unit.id, checked).await,
        Err(e) => Err(e),
    };
    let code = match outcome {
        Ok(code) => code,
        Err(e) => {
            tracing::info!(client = %client.ip(), unit = %unit.id, reason = %e, "phone page refused a submission");
            return e.respond(lang, json, Some(&unit));
        }
    };
    tracing::info!(ticket = %code, unit = %unit.id, "a phone submission opened a ticket");
    let ticket_url = format!("/t/{code}");
    if json {
        return (
            StatusCode::CREATED,
            axum::Json(serde_json::json!({
                "ticket_code": code,
                "ticket_url": ticket_url,
                "message": t_args(lang, "phone-sent", &[("code", &code)]),
            })),
        )
            .into_response();
    }
    let body = html! {
        p class="notice ok" role="status" { (t_args(lang, "phone-sent", &[("code", &code)])) }
        p class="code" { (code) }
        p { a href=(ticket_url) { (t(lang, "phone-see-ticket")) } }
        p { a href={ "/g/" (unit.id) "?lang=" (lang.code()) } { (t(lang, "phone-another")) } }
    };
    with_headers(
        StatusCode::CREATED,
        shell(lang, &t(lang, "phone-sent-title"), body),
    )
}

/// `GET /staff/feedback/{code}/photo`: a phone item's photo, for staff who may see the item.
pub(crate) async fn staff_photo(
    State(hub): State<Arc<Hub>>,
    super::auth::StaffPage(staff): super::auth::StaffPage,
    lang: Lang,
    Path(code): Path<String>,
) -> Result<Response, super::web::PageError> {
    let row = super::web::feedback::find(&hub, &staff, lang, &code).await?;
    let no_photo = || {
        super::web::PageError::new(
            StatusCode::NOT_FOUND,
            Some(&staff),
            lang,
            &t(lang, "feedback-no-photo"),
        )
    };
    let sha = row.photo_sha256.ok_or_else(no_photo)?;
    let photo = hub
        .store
        .call(move |s| s.feedback_photo(&sha))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read a phone photo");
            no_photo()
        })?
        .ok_or_else(no_photo)?;
    let mime = HeaderValue::from_str(&photo.mime)
        .unwrap_or_else(|_| HeaderValue::from_static("image/jpeg"));
    Ok(([(header::CONTENT_TYPE, mime)], photo.bytes).into_response())
}
