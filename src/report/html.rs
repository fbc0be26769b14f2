//! report.html: one self-contained page (styles inline, every figure inlined as a PNG data
//! URI, no script and nothing fetched), readable offline, printable, and safe to mail.

use std::fmt::Write;

use base64::Engine;

use super::bundle::{Block, HTML_FILE, Report, SUMMARY_FILE, Section};
use super::chart::{FIGURE_SIZE, Figure, Rendered};
use super::tables::{Cell, Table};

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; color: #1d2125;
  margin: 0 auto; max-width: 1260px; padding: 0 24px 48px; line-height: 1.45; }
header { border-bottom: 3px solid #1f77b4; margin-bottom: 16px; }
h1 { font-size: 1.7em; margin: 24px 0 4px; }
h2 { font-size: 1.3em; margin-top: 36px; border-bottom: 1px solid #d0d4d8; padding-bottom: 4px; }
.subtitle { color: #4a5560; margin-top: 0; }
.warning { background: #fff3cd; border-left: 4px solid #d68a00; padding: 8px 12px; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
nav a, a { color: #1f5f99; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px;
  margin: 12px 0; }
.facts div { background: #f4f6f8; border-radius: 4px; padding: 8px 12px; }
.facts dt { font-size: 0.85em; color: #4a5560; }
.facts dd { margin: 2px 0 0; font-size: 1.15em; font-weight: bold; }
.lead { font-size: 1.1em; }
details.definitions { background: #f8f9fa; border-left: 3px solid #b8c2cc; padding: 6px 12px;
  margin: 8px 0; font-size: 0.9em; }
details.definitions summary { cursor: pointer; color: #1f5f99; }
details.definitions dt { font-weight: bold; margin-top: 6px; }
details.definitions dd { margin: 0 0 0 16px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 4px 0 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e3e6e9; }
th { background: #eef1f4; text-align: left; vertical-align: bottom; max-width: 11em; }
th.number { text-align: right; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { max-width: 28em; }
figure { margin: 16px 0 24px; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e6e9; box-sizing: border-box; }
figcaption { color: #4a5560; font-size: 0.9em; margin-top: 4px; }
footer { margin-top: 40px; font-size: 0.85em; color: #4a5560; }
@page { size: A4; margin: 12mm; }
@media print { nav { display: none; } body { max-width: none; padding: 0; font-size: 10pt; }
  table { font-size: 8pt; } th, td { padding: 2px 4px; } figure, table { break-inside: avoid; }
  details.definitions > * { display: block; } }
";

/// The page's HTML; `rendered` holds the report's figures drawn, in page order.
pub fn page(report: &Report, rendered: &[Rendered]) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n\
         <p class=\"subtitle\">{}</p>\n",
        escape(&report.title),
        escape(&report.title),
        escape(&report.subtitle),
    );
    for warning in &report.warnings {
        let _ = writeln!(html, "<p class=\"warning\">{}</p>", escape(warning));
    }
    html.push_str("</header>\n<nav><ul>\n");
    for section in &report.sections {
        let _ = writeln!(
            html,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(&section.id),
            escape(&section.heading)
        );
    }
    html.push_str("<li><a href=\"#files\">Files</a></li>\n</ul></nav>\n<main>\n");
    let mut figures = rendered.iter();
    for section in &report.sections {
        write_section(&mut html, section, &mut figures);
    }
    html.push_str("</main>\n");
    write_files(&mut html, report);
    html.push_str("</body>\n</html>\n");
    html
}

fn write_section<'a>(
    html: &mut String,
    section: &Section,
    figures: &mut impl Iterator<Item = &'a Rendered>,
) {
    let _ = writeln!(
        html,
        "<section id=\"{}\">\n<h2>{}</h2>",
        escape(&section.id),
        escape(&section.heading)
    );
    for block in &section.blocks {
        match block {
            Block::Text(text) => {
                let lines: Vec<String> = text.lines().map(escape).collect();
                let _ = writeln!(html, "<p>{}</p>", lines.join("<br>\n"));
            }
            Block::Facts(facts) => {
                html.push_str("<dl class=\"facts\">\n");
                for (label, value) in facts {
                    let _ = writeln!(
                        html,
                        "<div><dt>{}</dt><dd>{}</dd></div>",
                        escape(label),
                        escape(value)
                    );
                }
                html.push_str("</dl>\n");
            }
            Block::Definitions(terms) => {
                html.push_str(
                    "<details class=\"definitions\">\n<summary>Definitions</summary>\n<dl>\n",
                );
                for (term, definition) in terms {
                    let _ = writeln!(
                        html,
                        "<dt>{}</dt><dd>{}</dd>",
                        escape(term),
                        escape(definition)
                    );
                }
                html.push_str("</dl>\n</details>\n");
            }
            Block::Table(table) => write_table(html, table),
            Block::DataFile(table) => {
                let _ = writeln!(
                    html,
                    "<p>{}: <a href=\"{}\">{}</a> ({} rows × {} columns).</p>",
                    escape(&table.title),
                    escape(&table.file_name()),
                    escape(&table.file_name()),
                    table.rows().len(),
                    table.columns().len()
                );
            }
            Block::Figure(figure) => {
                if let Some(drawn) = figures.next() {
                    write_figure(html, figure, drawn);
                }
            }
        }
    }
    html.push_str("</section>\n");
}

fn write_table(html: &mut String, table: &Table) {
    for view in table.page_views() {
        let rows: Vec<usize> = view
            .rows
            .clone()
            .unwrap_or_else(|| (0..table.rows().len()).collect());
        let shown: Vec<Vec<String>> = view
            .columns
            .iter()
            .map(|&c| table.shown_column(c, &rows))
            .collect();
        let _ = write!(
            html,
            "<figure class=\"table\">\n<figcaption>{} — <a href=\"{}\">CSV</a></figcaption>\n\
             <div class=\"scroll\"><table>\n<thead><tr>",
            escape(&view.title),
            escape(&table.file_name())
        );
        let numeric = |c: usize| {
            rows.iter()
                .any(|&r| matches!(table.rows()[r][c], Cell::Number(_)))
        };
        for &c in &view.columns {
            let class = if numeric(c) { " class=\"number\"" } else { "" };
            let _ = write!(
                html,
                "<th{class}>{}</th>",
                escape(&table.columns()[c].heading)
            );
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for (i, &r) in rows.iter().enumerate() {
            html.push_str("<tr>");
            for (column, &c) in shown.iter().zip(&view.columns) {
                let class = match table.rows()[r][c] {
                    Cell::Number(_) | Cell::NotApplicable => "number",
                    Cell::Text(_) => "text",
                };
                let _ = write!(html, "<td class=\"{class}\">{}</td>", escape(&column[i]));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody></table></div>\n</figure>\n");
    }
}

fn write_figure(html: &mut String, figure: &Figure, drawn: &Rendered) {
    let (width, height) = FIGURE_SIZE;
    let _ = writeln!(
        html,
        "<figure class=\"plot\" id=\"figure-{name}\">\n\
         <img src=\"data:image/png;base64,{data}\" alt=\"{title}\" width=\"{width}\" height=\"{height}\">\n\
         <figcaption>{caption} <a href=\"{name}.svg\">SVG</a> · <a href=\"{name}.png\">PNG</a></figcaption>\n</figure>",
        name = escape(&figure.name),
        data = base64::engine::general_purpose::STANDARD.encode(&drawn.png),
        title = escape(&figure.title),
        caption = escape(&figure.caption),
    );
}

fn write_files(html: &mut String, report: &Report) {
    html.push_str(
        "<footer id=\"files\">\n<h2>Files</h2>\n<p>Everything on this page is also in the \
         folder of this report:</p>\n<ul>\n",
    );
    let mut link = |name: &str, what: &str| {
        let _ = writeln!(
            html,
            "<li><a href=\"{0}\">{0}</a> — {1}</li>",
            escape(name),
            escape(what)
        );
    };
    if report.summary_json.is_some() {
        link(SUMMARY_FILE, "the machine-readable summary (as --json)");
    }
    for table in report.tables() {
        link(&table.file_name(), &table.title);
    }
    for figure in report.figures() {
        link(&format!("{}.svg", figure.name), &figure.title);
        link(&format!("{}.png", figure.name), &figure.title);
    }
    link(HTML_FILE, "this page");
    let _ = writeln!(
        html,
        "</ul>\n<p>Made by firesale {}.</p>\n</footer>",
        env!("CARGO_PKG_VERSION")
    );
}

/// Text made safe for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
