//! The report's charts as SVG text, drawn on the server with plotters' SVG backend.
//!
//! No font file is read: the SVG names a generic family (`sans-serif`) and the browser that
//! shows the page draws the letters with a font it has, so Vietnamese tone marks come out
//! as the reader's system draws them. Labels are put in NFC first, so a name typed with
//! combining marks shows as one letter and a search of the page finds it.
//!
//! Each series has its own colour from [`PALETTE`]; its bars (or points) are filled with it
//! and nothing else in a chart is, which is how the tests count them.

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;

/// Series colours, in order (the Tableau 10 palette, readable in print and by most
/// colour-blind readers). A chart with more series than colours reuses them.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (0x4E, 0x79, 0xA7),
    (0xF2, 0x8E, 0x2B),
    (0xE1, 0x57, 0x59),
    (0x76, 0xB7, 0xB2),
    (0x59, 0xA1, 0x4F),
    (0xED, 0xC9, 0x48),
    (0xB0, 0x7A, 0xA1),
    (0xFF, 0x9D, 0xA7),
    (0x9C, 0x75, 0x5F),
    (0xBA, 0xB0, 0xAC),
];

fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

const FONT: &str = "sans-serif";
const HEIGHT_PX: u32 = 360;

/// Why a chart could not be drawn (plotters refused a layout).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart {title:?}: {message}")]
pub struct ChartError {
    pub title: String,
    pub message: String,
}

/// One named row of values, one value per x label.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<V> {
    pub label: String,
    pub values: Vec<V>,
}

/// A chart's texts and data: one value of each series per x label.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart<V> {
    /// Drawn above the chart; empty when the page titles it already.
    pub title: String,
    pub y_label: String,
    pub x_labels: Vec<String>,
    pub series: Vec<Series<V>>,
}

fn nfc(text: &str) -> String {
    crate::text::nfc(text)
}

fn failed<E: std::fmt::Debug>(title: &str) -> impl Fn(E) -> ChartError + '_ {
    move |e| ChartError {
        title: title.to_owned(),
        message: format!("{e:?}"),
    }
}

/// Wide enough that every x label has room: a week label or a commune name.
fn width_px(x_count: usize, longest_label_chars: usize) -> u32 {
    let per_label = (longest_label_chars as u32 * 8 + 16).clamp(48, 240);
    (120 + per_label * x_count as u32).clamp(480, 2000)
}

/// The top of the y axis: headroom above the highest value, and for a legend (drawn in the
/// upper right corner) enough that it covers no bar or point.
fn y_top(highest: f64, legend_rows: usize) -> f64 {
    let highest = if highest > 0.0 { highest } else { 1.0 };
    let legend_share = if legend_rows == 0 {
        0.0
    } else {
        (16.0 * legend_rows as f64 + 24.0) / 300.0
    };
    highest * 1.08 / (1.0 - legend_share.min(0.6))
}

/// A y axis label: whole numbers without decimals, and for counts (`whole`) no label
/// between two whole numbers (there is no half a complaint).
fn y_label(value: f64, whole: bool) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else if whole {
        String::new()
    } else {
        format!("{value:.1}")
    }
}

/// The x axis: one segment per label, the label in its middle. A lone label (one commune,
/// one campaign) gets an empty segment either side: plotters maps every value of a
/// one-value range to the same pixel, which drew a lone bar with a negative width.
fn x_axis(n: usize) -> SegmentedCoord<RangedCoordi32> {
    if n <= 1 {
        (-1..1).into_segmented()
    } else {
        (0..n as i32 - 1).into_segmented()
    }
}

/// How many x labels plotters is asked for: every segment of [`x_axis`].
fn x_label_count(n: usize) -> usize {
    if n <= 1 { 3 } else { n }
}

/// The plotting area of a chart: one segment per x label, values up the y axis.
type Plot<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordi32>, RangedCoordf64>>;

/// What every chart shares: an SVG canvas wide enough for the x labels, the caption, the
/// axes from 0 to `top` with each label under its segment's middle (whole numbers on the y
/// axis when `whole`); `series` draws the data and says whether a legend is wanted (drawn
/// in the upper right corner, over white).
fn draw<V>(
    chart: &Chart<V>,
    top: f64,
    whole: bool,
    series: impl FnOnce(&mut Plot<'_, '_>) -> Result<bool, ChartError>,
) -> Result<String, ChartError> {
    let title = nfc(&chart.title);
    let err = failed(&chart.title);
    let labels: Vec<String> = chart.x_labels.iter().map(|l| nfc(l)).collect();
    let n = labels.len();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width_px(n, longest), HEIGHT_PX))
            .into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let mut builder = ChartBuilder::on(&root);
        if !title.is_empty() {
            builder.caption(&title, (FONT, 20));
        }
        let mut plot = builder
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(72)
            .build_cartesian_2d(x_axis(n), 0f64..top)
            .map_err(&err)?;
        plot.configure_mesh()
            .disable_x_mesh()
            .x_labels(x_label_count(n))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| labels.get(i).cloned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_desc(nfc(&chart.y_label))
            .y_label_formatter(&|v| y_label(*v, whole))
            .label_style((FONT, 13))
            .draw()
            .map_err(&err)?;
        if series(&mut plot)? {
            plot.configure_series_labels()
                .label_font((FONT, 13))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(&err)?;
        }
        root.present().map_err(&err)?;
    }
    Ok(svg)
}

/// Bars, stacked when there are several series (feedback per week by category), one bar per
/// x label when there is one (feedback per commune, money per campaign). A zero draws no bar.
/// Series with a label are named in a legend; a lone series the page titles needs none.
pub fn bar_chart(chart: &Chart<f64>) -> Result<String, ChartError> {
    let err = failed(&chart.title);
    let n = chart.x_labels.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            chart
                .series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0).max(0.0))
                .sum()
        })
        .collect();
    let legend_rows = chart.series.iter().filter(|s| !s.label.is_empty()).count();
    let top = y_top(totals.iter().copied().fold(0.0, f64::max), legend_rows);
    let whole = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter())
        .all(|v| v.fract() == 0.0);
    draw(chart, top, whole, |plot| {
        let mut base = vec![0.0; n];
        for (s, series) in chart.series.iter().enumerate() {
            let fill = colour(s).filled();
            let mut bars = Vec::new();
            for (i, value) in series.values.iter().take(n).enumerate() {
                if *value <= 0.0 {
                    continue;
                }
                let x = i as i32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), base[i]),
                        (SegmentValue::Exact(x + 1), base[i] + value),
                    ],
                    fill,
                );
                bar.set_margin(0, 0, 6, 6);
                bars.push(bar);
                base[i] += value;
            }
            let drawn = plot.draw_series(bars).map_err(&err)?;
            if !series.label.is_empty() {
                drawn
                    .label(nfc(&series.label))
                    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], fill));
            }
        }
        Ok(legend_rows > 0)
    })
}

/// Lines with a dot per known value (reply times, satisfaction); a missing value (a week
/// with no reply or no rating) leaves a gap rather than a misleading zero.
pub fn line_chart(chart: &Chart<Option<f64>>) -> Result<String, ChartError> {
    let err = failed(&chart.title);
    let n = chart.x_labels.len();
    let top = y_top(
        chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .fold(0.0, f64::max),
        chart.series.len(),
    );
    draw(chart, top, false, |plot| {
        for (s, series) in chart.series.iter().enumerate() {
            let line = colour(s).stroke_width(2);
            let dot = colour(s).filled();
            let points: Vec<Option<(SegmentValue<i32>, f64)>> = series
                .values
                .iter()
                .take(n)
                .enumerate()
                .map(|(i, v)| v.map(|v| (SegmentValue::CenterOf(i as i32), v)))
                .collect();
            let runs: Vec<PathElement<(SegmentValue<i32>, f64)>> = points
                .split(Option::is_none)
                .filter(|run| run.len() > 1)
                .map(|run| {
                    PathElement::new(run.iter().flatten().cloned().collect::<Vec<_>>(), line)
                })
                .collect();
            plot.draw_series(runs).map_err(&err)?;
            plot.draw_series(
                points
                    .iter()
                    .flatten()
                    .map(|point| Circle::new(point.clone(), 4, dot)),
            )
            .map_err(&err)?
            .label(nfc(&series.label))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], line));
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SVG `fill` of series `i`, e.g. `#4E79A7`.
    fn series_fill(i: usize) -> String {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        format!("#{r:02X}{g:02X}{b:02X}")
    }

    fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_owned())
            .collect()
    }

    fn filled_with<'a>(doc: &'a roxmltree::Document<'a>, tag: &str, fill: &str) -> usize {
        doc.descendants()
            .filter(|n| n.has_tag_name(tag))
            .filter(|n| {
                n.attribute("fill")
                    .is_some_and(|f| f.eq_ignore_ascii_case(fill))
            })
            .count()
    }

    fn weeks_chart() -> Chart<f64> {
        Chart {
            title: "Ý kiến theo tuần".into(),
            y_label: "Số ý kiến".into(),
            x_labels: vec!["02/11".into(), "09/11".into(), "16/11".into()],
            series: vec![
                Series {
                    label: "Đường sá, hạ tầng".into(),
                    values: vec![3.0, 0.0, 1.0],
                },
                Series {
                    // Typed with combining marks: "Môi trường" decomposed.
                    label: "Mo\u{0302}i tru\u{031B}o\u{031B}\u{0300}ng".into(),
                    values: vec![2.0, 4.0, 0.0],
                },
            ],
        }
    }

    #[test]
    fn stacked_bars_are_one_rect_per_nonzero_value_with_vietnamese_labels() {
        let svg = bar_chart(&weeks_chart()).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        // Bars plus one legend swatch per series.
        assert_eq!(filled_with(&doc, "rect", &series_fill(0)), 2 + 1);
        assert_eq!(filled_with(&doc, "rect", &series_fill(1)), 2 + 1);
        let texts = texts(&doc);
        for expected in [
            "Ý kiến theo tuần",
            "Số ý kiến",
            "Đường sá, hạ tầng",
            "Môi trường",
            "02/11",
            "09/11",
            "16/11",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "{expected:?} is not a label of the chart: {texts:?}"
            );
        }
        assert!(
            !svg.contains('\u{0302}'),
            "labels are composed (NFC) before drawing"
        );
    }

    #[test]
    fn one_series_draws_one_bar_per_nonzero_value_and_no_legend() {
        let chart = Chart {
            title: "Ý kiến theo xã".into(),
            y_label: "Số ý kiến".into(),
            x_labels: vec![
                "Xã Bản Hồ".into(),
                "Xã Tả Van".into(),
                "Thị trấn Sa Pa".into(),
            ],
            series: vec![Series {
                label: String::new(),
                values: vec![5.0, 0.0, 2.0],
            }],
        };
        let svg = bar_chart(&chart).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("XML");
        assert_eq!(
            filled_with(&doc, "rect", &series_fill(0)),
            2,
            "no legend swatch"
        );
        let texts = texts(&doc);
        for label in ["Xã Bản Hồ", "Xã Tả Van", "Thị trấn Sa Pa"] {
            assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
        }
    }

    #[test]
    fn lines_draw_a_dot_per_known_value_and_leave_gaps() {
        let chart = Chart {
            title: "Thời gian trả lời đầu tiên".into(),
            y_label: "Giờ".into(),
            x_labels: vec![
                "02/11".into(),
                "09/11".into(),
                "16/11".into(),
                "23/11".into(),
            ],
            series: vec![
                Series {
                    label: "Trung vị".into(),
                    values: vec![Some(2.0), None, Some(1.5), Some(3.0)],
                },
                Series {
                    label: "90% trả lời trong".into(),
                    values: vec![Some(5.0), None, None, Some(8.0)],
                },
            ],
        };
        let svg = line_chart(&chart).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("XML");
        assert_eq!(filled_with(&doc, "circle", &series_fill(0)), 3);
        assert_eq!(filled_with(&doc, "circle", &series_fill(1)), 2);
        let texts = texts(&doc);
        for label in [
            "Thời gian trả lời đầu tiên",
            "Trung vị",
            "90% trả lời trong",
            "23/11",
        ] {
            assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
        }
    }

    #[test]
    fn a_lone_bar_is_drawn_with_its_width_under_its_label() {
        let chart = Chart {
            title: String::new(),
            y_label: "Số tiền (₫)".into(),
            x_labels: vec!["Quỹ Vì người nghèo".into()],
            series: vec![Series {
                label: String::new(),
                values: vec![700_000.0],
            }],
        };
        let svg = bar_chart(&chart).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("XML");
        let bar = doc
            .descendants()
            .find(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(&*series_fill(0)))
            .expect("the bar");
        let number = |name: &str| -> f64 {
            bar.attribute(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} of {bar:?}"))
        };
        assert!(number("width") > 40.0, "{svg}");
        let label = doc
            .descendants()
            .find(|n| {
                n.has_tag_name("text") && n.text().map(str::trim) == Some("Quỹ Vì người nghèo")
            })
            .expect("the label");
        let label_x: f64 = label
            .attribute("x")
            .and_then(|v| v.parse().ok())
            .expect("x");
        assert!(
            (number("x")..number("x") + number("width")).contains(&label_x),
            "the label {label_x} is under the bar: {svg}"
        );
        assert!(!svg.contains("width=\"-"), "no negative width: {svg}");
    }

    #[test]
    fn an_empty_title_draws_no_caption() {
        let mut chart = weeks_chart();
        chart.title = String::new();
        let svg = bar_chart(&chart).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("XML");
        assert!(!texts(&doc).iter().any(|t| t == "Ý kiến theo tuần"));
        let titled = bar_chart(&weeks_chart()).expect("svg");
        let titled = roxmltree::Document::parse(&titled).expect("XML");
        assert_eq!(texts(&titled).len(), texts(&doc).len() + 1);
    }

    #[test]
    fn an_empty_period_still_draws_a_valid_chart() {
        let chart: Chart<f64> = Chart {
            title: "Đóng góp".into(),
            y_label: "đồng".into(),
            x_labels: Vec::new(),
            series: Vec::new(),
        };
        let svg = bar_chart(&chart).expect("svg");
        roxmltree::Document::parse(&svg).expect("XML");
        let lines: Chart<Option<f64>> = Chart {
            title: "Mức hài lòng".into(),
            y_label: "điểm".into(),
            x_labels: vec!["02/11".into()],
            series: vec![Series {
                label: "Điểm trung bình".into(),
                values: vec![None],
            }],
        };
        let svg = line_chart(&lines).expect("svg");
        let doc = roxmltree::Document::parse(&svg).expect("XML");
        assert_eq!(filled_with(&doc, "circle", &series_fill(0)), 0);
    }
}
