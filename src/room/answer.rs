//! How much of the hub's answers the room reads. The room trusts its hub's identity (TLS),
//! not the size of what it says: a hub that is broken, compromised or impersonated on a
//! plain-HTTP link must not make the box buffer hundreds of megabytes (a 400 MB `sync/down`
//! answer once took a room to 870 MB). Every answer is read up to a limit a few times the
//! largest real one, and refused past it without reading the rest.

use serde::de::DeserializeOwned;

/// An upload's acknowledgement: 100 item ids and as many voice hashes are about 11 KB.
pub const ACK_MAX_BYTES: usize = 256 * 1024;
/// A download page: at most 500 ticket updates, 500 confirmations, 200 news items of
/// 4,000 characters and the campaigns, a few megabytes at worst.
pub const DOWN_MAX_BYTES: usize = 16 * 1024 * 1024;
/// An error's JSON body (`{"error": ..., "message": ...}`) or an enrollment's answer.
pub const SMALL_MAX_BYTES: usize = 64 * 1024;
/// A news picture is at most `news::IMAGE_MAX_BYTES`; a little slack for nothing else.
pub const PICTURE_MAX_BYTES: usize = crate::news::IMAGE_MAX_BYTES + 1024;
/// One WebSocket message from the hub: the largest real ones (a province's presence list,
/// an SDP answer, a chair roster) are tens of kilobytes; tungstenite's default is 64 MiB.
pub const HUB_MESSAGE_MAX_BYTES: usize = 1024 * 1024;

/// Why an answer from the hub was not read.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("the hub's answer to {what} is over {limit_bytes} bytes; refused unread")]
    TooLarge {
        what: &'static str,
        limit_bytes: usize,
    },
    #[error("the hub's answer to {what} broke off: {source}")]
    Read {
        what: &'static str,
        source: reqwest::Error,
    },
    #[error("the hub's answer to {what} is not what this room reads: {source}")]
    Malformed {
        what: &'static str,
        source: serde_json::Error,
    },
}

/// The settings of the room's WebSocket to the hub: messages and frames capped at
/// [`HUB_MESSAGE_MAX_BYTES`] (a larger one ends the session, which reconnects).
pub fn websocket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(HUB_MESSAGE_MAX_BYTES))
        .max_frame_size(Some(HUB_MESSAGE_MAX_BYTES))
}

/// Opens the WebSocket to the hub with [`websocket_config`]'s caps.
pub async fn connect_to_hub(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    connector: tokio_tungstenite::Connector,
) -> Result<
    (
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    tokio_tungstenite::tungstenite::Error,
> {
    tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(websocket_config()),
        false,
        Some(connector),
    )
    .await
}

/// Reads `response`'s body chunk by chunk, refusing it as soon as it passes `limit_bytes`
/// (at once when its `Content-Length` already says so).
pub async fn read_capped(
    mut response: reqwest::Response,
    what: &'static str,
    limit_bytes: usize,
) -> Result<Vec<u8>, AnswerError> {
    let too_large = AnswerError::TooLarge { what, limit_bytes };
    if response
        .content_length()
        .is_some_and(|n| n > limit_bytes as u64)
    {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|source| AnswerError::Read { what, source })?
    {
        if body.len() + chunk.len() > limit_bytes {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// [`read_capped`], then JSON.
pub async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
    what: &'static str,
    limit_bytes: usize,
) -> Result<T, AnswerError> {
    let body = read_capped(response, what, limit_bytes).await?;
    serde_json::from_slice(&body).map_err(|source| AnswerError::Malformed { what, source })
}
