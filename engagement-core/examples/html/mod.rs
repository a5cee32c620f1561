//! The demo's visual report: one self-contained HTML page (inline SVG charts
//! and HTML tables, no script, no external resource), built alongside the
//! text report.

use std::fmt::Write as _;

/// Colours of the series, in order.
const PALETTE: [&str; 6] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
];
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 70.0;

/// Escapes text for HTML and SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page under construction.
#[derive(Debug, Default)]
pub struct Page {
    body: String,
}

/// A "nice" upper bound for an axis and its tick step.
fn axis(max: f64) -> (f64, f64) {
    if !(max > 0.0 && max.is_finite()) {
        return (1.0, 0.25);
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

fn label_number(v: f64) -> String {
    if v.abs() >= 1000.0 || v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

impl Page {
    /// A section heading for one data set.
    pub fn part(&mut self, title: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(title));
    }

    /// A paragraph of text.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p class=\"note\">{}</p>", escape(text));
    }

    /// Grouped vertical bars: one group per label, one bar per series.
    pub fn bars(
        &mut self,
        title: &str,
        labels: &[String],
        series: &[(&str, Vec<f64>)],
        y_label: &str,
    ) {
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let max = series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let (top, step) = axis(max);
        let mut svg = self.frame(title, y_label, top, step);
        let group = plot_w / labels.len().max(1) as f64;
        let bar = group * 0.8 / series.len().max(1) as f64;
        for (s, (_, values)) in series.iter().enumerate() {
            for (i, v) in values.iter().enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let h = plot_h * v / top;
                let x = LEFT + group * i as f64 + group * 0.1 + bar * s as f64;
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {}</title></rect>",
                    TOP + plot_h - h,
                    bar * 0.95,
                    PALETTE[s % PALETTE.len()],
                    escape(&labels[i]),
                    label_number(*v)
                );
            }
        }
        for (i, l) in labels.iter().enumerate() {
            let x = LEFT + group * (i as f64 + 0.5);
            let y = TOP + plot_h + 14.0;
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-30 {x:.1} {y:.1})\">{}</text>",
                escape(l)
            );
        }
        self.legend(&mut svg, series.iter().map(|s| s.0));
        self.finish(svg);
    }

    /// Step lines over `x`, each with an optional band (low, high).
    #[allow(clippy::type_complexity)]
    pub fn steps(
        &mut self,
        title: &str,
        x: &[f64],
        series: &[(&str, Vec<f64>, Option<(Vec<f64>, Vec<f64>)>)],
        x_label: &str,
        y_label: &str,
    ) {
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let (top, step) = (1.0, 0.25);
        let x_max = x.iter().copied().fold(0.0, f64::max).max(f64::MIN_POSITIVE);
        let px = |v: f64| LEFT + plot_w * v / x_max;
        let py = |v: f64| TOP + plot_h * (1.0 - v / top);
        let mut svg = self.frame(title, y_label, top, step);
        let path = |ys: &[f64]| {
            let mut d = String::new();
            for (i, (&xi, &yi)) in x.iter().zip(ys).enumerate() {
                if i == 0 {
                    let _ = write!(d, "M{:.1},{:.1}", px(xi), py(yi));
                } else {
                    let _ = write!(d, " H{:.1} V{:.1}", px(xi), py(yi));
                }
            }
            d
        };
        for (s, (_, ys, band)) in series.iter().enumerate() {
            let colour = PALETTE[s % PALETTE.len()];
            if let Some((lo, hi)) = band {
                let mut d = path(hi);
                for (i, (&xi, &yi)) in x.iter().zip(lo).enumerate().rev() {
                    let _ = write!(d, " L{:.1},{:.1}", px(xi), py(yi));
                    if i > 0 {
                        let _ = write!(d, " L{:.1},{:.1}", px(xi), py(lo[i - 1]));
                    }
                }
                let _ = write!(svg, "<path d=\"{d} Z\" fill=\"{colour}\" opacity=\"0.2\"/>");
            }
            let _ = write!(
                svg,
                "<path d=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                path(ys)
            );
        }
        let (_, x_step) = axis(x_max);
        let mut v = 0.0;
        while v <= x_max + 1e-9 && x_step > 0.0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                px(v),
                TOP + plot_h + 16.0,
                label_number(v)
            );
            v += x_step;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            LEFT + plot_w / 2.0,
            HEIGHT - 30.0,
            escape(x_label)
        );
        self.legend(&mut svg, series.iter().map(|s| s.0));
        self.finish(svg);
    }

    /// A table whose numeric cells are shaded by value in [0, 1] (NaN: blank).
    pub fn heat_table(
        &mut self,
        title: &str,
        head: &[String],
        rows: &[(String, Vec<String>, Vec<f64>)],
    ) {
        let _ = write!(self.body, "<h3>{}</h3>\n<table><tr>", escape(title));
        for h in head {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr>\n");
        for (label, extra, values) in rows {
            let _ = write!(self.body, "<tr><th>{}</th>", escape(label));
            for e in extra {
                let _ = write!(self.body, "<td>{}</td>", escape(e));
            }
            for v in values {
                if v.is_nan() {
                    self.body.push_str("<td></td>");
                } else {
                    let shade = (255.0 - 160.0 * v.clamp(0.0, 1.0)) as u8;
                    let _ = write!(
                        self.body,
                        "<td style=\"background: rgb({shade},{shade},255)\">{:.1} %</td>",
                        100.0 * v
                    );
                }
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// A plain table.
    pub fn table(&mut self, title: &str, head: &[&str], rows: &[Vec<String>]) {
        let _ = write!(self.body, "<h3>{}</h3>\n<table><tr>", escape(title));
        for h in head {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<td>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// The SVG element, title, y axis with grid lines and tick labels.
    fn frame(&self, title: &str, y_label: &str, top: f64, step: f64) -> String {
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let mut svg = format!(
            "<h3>{t}</h3>\n<svg role=\"img\" aria-label=\"{t}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\">",
            t = escape(title)
        );
        let mut v = 0.0;
        while v <= top + 1e-9 {
            let y = TOP + plot_h * (1.0 - v / top);
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
                LEFT + plot_w,
                LEFT - 6.0,
                y + 4.0,
                label_number(v)
            );
            v += step;
        }
        let _ = write!(
            svg,
            "<text x=\"14\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">{}</text>",
            TOP + plot_h / 2.0,
            TOP + plot_h / 2.0,
            escape(y_label)
        );
        svg
    }

    fn legend<'a>(&self, svg: &mut String, names: impl Iterator<Item = &'a str>) {
        for (i, name) in names.enumerate() {
            let x = LEFT + 10.0 + 110.0 * i as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
                HEIGHT - 14.0,
                PALETTE[i % PALETTE.len()],
                x + 14.0,
                HEIGHT - 5.0,
                escape(name)
            );
        }
    }

    fn finish(&mut self, mut svg: String) {
        svg.push_str("</svg>\n");
        self.body.push_str(&svg);
    }

    /// The whole page.
    pub fn render(&self, title: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
body {{ font-family: sans-serif; max-width: 960px; margin: 2em auto; color: #222; }}\n\
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }}\n\
th, td {{ border: 1px solid #ccc; padding: 3px 8px; text-align: right; }}\n\
h2 {{ border-bottom: 2px solid #1f77b4; margin-top: 2em; }}\n\
.note {{ color: #555; font-size: 13px; }}\n\
</style></head><body>\n<h1>{t}</h1>\n{}</body></html>\n",
            self.body,
            t = escape(title)
        )
    }
}
