//! What every province page and form of the dashboard checks first, written once: a
//! signed-in province admin ([`ProvincePage`]); for a form, also its CSRF token, checked
//! before anything is changed ([`ProvinceForm`]). Commune staff get the 403 page before
//! the body is read. And the two pages a form may answer instead of its redirect.

use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Lang, PageError, Staff, check_csrf, layout, require_province, t};
use crate::hub::Hub;
use crate::hub::auth::StaffPage;

/// A province admin on a dashboard page, and the page's language.
pub(crate) struct ProvincePage {
    pub staff: Staff,
    pub lang: Lang,
}

impl FromRequestParts<Arc<Hub>> for ProvincePage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, Response> {
        let StaffPage(staff) = StaffPage::from_request_parts(parts, hub).await?;
        let Ok(lang) = Lang::from_request_parts(parts, hub).await;
        require_province(&staff, lang).map_err(IntoResponse::into_response)?;
        Ok(ProvincePage { staff, lang })
    }
}

/// A form's fields with the session's token beside them.
#[derive(Debug, serde::Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: T,
}

/// The fields of a form that is only a button (its token is all it carries).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct NoFields {}

/// A form a province admin posted from a dashboard page, its CSRF token checked.
pub(crate) struct ProvinceForm<T> {
    pub staff: Staff,
    pub lang: Lang,
    pub fields: T,
}

impl<T> FromRequest<Arc<Hub>> for ProvinceForm<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, hub: &Arc<Hub>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let ProvincePage { staff, lang } =
            ProvincePage::from_request_parts(&mut parts, hub).await?;
        let request = Request::from_parts(parts, body);
        let Form(WithCsrf { csrf, fields }) = Form::<WithCsrf<T>>::from_request(request, hub)
            .await
            .map_err(IntoResponse::into_response)?;
        check_csrf(&staff, &csrf, lang).map_err(IntoResponse::into_response)?;
        Ok(ProvinceForm {
            staff,
            lang,
            fields,
        })
    }
}

/// A 500 page for a failure staff cannot fix; the detail goes to the log only.
pub(crate) fn broken(
    staff: &Staff,
    lang: Lang,
    what: &str,
    e: impl std::fmt::Display,
) -> PageError {
    tracing::error!(error = %e, what, "a dashboard page failed");
    PageError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(staff),
        lang,
        &t(lang, "page-failed"),
    )
}

/// A page answered to a form instead of its redirect: why it was refused (`422`, `404`)
/// or what it made (`200`), with the way back to `back`.
pub(crate) fn answer(
    staff: &Staff,
    lang: Lang,
    status: StatusCode,
    body: maud::Markup,
    back: &str,
) -> Response {
    let title = if status.is_success() {
        t(lang, "app-name")
    } else {
        t(lang, "form-refused")
    };
    let body = html! {
        (body)
        p { a class="button" href=(back) { (t(lang, "back")) } }
    };
    (status, layout(&title, Some(staff), lang, body)).into_response()
}

/// A `422` page saying why a form was refused.
pub(crate) fn refused(staff: &Staff, lang: Lang, message: &str, back: &str) -> Response {
    answer(
        staff,
        lang,
        StatusCode::UNPROCESSABLE_ENTITY,
        html! { div class="notice error" role="alert" { (message) } },
        back,
    )
}
