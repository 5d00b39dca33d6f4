//! `phonghop bench capacity`: the light meeting of [`crate::bench_light`] at growing sizes,
//! one fresh hub (and with `--engine janus` one fresh Janus) each, and a chart of the
//! engine's CPU, its memory and the worst delivered frame rate (with the 25 fps goal) against
//! the number of participants. With Janus the engine is Janus's process, drawn next to the
//! hub's (which then only signals).
//!
//! The chart is SVG drawn with plotters; no font file is read (the SVG names `sans-serif`).

use plotters::prelude::*;

use crate::bench_light::{
    BenchLightError, Engine, GOAL_FPS, GOAL_JANUS_RECEIVE_ONLY, GOAL_PARTICIPANTS, LightOptions,
    LightReport,
};

const FONT: &str = "sans-serif";
const WIDTH_PX: u32 = 760;
const PANEL_PX: u32 = 260;

/// Why the series could not run or be drawn.
#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    #[error("{0}")]
    Options(String),
    #[error(transparent)]
    Light(#[from] BenchLightError),
    #[error("cannot draw the chart: {0}")]
    Chart(String),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What to run.
#[derive(Debug, Clone)]
pub struct CapacityOptions {
    pub light: LightOptions,
    pub max_rooms: usize,
    pub step: usize,
    pub senders: usize,
}

/// One size of the series: the light meeting's figures that the chart draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CapacityPoint {
    pub rooms: usize,
    pub hub_cpu_pct: Option<f64>,
    pub hub_rss_mb: Option<f64>,
    pub janus_cpu_pct: Option<f64>,
    pub janus_rss_mb: Option<f64>,
    pub fps_received_min: Option<f64>,
    pub fps_received_median: Option<f64>,
    pub packets_lost_pct: Option<f64>,
    pub load_generator_cpu_pct: Option<f64>,
    pub machine_cpu_pct: Option<f64>,
    pub loadavg_1m: (Option<f64>, Option<f64>),
}

impl From<&LightReport> for CapacityPoint {
    fn from(r: &LightReport) -> Self {
        CapacityPoint {
            rooms: r.rooms,
            hub_cpu_pct: r.hub_cpu_pct,
            hub_rss_mb: r.hub_rss_mb,
            janus_cpu_pct: r.janus_cpu_pct,
            janus_rss_mb: r.janus_rss_mb,
            fps_received_min: r.fps_received_min,
            fps_received_median: r.fps_received_median,
            packets_lost_pct: r.packets_lost_pct,
            load_generator_cpu_pct: r.load_generator_cpu_pct,
            machine_cpu_pct: r.machine_cpu_pct,
            loadavg_1m: r.loadavg_1m,
        }
    }
}

/// The series' summary: every point, and the largest size at which every receiver got at
/// least the goal frame rate (no smaller size having failed).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CapacitySummary {
    pub engine: Engine,
    pub senders: usize,
    pub max_layer: crate::meeting::Layer,
    pub seconds: u64,
    pub points: Vec<CapacityPoint>,
    pub largest_meeting_at_goal_fps: Option<usize>,
    pub goal: String,
    pub goal_met: bool,
}

/// The sizes the series runs: every multiple of `step` up to `max_rooms` (and `max_rooms`
/// itself), none below `senders + 1` (a meeting needs a receive-only room besides).
pub fn series_sizes(max_rooms: usize, step: usize, senders: usize) -> Vec<usize> {
    let least = (senders + 1).max(2);
    if step == 0 || max_rooms < least {
        return Vec::new();
    }
    let mut sizes: Vec<usize> = (1..)
        .map(|k| k * step)
        .take_while(|n| *n <= max_rooms)
        .filter(|n| *n >= least)
        .collect();
    if sizes.last() != Some(&max_rooms) {
        sizes.push(max_rooms);
    }
    sizes
}

/// The largest size whose worst receiver met the goal, counting up until the first miss.
pub fn largest_at_goal(points: &[CapacityPoint]) -> Option<usize> {
    points
        .iter()
        .take_while(|p| p.fps_received_min.is_some_and(|f| f >= GOAL_FPS))
        .map(|p| p.rooms)
        .last()
}

/// Runs the series; `each` gets every point's full report as it is measured.
pub async fn capacity(
    options: CapacityOptions,
    mut each: impl FnMut(&LightReport),
) -> Result<CapacitySummary, CapacityError> {
    let sizes = series_sizes(options.max_rooms, options.step, options.senders);
    if sizes.is_empty() {
        return Err(CapacityError::Options(format!(
            "--max-rooms {} leaves no size with {} senders and a receive-only room; raise \
             --max-rooms or lower --senders (and --step must be at least 1)",
            options.max_rooms, options.senders
        )));
    }
    let mut points = Vec::new();
    for rooms in sizes {
        let receive_only = rooms - options.senders;
        let light = LightOptions {
            rooms,
            receive_only,
            decode_sample: options.light.decode_sample.min(receive_only),
            ..options.light.clone()
        };
        crate::bench_meeting::progress(&format!("capacity: {rooms} participants"));
        let report = crate::bench_light::light_meeting(light).await?;
        each(&report);
        points.push(CapacityPoint::from(&report));
    }
    let largest = largest_at_goal(&points);
    let (goal, goal_met) = goal(
        options.light.engine,
        options.senders,
        options.light.max_layer,
        largest,
    );
    Ok(CapacitySummary {
        engine: options.light.engine,
        senders: options.senders,
        max_layer: options.light.max_layer,
        seconds: options.light.seconds,
        largest_meeting_at_goal_fps: largest,
        goal,
        goal_met,
        points,
    })
}

/// Issue 15's goal for `engine`, and whether a series whose largest meeting at the goal frame
/// rate had `largest` participants met it. The Janus goal is one 360p host (`--senders 1`).
pub fn goal(
    engine: Engine,
    senders: usize,
    layer: crate::meeting::Layer,
    largest: Option<usize>,
) -> (String, bool) {
    match engine {
        Engine::Builtin => (
            format!(">= {GOAL_PARTICIPANTS} participants with every receiver >= {GOAL_FPS} fps"),
            largest.is_some_and(|n| n >= GOAL_PARTICIPANTS),
        ),
        Engine::Janus => (
            format!(
                ">= {GOAL_JANUS_RECEIVE_ONLY} receive-only participants of one 360p host with \
                 every receiver >= {GOAL_FPS} fps"
            ),
            senders == 1
                && layer == crate::meeting::Layer::P360
                && largest.is_some_and(|n| n >= GOAL_JANUS_RECEIVE_ONLY + senders),
        ),
    }
}

/// A panel's values against participants: (label, colour, points).
type Line<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

fn line(points: &[CapacityPoint], value: fn(&CapacityPoint) -> Option<f64>) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter_map(|p| Some((p.rooms as f64, value(p)?)))
        .collect()
}

/// The chart: three panels one above the other (engine CPU %, engine RSS MB, worst
/// delivered fps with the goal line), participants along the bottom. With Janus, its CPU and
/// memory are drawn with the hub's.
pub fn chart_svg(summary: &CapacitySummary) -> Result<String, CapacityError> {
    let err = |e: &dyn std::fmt::Debug| CapacityError::Chart(format!("{e:?}"));
    let points = &summary.points;
    let x_max = points.iter().map(|p| p.rooms).max().unwrap_or(1).max(1) as f64 * 1.05;
    let engine = match summary.engine {
        Engine::Builtin => "built-in forwarder",
        Engine::Janus => "Janus",
    };
    let blue = RGBColor(0x4E, 0x79, 0xA7);
    let orange = RGBColor(0xF2, 0x8E, 0x2B);
    let red = RGBColor(0xE1, 0x57, 0x59);
    let green = RGBColor(0x59, 0xA1, 0x4F);
    let purple = RGBColor(0xB0, 0x7A, 0xA1);
    let janus = summary.engine == Engine::Janus;
    let mut cpu = Vec::new();
    let mut memory = Vec::new();
    if janus {
        cpu.push(("Janus", purple, line(points, |p| p.janus_cpu_pct)));
        memory.push(("Janus", purple, line(points, |p| p.janus_rss_mb)));
    }
    cpu.push(("hub", blue, line(points, |p| p.hub_cpu_pct)));
    cpu.push((
        "load generator",
        orange,
        line(points, |p| p.load_generator_cpu_pct),
    ));
    memory.push(("hub", blue, line(points, |p| p.hub_rss_mb)));
    let panels: [(String, String, Vec<Line<'_>>, Option<f64>); 3] = [
        (
            format!(
                "{engine}: CPU, {} senders at {} replayed",
                summary.senders, summary.max_layer
            ),
            "CPU % of one core".to_owned(),
            cpu,
            None,
        ),
        (
            if janus {
                "Janus and hub memory"
            } else {
                "hub memory"
            }
            .to_owned(),
            "RSS MB".to_owned(),
            memory,
            None,
        ),
        (
            "worst delivered frame rate".to_owned(),
            "fps".to_owned(),
            vec![(
                "every receiver at least",
                green,
                line(points, |p| p.fps_received_min),
            )],
            Some(GOAL_FPS),
        ),
    ];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH_PX, PANEL_PX * 3)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let areas = root.split_evenly((3, 1));
        for (area, (title, y_desc, lines, goal)) in areas.iter().zip(panels) {
            let highest = lines
                .iter()
                .flat_map(|(_, _, l)| l.iter().map(|p| p.1))
                .chain(goal)
                .fold(1.0, f64::max);
            let mut chart = ChartBuilder::on(area)
                .caption(title, (FONT, 17))
                .margin(10)
                .x_label_area_size(34)
                .y_label_area_size(56)
                .build_cartesian_2d(0f64..x_max, 0f64..highest * 1.15)
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc("participants")
                .y_desc(y_desc)
                .label_style((FONT, 12))
                .draw()
                .map_err(|e| err(&e))?;
            if let Some(goal) = goal {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(0.0, goal), (x_max, goal)],
                        red.stroke_width(1),
                    )))
                    .map_err(|e| err(&e))?
                    .label(format!("goal {goal} fps"))
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], red));
            }
            for (label, colour, values) in lines {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        values.clone(),
                        colour.stroke_width(2),
                    )))
                    .map_err(|e| err(&e))?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], colour));
                chart
                    .draw_series(
                        values
                            .into_iter()
                            .map(|p| Circle::new(p, 3, colour.filled())),
                    )
                    .map_err(|e| err(&e))?;
            }
            chart
                .configure_series_labels()
                .label_font((FONT, 12))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

/// Writes the chart to `path`.
pub fn write_chart(summary: &CapacitySummary, path: &std::path::Path) -> Result<(), CapacityError> {
    let svg = chart_svg(summary)?;
    std::fs::write(path, svg).map_err(|source| CapacityError::Write {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_sizes_step_up_to_the_largest_and_keep_a_receiver() {
        assert_eq!(series_sizes(40, 10, 2), vec![10, 20, 30, 40]);
        assert_eq!(series_sizes(45, 10, 2), vec![10, 20, 30, 40, 45]);
        assert_eq!(series_sizes(8, 4, 2), vec![4, 8]);
        assert_eq!(series_sizes(6, 2, 2), vec![4, 6]);
        assert_eq!(series_sizes(5, 1, 3), vec![4, 5]);
        assert_eq!(series_sizes(2, 1, 2), Vec::<usize>::new());
        assert_eq!(series_sizes(40, 0, 2), Vec::<usize>::new());
    }

    fn point(rooms: usize, fps: f64) -> CapacityPoint {
        CapacityPoint {
            rooms,
            hub_cpu_pct: Some(rooms as f64 * 2.5),
            hub_rss_mb: Some(40.0 + rooms as f64),
            janus_cpu_pct: None,
            janus_rss_mb: None,
            fps_received_min: Some(fps),
            fps_received_median: Some(fps),
            packets_lost_pct: Some(0.0),
            load_generator_cpu_pct: Some(rooms as f64 * 3.0),
            machine_cpu_pct: None,
            loadavg_1m: (None, None),
        }
    }

    #[test]
    fn the_largest_size_at_goal_stops_at_the_first_miss() {
        let points = [
            point(10, 30.0),
            point(20, 29.0),
            point(30, 22.0),
            point(40, 26.0),
        ];
        assert_eq!(largest_at_goal(&points), Some(20));
        assert_eq!(largest_at_goal(&points[2..]), None);
    }

    #[test]
    fn the_chart_is_svg_with_every_series_and_the_goal_line() {
        let summary = CapacitySummary {
            engine: Engine::Builtin,
            senders: 2,
            max_layer: crate::meeting::Layer::P360,
            seconds: 10,
            points: vec![point(10, 30.0), point(20, 29.0), point(30, 22.0)],
            largest_meeting_at_goal_fps: Some(20),
            goal: String::new(),
            goal_met: false,
        };
        let svg = chart_svg(&summary).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        for want in [
            "participants",
            "RSS MB",
            "fps",
            "goal 25 fps",
            "hub",
            "load generator",
        ] {
            assert!(texts.contains(&want), "{want} in {texts:?}");
        }
        // A dot per point of each of the four lines.
        let circles = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "circle")
            .count();
        assert_eq!(circles, 4 * 3);
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("capacity.svg");
        write_chart(&summary, &path).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read back"), svg);
    }

    #[test]
    fn a_janus_chart_draws_janus_cpu_and_memory_beside_the_hub() {
        let points: Vec<CapacityPoint> = [(21, 30.0), (61, 29.0), (101, 27.0)]
            .into_iter()
            .map(|(rooms, fps)| CapacityPoint {
                janus_cpu_pct: Some(rooms as f64 * 1.5),
                janus_rss_mb: Some(30.0 + rooms as f64 / 2.0),
                ..point(rooms, fps)
            })
            .collect();
        let largest = largest_at_goal(&points);
        let (text, met) = goal(Engine::Janus, 1, crate::meeting::Layer::P360, largest);
        assert!(met, "101 participants of one host at >= 25 fps: {text}");
        assert!(!goal(Engine::Janus, 2, crate::meeting::Layer::P360, largest).1);
        assert!(!goal(Engine::Janus, 1, crate::meeting::Layer::P360, Some(61)).1);
        let summary = CapacitySummary {
            engine: Engine::Janus,
            senders: 1,
            max_layer: crate::meeting::Layer::P360,
            seconds: 10,
            points,
            largest_meeting_at_goal_fps: largest,
            goal: text,
            goal_met: met,
        };
        let svg = chart_svg(&summary).expect("drawn");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
        let texts: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        for want in ["Janus", "Janus and hub memory", "hub", "load generator"] {
            assert!(texts.contains(&want), "{want} in {texts:?}");
        }
        assert!(
            texts.iter().any(|t| t.starts_with("Janus: CPU")),
            "{texts:?}"
        );
        // Janus CPU, hub CPU, load generator; Janus RSS, hub RSS; worst fps.
        let circles = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "circle")
            .count();
        assert_eq!(circles, 6 * 3);
    }
}
