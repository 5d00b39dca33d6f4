//! A resident can read back what they typed: at every supported panel size, with the
//! on-screen keyboard open and more text than fits, three whole rows of their text and the
//! cursor at its end are drawn inside the visible area above the keyboard. Checked from what
//! the frame drew (the text's galley rows, the cursor's line and their clip rectangles) and
//! the keys' accessible bounds, so a layout that pushes the box under the keyboard fails.

use crate::kiosk_common;

use egui::{Rect, Shape};
use egui_kittest::kittest::Queryable;
use kiosk_common::*;
use phonghop::config::Language;
use phonghop::kiosk::keyboard::{Layout, type_keys};
use phonghop::kiosk::shell::Screen;

/// The panels the kiosk ships on: landscape 10", small 7", portrait.
const SIZES: [(f32, f32); 3] = [(1280.0, 800.0), (1024.0, 600.0), (800.0, 1280.0)];

/// Telex keys for one sentence: "Đường vào thôn bị sạt lở, xin xã sửa giúp. ".
const SENTENCE: &str = "dduwowngf vaof thoon bij satj lowr, xin xax suwar giusp. ";

/// Rows of the text as drawn (screen coordinates), with the clip they were drawn in.
fn drawn_rows(output: &egui::FullOutput, text: &str) -> Option<(Vec<Rect>, Rect)> {
    fn find(shape: &Shape, clip: Rect, text: &str) -> Option<(Vec<Rect>, Rect)> {
        match shape {
            Shape::Text(t) if t.galley.job.text == text => Some((
                t.galley
                    .rows
                    .iter()
                    .map(|row| row.rect().translate(t.pos.to_vec2()))
                    .collect(),
                clip,
            )),
            Shape::Vec(shapes) => shapes.iter().find_map(|s| find(s, clip, text)),
            _ => None,
        }
    }
    output
        .shapes
        .iter()
        .find_map(|c| find(&c.shape, c.clip_rect, text))
}

/// Line segments drawn with the text cursor's stroke, with their clips.
fn cursor_lines(output: &egui::FullOutput, stroke: egui::Stroke) -> Vec<(Rect, Rect)> {
    fn walk(shape: &Shape, clip: Rect, stroke: egui::Stroke, out: &mut Vec<(Rect, Rect)>) {
        match shape {
            Shape::LineSegment { points, stroke: s } if *s == stroke => {
                out.push((Rect::from_two_pos(points[0], points[1]), clip));
            }
            Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, clip, stroke, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for c in &output.shapes {
        walk(&c.shape, c.clip_rect, stroke, &mut out);
    }
    out
}

fn inside(outer: Rect, inner: Rect) -> bool {
    let slack = 0.5;
    inner.min.x >= outer.min.x - slack
        && inner.min.y >= outer.min.y - slack
        && inner.max.x <= outer.max.x + slack
        && inner.max.y <= outer.max.y + slack
}

#[test]
fn three_rows_of_the_text_and_the_cursor_show_above_the_keyboard_at_every_size() {
    for (width, height) in SIZES {
        let mut s = shell(Language::Vietnamese);
        s.screen = Screen::Feedback;
        let mut h = harness_sized(s, width, height);
        h.run_steps(2);
        // Type until the text wraps to five rows: most through the keyboard's engine, the
        // last word by tapping its keys on screen.
        let rows_now = |h: &egui_kittest::Harness<'static, phonghop::kiosk::shell::Shell>| {
            drawn_rows(h.output(), &h.state().draft).map_or(0, |(rows, _)| rows.len())
        };
        while rows_now(&h) < 5 {
            let shell = h.state_mut();
            type_keys(
                &mut shell.draft,
                &mut shell.keyboard,
                Layout::Text,
                SENTENCE,
            );
            h.run_steps(2);
            assert!(
                h.state().draft.chars().count() < 2_000,
                "the text never wrapped"
            );
        }
        for key in ["x", "o", "n", "g"] {
            click(&mut h, key);
        }
        h.run_steps(3);
        let draft = h.state().draft.clone();
        assert!(draft.ends_with("xong"), "typed on screen: {draft:?}");
        assert!(
            draft.contains("Đường") || draft.contains("đường"),
            "{draft:?}"
        );

        let size = format!("{width}x{height}");
        let keyboard_top = ["Dấu sắc", "q", "Dấu cách"]
            .iter()
            .map(|label| h.get_by_label(label).rect().min.y)
            .fold(f32::INFINITY, f32::min);
        let (rows, clip) = drawn_rows(h.output(), &draft)
            .unwrap_or_else(|| panic!("{size}: the typed text is not drawn"));
        assert!(rows.len() >= 4, "{size}: {} rows of text", rows.len());
        let screen = Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(width, height));
        let visible = clip
            .intersect(screen)
            .intersect(Rect::everything_above(keyboard_top));
        let whole: Vec<usize> = (0..rows.len())
            .filter(|&i| inside(visible, rows[i]))
            .collect();
        assert!(
            whole.len() >= 3,
            "{size}: only rows {whole:?} of {} are whole above the keyboard (visible {visible:?}, rows {rows:?})",
            rows.len()
        );
        // The cursor is drawn, visible, on the last row: where the next key will type.
        let last = *rows.last().expect("rows");
        assert!(
            whole.contains(&(rows.len() - 1)),
            "{size}: the row being typed is hidden"
        );
        let stroke = h.ctx.global_style().visuals.text_cursor.stroke;
        let cursors = cursor_lines(h.output(), stroke);
        assert!(
            cursors.iter().any(|(line, clip)| {
                // The cursor line reaches a little past its row; 2 px of it may be clipped.
                inside(visible.intersect(*clip).expand(2.0), *line)
                    && line.center().y > last.min.y
                    && line.center().y < last.max.y
                    && line.center().x >= last.max.x - 4.0
            }),
            "{size}: no visible cursor at the end of the text (cursor lines {cursors:?}, last row {last:?})"
        );
    }
}
