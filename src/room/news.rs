//! The room's news: pictures fetched after a download names them, and the list the kiosk's
//! News screen shows.
//!
//! A download names pictures by hash; the sync driver fetches the ones this box lacks right
//! after, checks them, and keeps them in the room's store. A picture that fails to arrive
//! is asked for again after the next download; the item's text shows meanwhile.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::Room;
use super::credential::Credential;
use super::service::ServiceError;
use super::sync_task::{SyncError, failure, transport, url};
use crate::news::NewsRefusal;
use crate::news::Picture;
use crate::wire::NewsItem;

/// Why one picture was not kept (logged; the next download tries again).
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("the hub sent a picture this box refuses: {0}")]
    Refused(#[from] NewsRefusal),
    #[error("the hub sent a picture whose SHA-256 is {actual}, not {expected}")]
    Mismatch { expected: String, actual: String },
}

pub(super) async fn fetch_missing(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
) -> Result<(), SyncError> {
    let missing = room.store.call(|s| s.missing_news_images()).await?;
    for sha256 in missing {
        if let Err(e) = fetch(room, client, credential, &sha256).await {
            tracing::warn!(%sha256, error = %e, "a news picture did not arrive; will retry");
        }
    }
    Ok(())
}

async fn fetch(
    room: &Room,
    client: &reqwest::Client,
    credential: &Credential,
    sha256: &str,
) -> Result<(), FetchError> {
    let response = client
        .get(url(room, &format!("api/v1/sync/news-image/{sha256}"))?)
        .bearer_auth(&credential.credential)
        .send()
        .await
        .map_err(|e| transport(&e))?;
    if !response.status().is_success() {
        return Err(failure(response).await.into());
    }
    let bytes =
        super::answer::read_capped(response, "a news picture", super::answer::PICTURE_MAX_BYTES)
            .await
            .map_err(SyncError::from)?;
    let checked = crate::news::check_image(&bytes)?;
    if checked.sha256 != sha256 {
        return Err(FetchError::Mismatch {
            expected: sha256.to_owned(),
            actual: checked.sha256,
        });
    }
    room.store
        .call(move |s| s.store_room_news_image(&checked.sha256, checked.kind, &bytes))
        .await
        .map_err(SyncError::from)?;
    Ok(())
}

/// The largest picture the kiosk draws (logical px at scale 1): pictures are shrunk to this
/// on the room's worker threads, so the window never decodes a camera's full frame.
pub const PICTURE_MAX_W: u32 = 960;
pub const PICTURE_MAX_H: u32 = 540;

/// A news item as the kiosk shows it: the text, and the picture ready to draw if it has
/// arrived (and could be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskNews {
    pub item: NewsItem,
    pub picture: Option<Arc<Picture>>,
}

/// Answers the kiosk with the items shown now, newest first.
pub(super) async fn shown(
    room: &Room,
    reply: oneshot::Sender<Result<Vec<KioskNews>, ServiceError>>,
) {
    let now = crate::clock::now_ms();
    let result = room
        .store
        .call(move |s| {
            let rows = s.room_news_shown(now)?;
            Ok::<_, crate::store::StoreError>(
                rows.into_iter()
                    .map(|row| {
                        let picture = row.image.and_then(|image| {
                            crate::news::decode_for_screen(&image.bytes, PICTURE_MAX_W, PICTURE_MAX_H)
                                .map_err(|e| {
                                    tracing::warn!(id = %row.item.id, error = %e, "a news picture cannot be shown");
                                })
                                .ok()
                                .map(Arc::new)
                        });
                        KioskNews {
                            item: row.item,
                            picture,
                        }
                    })
                    .collect(),
            )
        })
        .await
        .map_err(ServiceError::from);
    if let Err(e) = &result {
        tracing::error!(error = %e, "the news cannot be read");
    }
    let _ = reply.send(result);
}
