//! Charts described as data, drawn with plotters twice: as SVG (vector, for documents) and as
//! PNG (raster, inlined in report.html). A [`Figure`] is one image of side-by-side [`Chart`]
//! panels; every chart of a report (distributions, tail curves, timelines, fan charts,
//! parameter sweeps) is made of lines, shaded bands, bars and marker lines on two axes, so
//! one drawing routine serves them all and both backends. A correlation matrix is drawn as a
//! [`Series::Heatmap`], alone in its panel.
//!
//! Every legend sits in a strip under its panel, never over the data. The PNG is the SVG
//! rasterised by resvg, with DejaVu Sans compiled into the binary (`assets/fonts/`) and shaped
//! properly (kerning, glyph bearings), so the PNGs look the same on every machine, need no
//! fontconfig or installed font, and match the SVG. (plotters' own bitmap text drops each
//! glyph's left bearing and rounds its baseline: "B TC", "0·1".)

use std::sync::{Arc, OnceLock};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// One panel: axes, series, and a legend under it. A panel titled as its figure shows the
/// title once.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    /// Logarithmic y axis (decades); values ≤ 0 are left out.
    pub y_log: bool,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone)]
pub struct Axis {
    pub label: String,
    pub format: Format,
}

impl Axis {
    /// An axis titled `label` whose ticks read in `format`.
    pub fn new(label: &str, format: Format) -> Axis {
        Axis {
            label: label.to_string(),
            format,
        }
    }
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
    /// Shaded stretches of x across the whole height (the stress hours of a path), under
    /// everything else: (x from, x to).
    Spans {
        label: String,
        spans: Vec<(f64, f64)>,
        color: usize,
        shade: f64,
    },
    /// A grid of coloured cells, `values[row][column]` with `names` along both axes (rows top
    /// to bottom, columns left to right), on a diverging scale from −1 (blue) through 0
    /// (white) to 1 (red), each cell's value printed in it: a correlation matrix. Drawn alone
    /// in its panel (the panel's axes are not used), with the colour scale as its legend.
    Heatmap {
        label: String,
        names: Vec<String>,
        values: Vec<Vec<f64>>,
    },
}

impl Series {
    fn label(&self) -> &str {
        match self {
            Series::Line { label, .. }
            | Series::Band { label, .. }
            | Series::Bars { label, .. }
            | Series::Marker { label, .. }
            | Series::Spans { label, .. }
            | Series::Heatmap { label, .. } => label,
        }
    }
}

/// A figure drawn both ways.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub svg: String,
    pub png: Vec<u8>,
}

impl Figure {
    /// Draws the figure as SVG text and as PNG bytes (the SVG rasterised).
    pub fn render(&self) -> Result<Rendered> {
        register_font()?;
        let failed = |error: String| {
            Error::Runtime(format!("cannot draw the figure '{}': {error}", self.name))
        };
        let mut svg = String::new();
        draw(
            SVGBackend::with_string(&mut svg, FIGURE_SIZE).into_drawing_area(),
            self,
        )
        .map_err(|e| failed(e.to_string()))?;
        let png = rasterize(&svg).map_err(failed)?;
        Ok(Rendered { svg, png })
    }
}

/// The fonts resvg draws SVG text with: the bundled DejaVu Sans as every sans-serif.
fn font_database() -> Arc<resvg::usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut fonts = resvg::usvg::fontdb::Database::new();
            fonts.load_font_data(DEJAVU_SANS.to_vec());
            fonts.set_sans_serif_family("DejaVu Sans");
            Arc::new(fonts)
        })
        .clone()
}

/// The SVG `svg` as an RGB PNG on white.
fn rasterize(svg: &str) -> std::result::Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};
    let options = usvg::Options {
        fontdb: font_database(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "an empty image".to_string())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    // Opaque on white, so the premultiplied RGBA is plain RGB and alpha 255.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|pixel| [pixel[0], pixel[1], pixel[2]])
        .collect();
    encode_png(&rgb, size.width(), size.height()).map_err(|e| e.to_string())
}

/// Registers the bundled font with plotters once per process (it measures text with it).
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
        let title = (chart.title != figure.title).then_some(chart.title.as_str());
        draw_chart(area, chart, title)?;
    }
    root.present()
}

/// The most decades a log axis spans, down from its top.
const LOG_DECADES: f64 = 6.0;

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
                Series::Spans { spans, .. } => xs.extend(spans.iter().flat_map(|s| [s.0, s.1])),
                Series::Heatmap { .. } => {}
            }
        }
        let y_plotted: Vec<f64> = ys.iter().filter_map(|&y| plot_y(chart.y_log, y)).collect();
        let y = if chart.y_log {
            let (lo, hi) = extent(&y_plotted).unwrap_or((-1.0, 0.0));
            // At most LOG_DECADES decades: a band whose lower edge is nearly 0 would
            // otherwise squeeze the data into the top of the axis.
            let (lo, hi) = (lo.floor().max(hi.ceil() - LOG_DECADES), hi.ceil());
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
    /// (On a log axis, values below its bottom sit on it.)
    fn y(&self, y: f64) -> Option<f64> {
        let plotted = plot_y(self.y_log, y)?;
        Some(if self.y_log {
            plotted.max(self.y.start)
        } else {
            plotted
        })
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

/// Font size of legends and tick labels.
const SMALL_TEXT: u32 = 13;
/// Height of one legend row, and the swatch width before each label.
const LEGEND_ROW: u32 = 20;
const SWATCH: i32 = 22;

/// The legend's entries placed in rows across `width` px: (row, x) of each.
fn legend_layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[&str],
    width: u32,
) -> Vec<(u32, i32)> {
    let font = TextStyle::from((FONT, SMALL_TEXT).into_font());
    let (mut row, mut x) = (0, 0);
    labels
        .iter()
        .map(|label| {
            let text = area
                .estimate_text_size(label, &font)
                .map_or(0, |(w, _)| w as i32);
            let entry = SWATCH + 6 + text + 18;
            if x > 0 && x + entry > width as i32 {
                row += 1;
                x = 0;
            }
            let at = (row, x);
            x += entry;
            at
        })
        .collect()
}

fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    title: Option<&str>,
) -> DrawResult<DB> {
    if let Some(Series::Heatmap {
        label,
        names,
        values,
    }) = chart.series.first()
    {
        return draw_heatmap(area, title, label, names, values);
    }
    let labelled: Vec<&Series> = chart
        .series
        .iter()
        .filter(|s| !s.label().is_empty())
        .collect();
    let labels: Vec<&str> = labelled.iter().map(|s| s.label()).collect();
    let (width, height) = area.dim_in_pixel();
    let layout = legend_layout(area, &labels, width - 2 * MARGIN);
    let rows = layout.last().map_or(0, |&(row, _)| row + 1);
    let (plot_area, legend_area) = area.split_vertically(height - rows * LEGEND_ROW - 6);
    let frame = Frame::of(chart);
    let mut builder = ChartBuilder::on(&plot_area);
    if let Some(title) = title {
        builder.caption(title, (FONT, 18));
    }
    let mut plot = builder
        .margin(MARGIN)
        .x_label_area_size(46)
        .y_label_area_size(80)
        .build_cartesian_2d(frame.x.clone(), frame.y.clone())?;
    let x_label = |x: &f64| chart.x.format.tick(*x);
    let y_label = |y: &f64| chart.y.format.tick(frame.unplot_y(*y));
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
        .label_style((FONT, SMALL_TEXT))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    // Shaded stretches first, so that everything else is drawn over them.
    let (spans, others): (Vec<&Series>, Vec<&Series>) = chart
        .series
        .iter()
        .partition(|s| matches!(s, Series::Spans { .. }));
    for series in spans.into_iter().chain(others) {
        draw_series(&mut plot, &frame, series)?;
    }
    let text = TextStyle::from((FONT, SMALL_TEXT).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    for (series, &(row, x)) in labelled.iter().zip(&layout) {
        let x = MARGIN as i32 + x;
        let y = (row * LEGEND_ROW + LEGEND_ROW / 2) as i32;
        draw_swatch(&legend_area, series, (x, y))?;
        legend_area.draw_text(series.label(), &text, (x + SWATCH + 6, y))?;
    }
    Ok(())
}

/// Margin around a chart's plot area, px.
const MARGIN: u32 = 14;

/// Colour of a correlation on the diverging scale: blue at −1, white at 0, red at 1
/// (the ends of the palette's blue and red).
fn diverging(value: f64) -> RGBColor {
    let end = if value < 0.0 { PALETTE[0] } else { PALETTE[3] };
    tint(end, value.abs().min(1.0))
}

/// A [`Series::Heatmap`]: the square cells, the names left of the rows and under the columns,
/// and a strip under them showing the colour scale from −1 to 1.
fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: Option<&str>,
    label: &str,
    names: &[String],
    values: &[Vec<f64>],
) -> DrawResult<DB> {
    const SCALE_HEIGHT: i32 = 14;
    let area = match title {
        Some(title) => area.titled(title, (FONT, 18))?,
        None => area.clone(),
    };
    let n = names.len().max(1) as i32;
    let (width, height) = area.dim_in_pixel();
    let font = TextStyle::from((FONT, SMALL_TEXT).into_font());
    let name_width = names
        .iter()
        .filter_map(|name| area.estimate_text_size(name, &font).ok())
        .map(|(w, _)| w as i32)
        .max()
        .unwrap_or(0)
        + 8;
    let below = 2 * LEGEND_ROW as i32 + SCALE_HEIGHT + 8;
    let cell = ((width as i32 - 2 * MARGIN as i32 - name_width) / n)
        .min((height as i32 - MARGIN as i32 - below) / n)
        .max(1);
    let left = (width as i32 - name_width - n * cell) / 2 + name_width;
    let top = MARGIN as i32;
    let anchored = |h, v| font.clone().pos(Pos::new(h, v));
    // Values in the cells: smaller type when the cells are (many assets).
    let value_font =
        TextStyle::from((FONT, (cell / 3).clamp(8, SMALL_TEXT as i32) as u32).into_font())
            .pos(Pos::new(HPos::Center, VPos::Center));
    let shown: Vec<f64> = values.iter().flatten().copied().collect();
    let texts = Format::Number.column(&shown);
    for (row, cells) in values.iter().enumerate() {
        for (column, &value) in cells.iter().enumerate() {
            let (x, y) = (left + column as i32 * cell, top + row as i32 * cell);
            area.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                diverging(value).filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                WHITE.stroke_width(1),
            ))?;
            let ink = if value.abs() > 0.6 { WHITE } else { BLACK };
            area.draw_text(
                &texts[row * cells.len() + column],
                &value_font.color(&ink),
                (x + cell / 2, y + cell / 2),
            )?;
        }
    }
    for (i, name) in names.iter().enumerate() {
        let middle = i as i32 * cell + cell / 2;
        area.draw_text(
            name,
            &anchored(HPos::Right, VPos::Center),
            (left - 6, top + middle),
        )?;
        area.draw_text(
            name,
            &anchored(HPos::Center, VPos::Top),
            (left + middle, top + n * cell + 6),
        )?;
    }
    // The scale: −1 to 1 across the grid's width, labelled at its ends and middle.
    let scale_top = top + n * cell + LEGEND_ROW as i32 + 6;
    let span = n * cell;
    const STRIPES: i32 = 40;
    for stripe in 0..STRIPES {
        let value = -1.0 + 2.0 * (f64::from(stripe) + 0.5) / f64::from(STRIPES);
        let from = left + span * stripe / STRIPES;
        let to = left + span * (stripe + 1) / STRIPES;
        area.draw(&Rectangle::new(
            [(from, scale_top), (to, scale_top + SCALE_HEIGHT)],
            diverging(value).filled(),
        ))?;
    }
    for (value, at) in [(-1.0, left), (0.0, left + span / 2), (1.0, left + span)] {
        area.draw_text(
            &Format::Number.tick(value),
            &anchored(HPos::Center, VPos::Top),
            (at, scale_top + SCALE_HEIGHT + 3),
        )?;
    }
    area.draw_text(
        label,
        &anchored(HPos::Right, VPos::Center),
        (left - 6, scale_top + SCALE_HEIGHT / 2),
    )?;
    Ok(())
}

/// The legend's sample of `series`, `SWATCH` px wide, centred on the row at `y`.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &Series,
    (x, y): (i32, i32),
) -> DrawResult<DB> {
    match series {
        Series::Line { color, dashed, .. } => {
            let style = PALETTE[color % PALETTE.len()].stroke_width(2);
            if *dashed {
                area.draw(&PathElement::new(vec![(x, y), (x + 8, y)], style))?;
                area.draw(&PathElement::new(vec![(x + 13, y), (x + SWATCH, y)], style))
            } else {
                area.draw(&PathElement::new(vec![(x, y), (x + SWATCH, y)], style))
            }
        }
        Series::Band { color, shade, .. } | Series::Spans { color, shade, .. } => {
            let fill = tint(PALETTE[color % PALETTE.len()], *shade).filled();
            area.draw(&Rectangle::new([(x, y - 6), (x + SWATCH, y + 6)], fill))
        }
        Series::Bars { color, .. } => {
            let fill = PALETTE[color % PALETTE.len()].mix(0.75).filled();
            area.draw(&Rectangle::new([(x, y - 6), (x + SWATCH, y + 6)], fill))
        }
        Series::Heatmap { .. } => Ok(()),
        Series::Marker { color, .. } => {
            let style = PALETTE[color % PALETTE.len()].stroke_width(2);
            let middle = x + SWATCH / 2;
            area.draw(&PathElement::new(
                vec![(middle, y - 7), (middle, y + 7)],
                style,
            ))
        }
    }
}

fn draw_series<'a, DB: DrawingBackend + 'a>(
    plot: &mut Plot<'a, DB>,
    frame: &Frame,
    series: &Series,
) -> DrawResult<DB> {
    match series {
        Series::Line {
            points,
            color,
            dashed,
            ..
        } => {
            let style = PALETTE[color % PALETTE.len()].stroke_width(2);
            let points = points
                .iter()
                .filter_map(|&(x, y)| Some((x, frame.y(y)?)))
                .collect::<Vec<_>>();
            if *dashed {
                plot.draw_series(DashedLineSeries::new(points, 9, 5, style))?;
            } else {
                plot.draw_series(LineSeries::new(points, style))?;
            }
        }
        Series::Band {
            points,
            color,
            shade,
            ..
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
            )))?;
        }
        Series::Bars { bars, color, .. } => {
            let fill = PALETTE[color % PALETTE.len()].mix(0.75).filled();
            let base = if frame.y_log { frame.y.start } else { 0.0 };
            let rectangles = bars.iter().filter_map(|&(from, to, height)| {
                let top = frame.y(height)?;
                Some(Rectangle::new([(from, base), (to, top)], fill))
            });
            plot.draw_series(rectangles)?;
        }
        Series::Marker { x, color, .. } => {
            let style = PALETTE[color % PALETTE.len()].stroke_width(2);
            plot.draw_series(LineSeries::new(
                [(*x, frame.y.start), (*x, frame.y.end)],
                style,
            ))?;
        }
        Series::Spans {
            spans,
            color,
            shade,
            ..
        } => {
            let fill = tint(PALETTE[color % PALETTE.len()], *shade).filled();
            plot.draw_series(spans.iter().map(|&(from, to)| {
                Rectangle::new([(from, frame.y.start), (to, frame.y.end)], fill)
            }))?;
        }
        Series::Heatmap { .. } => {}
    }
    Ok(())
}
