//! The pictures a room can send, as one table: the adaptation ([`super::adapt`]) picks a
//! row by the link, the encoder (`media::call`) is set up from the same row, so the two can
//! never disagree on what a layer costs.
//!
//! The bitrates follow WebRTC's own singlecast VP8 limits (libwebrtc's
//! `EncoderInfoSettings::GetDefaultSinglecastBitrateLimits`: 720p up to 2.5 Mb/s, 360p up to
//! 800 kb/s, 30 kb/s as every layer's floor) and the GCC estimator's own ceiling
//! (`transport::peer::MAX_BITRATE_BPS`, 2.5 Mb/s): a 720p encoder capped lower would leave
//! the top of what the estimator can promise unused.

use std::fmt;
use std::str::FromStr;

/// What the room sends, lowest first (so `min`/`max` and `<` compare quality). The
/// default is the best, a room's ceiling when its config names none.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Layer {
    #[serde(rename = "audio-only")]
    AudioOnly,
    #[serde(rename = "180p")]
    P180,
    #[serde(rename = "360p")]
    P360,
    #[serde(rename = "720p")]
    #[default]
    P720,
}

/// One video layer's picture and the bitrates it makes sense at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Below this the picture is not worth sending at this size: the adaptation steps down
    /// (the encoder still honours a lower hard cap until it does).
    pub min_bps: u32,
    /// Where the encoder starts when a call begins at this layer.
    pub start_bps: u32,
    /// Above this the extra bits buy nothing visible: the encoder is never given more.
    pub max_bps: u32,
}

/// The least the encoder is ever given, whatever the cap: libvpx cannot hold even a 180p
/// picture together below it (WebRTC's `kDefaultMinVideoBitrateBps`).
pub const ENCODER_FLOOR_BPS: u32 = 30_000;

/// The table, lowest first.
const P180: VideoFormat = VideoFormat {
    width: 320,
    height: 180,
    fps: 30,
    min_bps: 120_000,
    start_bps: 150_000,
    max_bps: 250_000,
};
const P360: VideoFormat = VideoFormat {
    width: 640,
    height: 360,
    fps: 30,
    min_bps: 400_000,
    start_bps: 600_000,
    max_bps: 800_000,
};
const P720: VideoFormat = VideoFormat {
    width: 1280,
    height: 720,
    fps: 30,
    min_bps: 1_200_000,
    start_bps: 1_500_000,
    max_bps: 2_500_000,
};

/// The names a room's `max_layer` may take, best first.
const CEILING_NAMES: &str = "720p, 360p, 180p";

/// A layer name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a layer; expected one of: {expected}")]
pub struct UnknownLayer {
    pub given: String,
    pub expected: &'static str,
}

impl Layer {
    /// Every layer, lowest first.
    pub const ALL: [Layer; 4] = [Layer::AudioOnly, Layer::P180, Layer::P360, Layer::P720];

    /// The picture sent at this layer; `None` for audio only.
    pub fn video(self) -> Option<&'static VideoFormat> {
        match self {
            Layer::AudioOnly => None,
            Layer::P180 => Some(&P180),
            Layer::P360 => Some(&P360),
            Layer::P720 => Some(&P720),
        }
    }

    /// The picture the camera captures: audio only keeps the lowest layer's picture, for
    /// the self-view and so that the next step up starts from there.
    pub fn captured(self) -> &'static VideoFormat {
        self.video().unwrap_or(&P180)
    }

    /// The picture's height, 0 for audio only (the `call_layer` metric).
    pub fn height(self) -> u32 {
        self.video().map_or(0, |v| v.height)
    }

    /// `bps` as the encoder may be given it at this layer: at most the layer's maximum, at
    /// least [`ENCODER_FLOOR_BPS`] (a hard cap below the layer's minimum is honoured until
    /// the adaptation steps down).
    pub fn encoder_bitrate_bps(self, bps: u32) -> u32 {
        bps.clamp(ENCODER_FLOOR_BPS, self.captured().max_bps)
    }

    /// Short name for logs, metrics, configs and the staff screen.
    pub fn label(self) -> &'static str {
        match self {
            Layer::AudioOnly => "audio-only",
            Layer::P180 => "180p",
            Layer::P360 => "360p",
            Layer::P720 => "720p",
        }
    }

    /// The next layer down (audio only stays).
    pub fn down(self) -> Layer {
        match self {
            Layer::P720 => Layer::P360,
            Layer::P360 => Layer::P180,
            Layer::P180 | Layer::AudioOnly => Layer::AudioOnly,
        }
    }

    /// The next layer up (720p stays).
    pub fn up(self) -> Layer {
        match self {
            Layer::AudioOnly => Layer::P180,
            Layer::P180 => Layer::P360,
            Layer::P360 | Layer::P720 => Layer::P720,
        }
    }

    /// The layers a room publishes at once when the engine takes simulcast: every video
    /// layer up to its ceiling, best first (the order Janus reads rids in by default). Each
    /// one's rid is its label (`720p`, `360p`, `180p`).
    pub fn simulcast_up_to(ceiling: Layer) -> Vec<Layer> {
        Layer::ALL
            .into_iter()
            .rev()
            .filter(|l| l.video().is_some() && *l <= ceiling)
            .collect()
    }

    /// With simulcast, what the streams below this one take while this is the best one
    /// sent: each lower layer's start bitrate (the encoder's bitrates in `media::call`).
    pub fn simulcast_below_bps(self, layers: &[Layer]) -> u32 {
        layers
            .iter()
            .filter(|l| **l < self)
            .filter_map(|l| l.video())
            .map(|v| v.start_bps)
            .sum()
    }

    /// A room's `max_layer`: the best picture it may send. Audio only is not a ceiling (a
    /// room that must not send pictures turns its camera off).
    pub fn parse_ceiling(name: &str) -> Result<Layer, UnknownLayer> {
        match name.parse() {
            Ok(layer) if layer != Layer::AudioOnly => Ok(layer),
            _ => Err(UnknownLayer {
                given: name.to_owned(),
                expected: CEILING_NAMES,
            }),
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Layer {
    type Err = UnknownLayer;

    fn from_str(name: &str) -> Result<Layer, UnknownLayer> {
        Layer::ALL
            .into_iter()
            .find(|layer| layer.label() == name)
            .ok_or_else(|| UnknownLayer {
                given: name.to_owned(),
                expected: "720p, 360p, 180p, audio-only",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_a_bad_one_lists_the_valid_ones() {
        for layer in Layer::ALL {
            assert_eq!(layer.label().parse::<Layer>(), Ok(layer));
            assert_eq!(
                serde_json::to_string(&layer).ok(),
                Some(format!("\"{layer}\""))
            );
        }
        let e = "1080p".parse::<Layer>().expect_err("not a layer");
        assert_eq!(
            e.to_string(),
            "\"1080p\" is not a layer; expected one of: 720p, 360p, 180p, audio-only"
        );
        assert_eq!(Layer::parse_ceiling("360p"), Ok(Layer::P360));
        let e = Layer::parse_ceiling("audio-only").expect_err("not a ceiling");
        assert!(
            e.to_string().ends_with("expected one of: 720p, 360p, 180p"),
            "{e}"
        );
    }

    #[test]
    fn the_table_climbs_and_every_range_holds_its_start() {
        let video: Vec<&VideoFormat> = Layer::ALL.iter().filter_map(|l| l.video()).collect();
        assert_eq!(video.len(), 3);
        for pair in video.windows(2) {
            assert!(pair[0].height < pair[1].height);
            assert!(pair[0].max_bps < pair[1].max_bps);
            assert!(pair[0].min_bps < pair[1].min_bps);
        }
        for v in video {
            assert!(ENCODER_FLOOR_BPS <= v.min_bps);
            assert!((v.min_bps..=v.max_bps).contains(&v.start_bps), "{v:?}");
        }
        assert_eq!(Layer::P720.video().map(|v| v.max_bps), Some(2_500_000));
        assert_eq!(Layer::AudioOnly.captured(), &P180);
        assert_eq!(Layer::AudioOnly.height(), 0);
    }

    #[test]
    fn simulcast_sends_every_layer_up_to_the_ceiling_best_first() {
        assert_eq!(
            Layer::simulcast_up_to(Layer::P720),
            vec![Layer::P720, Layer::P360, Layer::P180]
        );
        assert_eq!(
            Layer::simulcast_up_to(Layer::P360),
            vec![Layer::P360, Layer::P180]
        );
        let all = Layer::simulcast_up_to(Layer::P720);
        assert_eq!(
            Layer::P720.simulcast_below_bps(&all),
            P360.start_bps + P180.start_bps
        );
        assert_eq!(Layer::P180.simulcast_below_bps(&all), 0);
    }

    #[test]
    fn the_encoder_is_kept_between_the_floor_and_the_layers_maximum() {
        assert_eq!(Layer::P360.encoder_bitrate_bps(5), ENCODER_FLOOR_BPS);
        assert_eq!(Layer::P360.encoder_bitrate_bps(200_000), 200_000);
        assert_eq!(Layer::P720.encoder_bitrate_bps(9_000_000), 2_500_000);
        assert_eq!(
            Layer::AudioOnly.encoder_bitrate_bps(9_000_000),
            P180.max_bps
        );
    }
}
