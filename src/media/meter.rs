//! The microphone meter shared by voice recording and calls: GStreamer's `level` element
//! reports RMS in dB, shown as 0..=1 linear in dB from -60 dBFS, so the kiosk's bar and the
//! call's "speaking" threshold read the same scale.

use std::time::Duration;

use gstreamer as gst;
use gstreamer::glib;

/// The meter's bottom: quieter than this reads 0, 0 dBFS reads 1.
pub(crate) const METER_FLOOR_DB: f64 = -60.0;

/// A `level` element named `name` that posts a message every `interval`.
pub(crate) fn level_element(
    name: &str,
    interval: Duration,
) -> Result<gst::Element, glib::BoolError> {
    gst::ElementFactory::make("level")
        .name(name)
        .property("interval", interval.as_nanos() as u64)
        .property("post-messages", true)
        .build()
}

/// Maps a `level` message to the meter (see [`loudest_to_meter`]). `None` for any other
/// message, or one without RMS values.
pub(crate) fn meter_level(structure: &gst::StructureRef) -> Option<f32> {
    if structure.name() != "level" {
        return None;
    }
    let rms = structure.get::<&glib::ValueArray>("rms").ok()?;
    Some(loudest_to_meter(
        rms.iter().filter_map(|v| v.get::<f64>().ok()),
    ))
}

/// The loudest channel's RMS (dB) on the meter; no channels, or none with a usable value,
/// read 0.
fn loudest_to_meter(rms_db: impl IntoIterator<Item = f64>) -> f32 {
    // `f64::max` passes over NaN, so one damaged channel does not hide the others.
    db_to_meter(rms_db.into_iter().fold(f64::NEG_INFINITY, f64::max))
}

/// dB to 0..=1; silence (-inf) and a damaged value (NaN) read 0.
pub(crate) fn db_to_meter(db: f64) -> f32 {
    if db.is_nan() {
        return 0.0;
    }
    ((db - METER_FLOOR_DB) / -METER_FLOOR_DB).clamp(0.0, 1.0) as f32
}

#[cfg(test)]
mod tests {
    use gstreamer::prelude::*;

    use super::*;

    #[test]
    fn decibels_map_to_the_meter_linearly_from_minus_60() {
        assert_eq!(db_to_meter(0.0), 1.0);
        assert_eq!(db_to_meter(3.0), 1.0);
        assert!((db_to_meter(-30.0) - 0.5).abs() < 1e-6);
        assert_eq!(db_to_meter(-60.0), 0.0);
        assert_eq!(db_to_meter(-700.0), 0.0);
        assert_eq!(db_to_meter(f64::NEG_INFINITY), 0.0);
        assert_eq!(db_to_meter(f64::NAN), 0.0);
    }

    #[test]
    fn the_loudest_channel_counts_and_nan_inf_or_no_channel_read_zero() {
        assert_eq!(loudest_to_meter([-60.0, -30.0]), 0.5);
        // A channel with a damaged value does not hide the others.
        assert_eq!(loudest_to_meter([f64::NAN, -30.0]), 0.5);
        assert_eq!(loudest_to_meter([f64::NAN]), 0.0);
        assert_eq!(loudest_to_meter([f64::NEG_INFINITY]), 0.0);
        assert_eq!(loudest_to_meter([]), 0.0);
    }

    #[test]
    fn a_real_level_message_reads_and_anything_else_does_not() {
        gst::init().expect("GStreamer starts");
        let pipeline = gst::parse::launch(
            "audiotestsrc num-buffers=10 wave=sine volume=0.5 ! level name=meter post-messages=true interval=10000000 ! fakesink",
        )
        .expect("a level pipeline");
        let bus = pipeline.bus().expect("a bus");
        pipeline
            .set_state(gst::State::Playing)
            .expect("the pipeline plays");
        let mut reading = None;
        while let Some(msg) = bus.timed_pop(gst::ClockTime::from_seconds(5)) {
            match msg.view() {
                gst::MessageView::Element(_) => {
                    reading = reading.or(msg.structure().and_then(meter_level));
                }
                gst::MessageView::Eos(_) | gst::MessageView::Error(_) => break,
                _ => {}
            }
        }
        let _ = pipeline.set_state(gst::State::Null);
        // A sine at half scale: about -9 dBFS RMS, high on the meter.
        let reading = reading.expect("the level element posted a reading");
        assert!((0.7..1.0).contains(&reading), "{reading}");
        assert_eq!(meter_level(&gst::Structure::builder("other").build()), None);
        // A level message without RMS values: no reading.
        assert_eq!(meter_level(&gst::Structure::builder("level").build()), None);
    }
}
