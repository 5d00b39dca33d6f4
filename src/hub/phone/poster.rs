//! The commune's A4 poster: a large QR of its phone page `/g/<unit>`, the address in
//! words, and how to give feedback, drawn as the campaign poster is (vector QR with error
//! correction Q, the bundled Noto Sans embedded), so it prints sharp and survives creases.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::Hub;
use super::super::auth::StaffPage;
use super::super::web::{Lang, PageError, t, t_args};
use crate::contrib::poster::{
    MARGIN_MM, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PosterError, QR_SIDE_MM, Typesetter,
};

/// The poster of the page at `url` for the unit called `unit_name`, texts in `lang`.
pub fn poster_pdf(unit_name: &str, url: &str, lang: Lang) -> Result<Vec<u8>, PosterError> {
    let mut ts = Typesetter::new()?;
    let mut y = PAGE_HEIGHT_MM - MARGIN_MM - 8.0;
    y = ts.centred(&t(lang, "phone-poster-head"), 14.0, y);
    y = ts.centred(unit_name, 24.0, y - 3.0);
    let qr_top = y - 2.0;
    let qr_left = (PAGE_WIDTH_MM - QR_SIDE_MM) / 2.0;
    ts.qr(url, qr_left, qr_top)?;
    y = qr_top - QR_SIDE_MM - 6.0;
    y = ts.centred(url, 13.0, y);
    y -= 3.0;
    for (key, size) in [
        ("phone-poster-step1", 12.0),
        ("phone-poster-step2", 12.0),
        ("phone-poster-step3", 12.0),
        ("phone-poster-privacy", 11.0),
    ] {
        y = ts.left(&t(lang, key), size, y);
    }
    Ok(ts.page.to_pdf(unit_name)?)
}

/// `GET /staff/units/{unit}/poster.pdf`: for the unit's own staff and province admins.
pub(crate) async fn poster(
    State(hub): State<Arc<Hub>>,
    StaffPage(staff): StaffPage,
    lang: Lang,
    Path(unit_id): Path<String>,
) -> Result<Response, PageError> {
    let Some(unit) = hub.config.unit(&unit_id).cloned() else {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            Some(&staff),
            lang,
            &t_args(lang, "phone-unknown-unit", &[("unit", &unit_id)]),
        ));
    };
    if !staff.scope().allows_unit(&unit.id) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            Some(&staff),
            lang,
            &t(lang, "phone-poster-not-yours"),
        ));
    }
    let url = super::page_url(&hub, &unit.id);
    let name = unit.name.clone();
    let pdf = tokio::task::spawn_blocking(move || poster_pdf(&name, &url, lang))
        .await
        .ok()
        .and_then(|r| {
            r.map_err(|e| tracing::error!(error = %e, "cannot draw a phone poster"))
                .ok()
        })
        .ok_or_else(|| {
            PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(&staff),
                lang,
                &t(lang, "phone-internal"),
            )
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"poster-{}.pdf\"", unit.id),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// The dashboard's links to the posters this member may print: her own unit's, or every
/// unit's for a province admin.
pub(crate) fn poster_links(
    hub: &Hub,
    staff: &super::super::auth::Staff,
    lang: Lang,
) -> maud::Markup {
    let scope = staff.scope();
    let units: Vec<_> = hub
        .config
        .units
        .iter()
        .filter(|u| scope.allows_unit(&u.id))
        .collect();
    maud::html! {
        @if !units.is_empty() {
            section class="card phone-posters" {
                h2 { (t(lang, "phone-posters-title")) }
                p { (t(lang, "phone-posters-lead")) }
                ul {
                    @for u in units {
                        li {
                            a href={ "/staff/units/" (u.id) "/poster.pdf" } download { (u.name) }
                            " — "
                            a href={ "/g/" (u.id) } { "/g/" (u.id) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poster_is_one_a4_page_in_either_language() {
        for lang in [Lang::Vi, Lang::En] {
            let pdf = poster_pdf(
                "Ủy ban MTTQ xã Lao Chải",
                "https://hub.laocai.mttq.vn/g/lao-chai",
                lang,
            )
            .expect("drawn");
            assert!(pdf.starts_with(b"%PDF-"));
            if let Ok(dir) = std::env::var("PHONGHOP_DUMP_POSTER") {
                std::fs::write(
                    std::path::Path::new(&dir).join(format!("poster-{}.pdf", lang.code())),
                    &pdf,
                )
                .expect("dump");
            }
        }
    }
}
