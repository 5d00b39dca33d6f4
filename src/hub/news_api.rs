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
use super::auth::{RoomCaller, StaffCaller};
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
    #[error("say who makes the change in \"by\" (your name, kept with the item)")]
    NoAuthor,
    #[error(transparent)]
    Change(#[from] NewsChangeRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<NewsError> for ApiFailure {
    fn from(e: NewsError) -> Self {
        match e {
            NewsError::Refused(_) | NewsError::NoAuthor => ApiFailure::bad_request(&e.to_string()),
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

/// Who is asking, as the news rules need it: a name kept with what they change, and the
/// unit they act for (`None`: the whole province).
///
/// Today staff are loopback clients (`StaffCaller`), who act for the province under the
/// name they give in `by`. When accounts replace loopback, `Poster::of` reads the
/// account's login and unit instead (a commune officer acts for her unit): that function
/// and the extractor type in the handlers' signatures are all that change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    pub name: Option<String>,
    pub unit: Option<String>,
}

impl Poster {
    fn of(_caller: StaffCaller, by: Option<&str>) -> Poster {
        Poster {
            name: by
                .map(|b| crate::text::nfc(b.trim()))
                .filter(|b| !b.is_empty()),
            unit: None,
        }
    }

    /// Staff at the hub's shell (the CLI, root on the database) act for the province.
    pub fn province(name: &str) -> Poster {
        Poster {
            name: Some(name.to_owned()),
            unit: None,
        }
    }

    fn author(&self) -> Result<&str, NewsError> {
        self.name.as_deref().ok_or(NewsError::NoAuthor)
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
    fn may_change(&self, row: &NewsRow) -> Result<(), NewsError> {
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
    let author = poster.author()?;
    let checked = image.map(crate::news::check_image).transpose()?;
    let image = checked.as_ref().zip(image);
    Ok(store.post_news(&content, image, author, now_ms)?)
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
    let row = existing(store, id)?;
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
    let row = existing(store, id)?;
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
    let row = existing(store, id)?;
    poster.may_change(&row)?;
    Ok(store.withdraw_news(id, poster.author()?, now_ms)??)
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
}

pub(super) async fn down(hub: &Hub, unit: String, cursor: i64) -> Result<Down, StoreError> {
    hub.store
        .call(move |s| {
            let (cursor, items, removed) = s.news_changes_for_unit(&unit, cursor)?;
            Ok(Down {
                cursor,
                items,
                removed,
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
    /// Who posts it (until staff accounts say so themselves).
    by: Option<String>,
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
    caller: StaffCaller,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiFailure> {
    let poster = Poster::of(caller, None);
    let rows = run(&hub, false, move |s, _| {
        list(s, &poster, query.unit, query.withdrawn)
    })
    .await?;
    Ok(Json(rows).into_response())
}

pub(super) async fn post_news(
    State(hub): State<Arc<Hub>>,
    caller: StaffCaller,
    body: Result<Json<PostRequest>, JsonRejection>,
) -> Result<Response, ApiFailure> {
    let request = staff_json(body)?;
    let poster = Poster::of(caller, request.by.as_deref());
    let now = crate::clock::now_ms();
    let row = run(&hub, true, move |s, config| {
        post(s, config, &poster, &request.draft(), None, now)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

pub(super) async fn show_news(
    State(hub): State<Arc<Hub>>,
    caller: StaffCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let poster = Poster::of(caller, None);
    let row = run(&hub, false, move |s, _| {
        let row = existing(s, &id)?;
        match &poster.unit {
            Some(unit) if !row.targets(unit) => Err(NewsChangeRefusal::NotFound(id).into()),
            _ => Ok(row),
        }
    })
    .await?;
    Ok(Json(row).into_response())
}

pub(super) async fn edit_news(
    State(hub): State<Arc<Hub>>,
    caller: StaffCaller,
    Path(id): Path<String>,
    body: Result<Json<PostRequest>, JsonRejection>,
) -> Result<Response, ApiFailure> {
    let request = staff_json(body)?;
    let poster = Poster::of(caller, request.by.as_deref());
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
    caller: StaffCaller,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let body = body?;
    let poster = Poster::of(caller, None);
    let now = crate::clock::now_ms();
    let row = run(&hub, true, move |s, _| {
        set_image(s, &poster, &id, &body, now)
    })
    .await?;
    Ok(Json(row).into_response())
}

/// Staff see any stored picture (the dashboard shows it with its item).
pub(super) async fn get_image(
    State(hub): State<Arc<Hub>>,
    _caller: StaffCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let image = run(&hub, false, move |s, _| {
        let row = existing(s, &id)?;
        let Some(info) = row.image else {
            return Ok(None);
        };
        Ok(s.news_image(&info.sha256)?)
    })
    .await?
    .ok_or_else(|| ApiFailure::not_found("this news item has no picture"))?;
    Ok(([(header::CONTENT_TYPE, image.kind.as_str())], image.bytes).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawRequest {
    by: Option<String>,
}

/// The body (`{"by": ".."}`) may be empty once accounts say who is asking.
pub(super) async fn withdraw_news(
    State(hub): State<Arc<Hub>>,
    caller: StaffCaller,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiFailure> {
    let body = body?;
    let request: WithdrawRequest = if body.iter().all(u8::is_ascii_whitespace) {
        WithdrawRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiFailure::bad_request(&format!("the body is not {{\"by\": \"your name\"}}: {e}"))
        })?
    };
    let poster = Poster::of(caller, request.by.as_deref());
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
            name: Some("Lò Thị Hoa".into()),
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
    fn a_post_needs_an_author_and_a_valid_draft_and_says_what_to_fix() {
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
        let nobody = Poster {
            name: None,
            unit: None,
        };
        let err = post(&store, &config, &nobody, &draft, None, 0).expect_err("no author");
        assert!(matches!(err, NewsError::NoAuthor), "{err}");
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
