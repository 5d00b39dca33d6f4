//! Every error answer the hub's HTTP API gives, in one place, so the route files depend on
//! this module and not on each other, and a caller always gets the same JSON shape:
//! `{"error": "<code>", "message": "<what to fix>"}`.

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;
use crate::wire::ApiError;

/// A JSON error answer.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    status: StatusCode,
    body: ApiError,
}

impl ApiFailure {
    pub fn new(status: StatusCode, error: &str, message: &str) -> Self {
        Self {
            status,
            body: ApiError {
                error: error.to_owned(),
                message: message.to_owned(),
            },
        }
    }

    /// The details stay in the hub's log: a caller cannot fix them and must not learn them.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the hub could not complete this request; see its log",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request's shape is wrong (not JSON, an unknown field, a missing parameter).
    pub fn bad_request(message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// The request is well formed but its content is refused (a rule it breaks).
    pub fn invalid(message: &str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn not_found(message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Any path no route serves. Its code differs from a handler's `not_found` so a test
    /// (and a confused operator) can tell "no such endpoint" from "no such ticket".
    pub fn no_such_endpoint() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "no_such_endpoint",
            "no such endpoint",
        )
    }

    /// A body axum could not take, with its status and explanation.
    fn rejected(status: StatusCode, message: &str) -> Self {
        let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_request"
        };
        Self::new(status, error, message)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// A refusal the store explains is the caller's to fix; anything else is the hub's fault.
impl From<StoreError> for ApiFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(message) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", &message)
            }
            other => {
                tracing::error!(error = %other, "store failure behind an API request");
                Self::internal()
            }
        }
    }
}

/// Keeps axum's status (400 unreadable, 413 too large, 415 not JSON, 422 wrong fields) and
/// its explanation, in the hub's JSON shape.
impl From<JsonRejection> for ApiFailure {
    fn from(rejection: JsonRejection) -> Self {
        Self::rejected(rejection.status(), &rejection.body_text())
    }
}

/// A raw body (a voice upload) that could not be read, most often one over its route's limit.
impl From<BytesRejection> for ApiFailure {
    fn from(rejection: BytesRejection) -> Self {
        Self::rejected(rejection.status(), &rejection.body_text())
    }
}

/// A JSON request body whose refusal is an [`ApiFailure`]: handlers take this instead of
/// `Result<Json<T>, JsonRejection>` and map nothing themselves.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(Self(value))
    }
}
