//! Charts described as data, drawn with plotters twice: as SVG (vector, for documents) and as
//! PNG (raster, inlined in report.html). A [`Figure`] is one image of side-by-side [`Chart`]
//! panels; every chart of a report (distributions, tail curves, timelines, fan charts,
//! parameter sweeps) is made of lines, shaded bands, bars and marker lines on two axes, so
//! one drawing routine serves them all and both backends.
//!
//! Text is drawn with DejaVu Sans compiled into the binary (`assets/fonts/`), so the PNGs
//! look the same on every machine and need no fontconfig or installed font.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::format::Format;
use crate::{Error, Result};

/// Pixel size of every figure.
pub const FIGURE_SIZE: (u32, u32) = (1200, 560);

/// The family name the bundled font is registered under.
const FONT: &str = "sans-serif";
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Series colours, in order (Tableau 10: distinguishable, colour-blind aware).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One image: a title over one or more charts side by side.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem: the figure is written as `<name>.svg` and `<name>.png`.
    pub name: String,
    pub title: String,
    /// A sentence under the image in report.html: what to read in it.
    pub caption: String,
    pub panels: Vec<Chart>,
}

/// One panel: axes, series and a legend.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    /// Logarithmic y axis (decades); values ≤ 0 are left out.
    pub y_log: bool,
    pub legend: Legend,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone)]
pub struct Axis {
    pub label: String,
    pub format: Format,
}

/// Where a chart's legend sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legend {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// What a chart draws; `color` indexes a fixed palette (wrapping).
#[derive(Debug, Clone)]
pub enum Series {
    /// A polyline through `points` (x, y).
    Line {
        label: String,
        points: Vec<(f64, f64)>,
        color: usize,
        dashed: bool,
    },
    /// A shaded band between two curves: `points` are (x, lower, upper). `shade` (0 to 1)
    /// is how far its opaque fill goes from white to the colour, so that nested bands drawn
    /// widest first keep the shades their legend shows.
    Band {
        label: String,
        points: Vec<(f64, f64, f64)>,
        color: usize,
        shade: f64,
    },
    /// Bars standing on the axis: `bars` are (x from, x to, height).
    Bars {
        label: String,
        bars: Vec<(f64, f64, f64)>,
        color: usize,
    },
    /// A vertical line across the chart at `x` (a VaR level, a chosen parameter value).
    Marker { label: String, x: f64, color: usize },
}

/// A figure drawn both ways.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub svg: String,
    pub png: Vec<u8>,
}

impl Figure {
    /// Draws the figure as SVG text and as PNG bytes.
    pub fn render(&self) -> Result<Rendered> {
        register_font()?;
        let failed = |error: String| {
            Error::Runtime(format!("cannot draw the figure '{}': {error}", self.name))
        };
        let (width, height) = FIGURE_SIZE;
        let mut svg = String::new();
        draw(
            SVGBackend::with_string(&mut svg, FIGURE_SIZE).into_drawing_area(),
            self,
        )
        .map_err(|e| failed(e.to_string()))?;
        let mut rgb = vec![0; 3 * width as usize * height as usize];
        draw(
            BitMapBackend::with_buffer(&mut rgb, FIGURE_SIZE).into_drawing_area(),
            self,
        )
        .map_err(|e| failed(e.to_string()))?;
        let png = encode_png(&rgb, width, height).map_err(|e| failed(e.to_string()))?;
        Ok(Rendered { svg, png })
    }
}

/// Registers the bundled font once per process.
fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if registered {
        Ok(())
    } else {
        Err(Error::Runtime(
            "the bundled chart font (DejaVu Sans) could not be loaded".to_string(),
        ))
    }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(png)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, figure: &Figure) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let body = root.titled(&figure.title, (FONT, 24))?;
    let panels = body.split_evenly((1, figure.panels.len().max(1)));
    for (area, chart) in panels.iter().zip(&figure.panels) {
        draw_chart(area, chart)?;
    }
    root.present()
}

/// The plotted ranges of a chart; on a log axis y is plotted as log10(y).
struct Frame {
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_log: bool,
}

impl Frame {
    fn of(chart: &Chart) -> Frame {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for series in &chart.series {
            match series {
                Series::Line { points, .. } => {
                    xs.extend(points.iter().map(|p| p.0));
                    ys.extend(points.iter().map(|p| p.1));
                }
                Series::Band { points, .. } => {
                    xs.extend(points.iter().map(|p| p.0));
                    ys.extend(points.iter().flat_map(|p| [p.1, p.2]));
                }
                Series::Bars { bars, .. } => {
                    xs.extend(bars.iter().flat_map(|b| [b.0, b.1]));
                    ys.extend(bars.iter().map(|b| b.2));
                    if !chart.y_log {
                        ys.push(0.0);
                    }
                }
                Series::Marker { x, .. } => xs.push(*x),
            }
        }
        let y_plotted: Vec<f64> = ys.iter().filter_map(|&y| plot_y(chart.y_log, y)).collect();
        let y = if chart.y_log {
            let (lo, hi) = extent(&y_plotted).unwrap_or((-1.0, 0.0));
            let (lo, hi) = (lo.floor(), hi.ceil());
            lo..if hi > lo { hi } else { lo + 1.0 }
        } else {
            padded(extent(&y_plotted), 0.06, true)
        };
        Frame {
            x: padded(extent(&xs), 0.02, false),
            y,
            y_log: chart.y_log,
        }
    }

    /// Where `y` sits on the plotted axis, or `None` where a log axis cannot show it.
    fn y(&self, y: f64) -> Option<f64> {
        plot_y(self.y_log, y)
    }

    /// A plotted y back in data units, for the axis labels.
    fn unplot_y(&self, plotted: f64) -> f64 {
        if self.y_log {
            10f64.powf(plotted)
        } else {
            plotted
        }
    }
}

fn plot_y(log: bool, y: f64) -> Option<f64> {
    match (log, y.is_finite()) {
        (_, false) => None,
        (false, true) => Some(y),
        (true, true) => (y > 0.0).then(|| y.log10()),
    }
}

fn extent(values: &[f64]) -> Option<(f64, f64)> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    finite.fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// `extent` widened by `share` of its span at the top (and bottom, unless it starts at 0 and
/// `from_zero`), never empty.
fn padded(extent: Option<(f64, f64)>, share: f64, from_zero: bool) -> std::ops::Range<f64> {
    let (lo, hi) = extent.unwrap_or((0.0, 1.0));
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        let half = if lo == 0.0 { 0.5 } else { 0.1 * lo.abs() };
        (lo - half, hi + half)
    };
    let pad = share * (hi - lo);
    let bottom = if from_zero && lo == 0.0 { lo } else { lo - pad };
    bottom..hi + pad
}

/// `color` blended with white: 0 is white, 1 the colour itself.
fn tint(color: RGBColor, shade: f64) -> RGBColor {
    let blend = |channel: u8| (255.0 - shade.clamp(0.0, 1.0) * (255.0 - f64::from(channel))) as u8;
    RGBColor(blend(color.0), blend(color.1), blend(color.2))
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult<DB> {
    let frame = Frame::of(chart);
    let mut plot = ChartBuilder::on(area)
        .caption(&chart.title, (FONT, 18))
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(80)
        .build_cartesian_2d(frame.x.clone(), frame.y.clone())?;
    let x_label = |x: &f64| chart.x.format.show(*x);
    let y_label = |y: &f64| chart.y.format.show(frame.unplot_y(*y));
    // On a log axis, one label per decade.
    let y_labels = if frame.y_log {
        (frame.y.end - frame.y.start) as usize + 1
    } else {
        7
    };
    plot.configure_mesh()
        .x_desc(chart.x.label.as_str())
        .y_desc(chart.y.label.as_str())
        .x_labels(8)
        .y_labels(y_labels)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    for series in &chart.series {
        draw_series(&mut plot, &frame, series)?;
    }
    if !chart.series.is_empty() {
        plot.configure_series_labels()
            .position(match chart.legend {
                Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
                Legend::UpperRight => SeriesLabelPosition::UpperRight,
                Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
                Legend::LowerRight => SeriesLabelPosition::LowerRight,
            })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .label_font((FONT, 13))
            .draw()?;
    }
    Ok(())
}

fn draw_series<'a, DB: DrawingBackend + 'a>(
    plot: &mut Plot<'a, DB>,
    frame: &Frame,
    series: &Series,
) -> DrawResult<DB> {
    match series {
        Series::Line {
            label,
            points,
            color,
            dashed,
        } => {
            let style = PALETTE[color % PALETTE.len()].stroke_width(2);
            let points = points
                .iter()
                .filter_map(|&(x, y)| Some((x, frame.y(y)?)))
                .collect::<Vec<_>>();
            if *dashed {
                plot.draw_series(DashedLineSeries::new(points, 9, 5, style))?
                    .label(label)
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (7, 0)], style)
                            + PathElement::new(vec![(12, 0), (19, 0)], style)
                    });
            } else {
                plot.draw_series(LineSeries::new(points, style))?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 19, y)], style));
            }
        }
        Series::Band {
            label,
            points,
            color,
            shade,
        } => {
            let fill = tint(PALETTE[color % PALETTE.len()], *shade).filled();
            let bottom = frame.y.start;
            let upper = points
                .iter()
                .map(|&(x, _, hi)| (x, frame.y(hi).unwrap_or(bottom)));
            let lower = points
                .iter()
                .rev()
                .map(|&(x, lo, _)| (x, frame.y(lo).unwrap_or(bottom)));
            plot.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                fill,
            )))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 19, y + 6)], fill));
        }
        Series::Bars { label, bars, color } => {
            let fill = PALETTE[color % PALETTE.len()].mix(0.75).filled();
            let base = if frame.y_log { frame.y.start } else { 0.0 };
            let rectangles = bars.iter().filter_map(|&(from, to, height)| {
                let top = frame.y(height)?;
                Some(Rectangle::new([(from, base), (to, top)], fill))
            });
            plot.draw_series(rectangles)?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 19, y + 6)], fill));
        }
        Series::Marker { label, x, color } => {
            let style = PALETTE[color % PALETTE.len()].stroke_width(2);
            plot.draw_series(LineSeries::new(
                [(*x, frame.y.start), (*x, frame.y.end)],
                style,
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x + 9, y - 7), (x + 9, y + 7)], style));
        }
    }
    Ok(())
}
