//! The News screen's state and messages, shared by the shell (which keeps the state and
//! applies [`NewsCommand`]s) and the screen (which draws it): neither imports the other for
//! them. The room's answers come in through [`NewsBoard::loaded`].

use crate::config::Language;
use crate::news::Picture;
use crate::room::news::KioskNews;
use crate::room::service::ServiceError;
use crate::wire::NewsItem;

/// While the News screen is open the kiosk asks the room again this often, so an item
/// synced or withdrawn meanwhile shows or goes without leaving the screen.
pub const RELOAD_EVERY_MS: i64 = 30_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewsCommand {
    /// Read this item (by id) aloud, title then text, in the language it is written in.
    ReadAloud(String),
}

/// What the app must ask the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewsRequest {
    Load,
}

/// The News screen's state; `Default` is "asking the room".
#[derive(Default)]
pub struct NewsBoard {
    /// `None` while the room is asked.
    pub items: Option<Result<Vec<KioskNews>, ServiceError>>,
    /// Pictures uploaded to the GPU, by item id (made on first draw, kept while shown).
    textures: Vec<(String, egui::TextureHandle)>,
}

impl std::fmt::Debug for NewsBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewsBoard")
            .field("items", &self.items)
            .field("textures", &self.textures.len())
            .finish()
    }
}

/// What is read aloud for an item.
pub fn spoken_text(item: &NewsItem) -> String {
    format!("{}.\n{}", item.title.trim_end_matches('.'), item.body)
}

impl NewsBoard {
    /// The items shown at `now_ms`: the room answered with those inside their window when
    /// asked, and one whose window closes while the screen is open goes at once.
    pub fn shown(&self, now_ms: i64) -> Vec<&KioskNews> {
        match &self.items {
            Some(Ok(items)) => items
                .iter()
                .filter(|n| {
                    crate::news::is_shown_at(n.item.shown_from_ms, n.item.shown_until_ms, now_ms)
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The room's answer to [`NewsRequest::Load`].
    pub fn loaded(&mut self, result: Result<Vec<KioskNews>, ServiceError>) {
        self.textures.clear();
        self.items = Some(result);
    }

    /// What to say, and in which voice, for the item `id` if it is shown at `now_ms`: the
    /// language it is written in, whatever the kiosk's is.
    pub fn read_aloud(&self, id: &str, now_ms: i64) -> Option<(String, Language)> {
        let news = self.shown(now_ms).into_iter().find(|n| n.item.id == id)?;
        let lang = Language::from_code(&news.item.language).unwrap_or(Language::Vietnamese);
        Some((spoken_text(&news.item), lang))
    }

    /// The item's picture as a texture, uploaded on first use and kept while shown.
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        id: &str,
        picture: &Picture,
    ) -> egui::TextureHandle {
        if let Some((_, texture)) = self.textures.iter().find(|(tid, _)| tid == id) {
            return texture.clone();
        }
        let image = egui::ColorImage::from_rgba_unmultiplied(
            [picture.width as usize, picture.height as usize],
            &picture.rgba,
        );
        let texture = ctx.load_texture(format!("news-{id}"), image, egui::TextureOptions::LINEAR);
        self.textures.push((id.to_owned(), texture.clone()));
        texture
    }
}
