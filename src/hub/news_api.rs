//! News at the hub: the staff API (list, post, edit, picture, withdraw), what rooms
//! download, and the pictures rooms fetch. Who may call which is in `routes.rs`; what a
//! staff member may do to which item is decided in [`Poster`] alone.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Hub;
use super::auth::{RoomCaller, Staff};
use super::error::ApiFailure;
use crate::config::HubConfig;
use crate::news::{NewsDraft, NewsRefusal, NewsRow};
use crate::store::{NewsChangeRefusal, StoreError};
use crate::wire::NewsItem;

/// Largest picture upload the route reads: twice the picture limit, so a slightly too
/// large photo gets the message that says to shrink it rather than a bare "too large".
pub const IMAGE_BODY_MAX_BYTES: usize = 2 * crate::news::IMAGE_MAX_BYTES;

/// Why a news operation was not done; each maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum NewsError {
    #[error(transparent)]
    Refused(#[from] NewsRefusal),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Change(#[from] NewsChangeRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<NewsError> for ApiFailure {
    fn from(e: NewsError) -> Self {
        match e {
            NewsError::Refused(_) => ApiFailure::bad_request(&e.to_string()),
            NewsError::Forbidden(why) => ApiFailure::new(StatusCode::FORBIDDEN, "forbidden", &why),
            NewsError::Change(NewsChangeRefusal::NotFound(_)) => {
                ApiFailure::not_found(&e.to_string())
            }
            NewsError::Change(NewsChangeRefusal::Withdrawn(_)) => {
                ApiFailure::new(StatusCode::CONFLICT, "withdrawn", &e.to_string())
            }
            NewsError::Store(e) => e.into(),
        }
    }
}

/// Who is asking, as the news rules need it: the name kept with what they change, and
/// the unit they act for (`None`: the whole province). A signed-in member is her login and
/// her account's scope; the role rules below are the only ones news has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    pub name: String,
    pub unit: Option<String>,
}

impl Poster {
    pub(crate) fn of(staff: &Staff) -> Poster {
        Poster {
            name: staff.login.clone(),
            unit: staff.scope().unit().map(str::to_owned),
        }
    }

    /// Staff at the hub's shell (the CLI, root on the database) act for the province.
    pub fn province(name: &str) -> Poster {
        Poster {
            name: name.to_owned(),
            unit: None,
        }
    }

    /// A commune officer posts for her own unit only (never for "every unit").
    fn may_target(&self, units: &[String]) -> Result<(), NewsError> {
        match &self.unit {
            None => Ok(()),
            Some(mine) if units.len() == 1 && &units[0] == mine => Ok(()),
            Some(mine) => Err(NewsError::Forbidden(format!(
                "you post for {mine} only; set units to [\"{mine}\"]"
            ))),
        }
    }

    /// Changes are allowed to whoever could have posted the item.
    pub(crate) fn may_change(&self, row: &NewsRow) -> Result<(), NewsError> {
        self.may_target(&row.units).map_err(|_| {
            NewsError::Forbidden(format!("news item {} is not yours to change", row.id))
        })
    }

    /// The unit a list is limited to: a commune officer's own, whatever she asks for.
    fn list_unit(&self, asked: Option<String>) -> Option<String> {
        self.unit.clone().or(asked)
    }
}

fn known_units(config: &HubConfig) -> Vec<String> {
    config.units.iter().map(|u| u.id.clone()).collect()
}

/// Checks and stores a post (with its picture, if any); the same rules for API, CLI and
/// dashboard. The caller wakes rooms.
pub fn post(
    store: &crate::store::Store,
    config: &HubConfig,
    poster: &Poster,
    draft: &NewsDraft,
    image: Option<&[u8]>,
    now_ms: i64,
) -> Result<NewsRow, NewsError> {
    let content = crate::news::check_draft(draft, &known_units(config), now_ms)?;
    poster.may_target(&content.units)?;
    let checked = image.map(crate::news::check_image).transpose()?;
    let image = checked.as_ref().zip(image);
    Ok(store.post_news(&content, image, &poster.name, now_ms)?)
}

/// Replaces an item's text, units and window.
pub fn edit(
    store: &crate::store::Store,
    config: &HubConfig,
    poster: &Poster,
    id: &str,
    draft: &NewsDraft,
    now_ms: i64,
) -> Result<NewsRow, NewsError> {
    let row = visible(store, poster, id)?;
    poster.may_change(&row)?;
    let content = crate::news::check_draft(draft, &known_units(config), now_ms)?;
    poster.may_target(&content.units)?;
    Ok(store.edit_news(id, &content, now_ms)??)
}

/// Gives an item a picture, checked by its bytes.
pub fn set_image(
    store: &crate::store::Store,
    poster: &Poster,
    id: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<NewsRow, NewsError> {
    let row = visible(store, poster, id)?;
    poster.may_change(&row)?;
    let checked = crate::news::check_image(bytes)?;
    Ok(store.set_news_image(id, &checked, bytes, now_ms)??)
}

/// Withdraws an item; rooms forget it at their next download.
pub fn withdraw(
    store: &crate::store::Store,
    poster: &Poster,
    id: &str,
    now_ms: i64,
) -> Result<NewsRow, NewsError> {
    let row = visible(store, poster, id)?;
    poster.may_change(&row)?;
    Ok(store.withdraw_news(id, &poster.name, now_ms)??)
}

/// Items newest first, limited to what the poster may see.
pub fn list(
    store: &crate::store::Store,
    poster: &Poster,
    unit: Option<String>,
    include_withdrawn: bool,
) -> Result<Vec<NewsRow>, NewsError> {
    let unit = poster.list_unit(unit);
    Ok(store.news_list(unit.as_deref(), include_withdrawn)?)
}

/// An item the poster may see: one for every unit, or for hers (another unit's item is
/// refused by id, as another commune's feedback is).
pub fn visible(
    store: &crate::store::Store,
    poster: &Poster,
    id: &str,
) -> Result<NewsRow, NewsError> {
    let row = existing(store, id)?;
    match &poster.unit {
        Some(unit) if !row.targets(unit) => Err(NewsError::Forbidden(format!(
            "news item {id} is for other units than {unit}"
        ))),
        _ => Ok(row),
    }
}

fn existing(store: &crate::store::Store, id: &str) -> Result<NewsRow, NewsError> {
    store
        .news_by_id(id)?
        .ok_or_else(|| NewsChangeRefusal::NotFound(id.to_owned()).into())
}

/// What one download carries about news.
pub(super) struct Down {
    pub cursor: i64,
    pub items: Vec<NewsItem>,
    pub removed: Vec<String>,
    /// The page was full: more changes wait past the cursor.
    pub more: bool,
}

pub(super) async fn down(hub: &Hub, unit: String, cursor: i64) -> Result<Down, StoreError> {
    hub.store
        .call(move |s| {
            let (cursor, items, removed) = s.news_changes_for_unit(&unit, cursor)?;
            let more = items.len() + removed.len() >= crate::store::NEWS_CHANGES_MAX;
            Ok(Down {
                cursor,
                items,
                removed,
                more,
            })
        })
        .await
}

/// Runs a news operation on the store's thread, then wakes every room when it changed
/// something they download.
async fn run<T: Send + 'static>(
    hub: &Hub,
    wake_rooms: bool,
    op: impl FnOnce(&crate::store::Store, &HubConfig) -> Result<T, NewsError> + Send + 'static,
) -> Result<T, ApiFailure> {
    let config = hub.config.clone();
    let result = hub.store.call(move |s| op(s, &config)).await?;
    // Rooms download at once rather than at their next poll (as for a staff reply).
    if wake_rooms {
        let _ = hub.sync_hints.send(());
    }
    Ok(result)
}

/// `POST /api/v1/news` and `POST /api/v1/news/{id}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PostRequest {
    title: String,
    body: String,
    /// Unit ids; empty or absent: every unit.
    #[serde(default)]
    units: Vec<String>,
    shown_from_ms: Option<i64>,
    shown_until_ms: Option<i64>,
    /// `vi` (default), `en` or `hmn`.
    language: Option<String>,
    /// Ignored: the item records the signed-in login (scripts written before accounts
    /// sent it).
    #[serde(default, rename = "by")]
    _by: Option<String>,
}

impl PostRequest {
    fn draft(&self) -> NewsDraft {
        NewsDraft {
            title: self.title.clone(),
            body: self.body.clone(),
            units: self.units.clone(),
            shown_from_ms: self.shown_from_ms,
            shown_until_ms: self.shown_until_ms,
            language: self.language.clone(),
        }
    }
}

/// A JSON body staff sent: one that is not JSON, or lacks a field, is bad input (400) like
/// any other; only one over the route's limit keeps its 413.
fn staff_json<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiFailure> {
    match body {
        Ok(Json(value)) => Ok(value),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(rejection.into())
        }
        Err(rejection) => Err(ApiFailure::bad_request(&rejection.body_text())),
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ListQuery {
    unit: Option<String>,
    /// `true` lists withdrawn items too.
    #[serde(default)]
    withdrawn: bool,
}

pub(super) async fn list_news(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiFailure> {
    let poster = Poster::of(&staff);
    let rows = run(&hub, false, move |s, _| {
        list(s, &poster, query.unit, query.withdrawn)
    })
    .await?;
    Ok(Json(rows).into_response())
}

pub(super) async fn post_news(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    body: Result<Json<PostRequest>, JsonRejection>,
) -> Result<Response, ApiFailure> {
    let request = staff_json(body)?;
    let poster = Poster::of(&staff);
    let now = crate::clock::now_ms();
    let row = run(&hub, true, move |s, config| {
        post(s, config, &poster, &request.draft(), None, now)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

pub(super) async fn show_news(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let poster = Poster::of(&staff);
    let row = run(&hub, false, move |s, _| visible(s, &poster, &id)).await?;
    Ok(Json(row).into_response())
}

pub(super) async fn edit_news(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(id): Path<String>,
    body: Result<Json<PostRequest>, JsonRejection>,
) -> Result<Response, ApiFailure> {
    let request = staff_json(body)?;
    let poster = Poster::of(&staff);
    let now = crate::clock::now_ms();
    let row = run(&hub, true, move |s, config| {
        edit(s, config, &poster, &id, &request.draft(), now)
    })
    .await?;
    Ok(Json(row).into_response())
}

/// The picture is the raw body (JPEG or PNG, told apart by its bytes).
pub(super) async fn put_image(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let body = body?;
    let poster = Poster::of(&staff);
    let now = crate::clock::now_ms();
    let row = run(&hub, true, move |s, _| {
        set_image(s, &poster, &id, &body, now)
    })
    .await?;
    Ok(Json(row).into_response())
}

/// The picture of an item the member may see (the dashboard shows it with its item).
pub(super) async fn get_image(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let poster = Poster::of(&staff);
    let image = run(&hub, false, move |s, _| {
        let row = visible(s, &poster, &id)?;
        let Some(info) = row.image else {
            return Ok(None);
        };
        Ok(s.news_image(&info.sha256)?)
    })
    .await?
    .ok_or_else(|| ApiFailure::not_found("this news item has no picture"))?;
    Ok(([(header::CONTENT_TYPE, image.kind.as_str())], image.bytes).into_response())
}

/// No body is read: the account says who withdraws it.
pub(super) async fn withdraw_news(
    State(hub): State<Arc<Hub>>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let poster = Poster::of(&staff);
    let now = crate::clock::now_ms();
    let row = run(&hub, true, move |s, _| withdraw(s, &poster, &id, now)).await?;
    Ok(Json(row).into_response())
}

/// A room fetches the picture of an item meant for it, by the hash its download named.
pub(super) async fn room_image(
    State(hub): State<Arc<Hub>>,
    RoomCaller(room): RoomCaller,
    Path(sha256): Path<String>,
) -> Result<Response, ApiFailure> {
    let image = hub
        .store
        .call(move |s| s.news_image_for_unit(&sha256, &room.unit_id))
        .await?
        .ok_or_else(|| ApiFailure::not_found("no such picture for this room"))?;
    Ok(([(header::CONTENT_TYPE, image.kind.as_str())], image.bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commune(unit: &str) -> Poster {
        Poster {
            name: "hoa".into(),
            unit: Some(unit.into()),
        }
    }

    #[test]
    fn a_commune_officer_posts_and_lists_for_her_own_unit_only() {
        let hoa = commune("lao-chai");
        assert!(hoa.may_target(&["lao-chai".into()]).is_ok());
        for units in [
            vec![],
            vec!["sa-pa".into()],
            vec!["lao-chai".into(), "sa-pa".into()],
        ] {
            let err = hoa.may_target(&units).expect_err("not hers").to_string();
            assert!(err.contains("set units to [\"lao-chai\"]"), "{err}");
        }
        assert_eq!(
            hoa.list_unit(Some("sa-pa".into())).as_deref(),
            Some("lao-chai")
        );
        let province = Poster::province("An");
        assert!(province.may_target(&[]).is_ok());
        assert_eq!(province.list_unit(None), None);
    }

    #[test]
    fn a_post_needs_a_valid_draft_and_says_what_to_fix() {
        let dir = tempfile::tempdir().expect("dir");
        let config = crate::app::HubBuilder::demo(dir.path())
            .expect("demo")
            .config()
            .clone();
        let store = crate::store::Store::open_in_memory().expect("open");
        let draft = NewsDraft {
            title: "Họp dân".into(),
            body: "Tối thứ Sáu tại nhà văn hoá.".into(),
            ..Default::default()
        };
        let an = Poster::province("An");
        let bad = NewsDraft {
            units: vec!["atlantis".into()],
            ..draft.clone()
        };
        let failure =
            ApiFailure::from(post(&store, &config, &an, &bad, None, 0).expect_err("unit"));
        let response = failure.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let not_a_picture = post(&store, &config, &an, &draft, Some(b"GIF89a"), 0);
        assert!(matches!(
            not_a_picture,
            Err(NewsError::Refused(NewsRefusal::ImageType))
        ));
        let row = post(&store, &config, &an, &draft, None, 0).expect("posted");
        assert_eq!(row.created_by, "An");
        let withdrawn = withdraw(&store, &an, &row.id, 1).expect("withdrawn");
        assert_eq!(withdrawn.withdrawn_at_ms, Some(1));
        let again = edit(&store, &config, &an, &row.id, &draft, 2).expect_err("withdrawn");
        let response = ApiFailure::from(again).into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
}
