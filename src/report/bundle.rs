//! A report as a folder of files (`--out DIR`): summary.json, one CSV per table, each figure
//! as SVG and PNG, and report.html, one self-contained page showing all of it.
//!
//! A command builds a [`Report`] from sections of text, key figures, tables and figures (the
//! sections of a stress run come from [`super::sections`]; other commands add their own),
//! then [`Report::files`] draws every figure and gives the files, which the caller writes as
//! one folder that appears whole or not at all (`report::file`; [`Report::write`] does both).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::chart::{Figure, Rendered};
use super::file;
use super::html;
use super::tables::Table;
use crate::{Error, Result};

/// The page and the files of a report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The page's heading, e.g. "Stress run: crypto-unwind".
    pub title: String,
    /// One line under it: what was run, how.
    pub subtitle: String,
    /// Warnings shown prominently at the top (a partial run, paths that ran out of rounds).
    pub warnings: Vec<String>,
    /// The `--json` summary, written as summary.json.
    pub summary_json: Option<String>,
    pub sections: Vec<Section>,
}

/// A titled part of the page.
#[derive(Debug, Clone)]
pub struct Section {
    /// The HTML anchor (unique within the report).
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// One headline number of a [`Block::Facts`] grid: its label and its text.
pub fn fact(label: &str, value: impl Into<String>) -> (String, String) {
    (label.to_string(), value.into())
}

/// One piece of a section, in page order.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph of plain text.
    Text(String),
    /// Headline numbers, shown as a grid of (label, value).
    Facts(Vec<(String, String)>),
    /// Terms and their definitions, one click away (folded under "Definitions").
    Definitions(Vec<(String, String)>),
    /// A table shown on the page and written as CSV.
    Table(Table),
    /// A table too large to read on a page: written as CSV and linked.
    DataFile(Table),
    /// A figure shown on the page and written as SVG and PNG.
    Figure(Figure),
}

impl Section {
    pub fn new(id: impl Into<String>, heading: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }

    /// Appends a block; returns the section for chaining.
    pub fn with(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }
}

/// Names of the files every report writes besides its tables and figures.
pub const SUMMARY_FILE: &str = "summary.json";
pub const HTML_FILE: &str = "report.html";

impl Report {
    /// Every figure of the report, in page order.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.blocks().filter_map(|block| match block {
            Block::Figure(figure) => Some(figure),
            _ => None,
        })
    }

    /// Every table of the report (shown or linked), in page order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks().filter_map(|block| match block {
            Block::Table(table) | Block::DataFile(table) => Some(table),
            _ => None,
        })
    }

    fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.sections.iter().flat_map(|section| &section.blocks)
    }

    /// Draws every figure and writes the report as the folder `dir` (created with its
    /// parents if missing, or replacing an empty folder or a previous report); returns the
    /// paths written. The folder appears whole or not at all.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut outputs = file::Outputs::default();
        let id = outputs.folder("--out", dir)?;
        let files = self.files()?;
        let mut batch = outputs.batch();
        let written = batch.folder(id, &files)?;
        batch.commit()?;
        Ok(written)
    }

    /// Draws every figure; returns every file of the report as (name, contents), the page
    /// last.
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let figures: Vec<&Figure> = self.figures().collect();
        let rendered: Vec<Rendered> = figures
            .par_iter()
            .map(|figure| figure.render())
            .collect::<Result<_>>()?;
        let page = html::page(self, &rendered);
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        if let Some(json) = &self.summary_json {
            files.push((SUMMARY_FILE.to_string(), json.clone().into_bytes()));
        }
        for table in self.tables() {
            files.push((table.file_name(), table.to_csv().into_bytes()));
        }
        for (figure, drawn) in figures.iter().zip(rendered) {
            files.push((format!("{}.svg", figure.name), drawn.svg.into_bytes()));
            files.push((format!("{}.png", figure.name), drawn.png));
        }
        files.push((HTML_FILE.to_string(), page.into_bytes()));

        let mut names = BTreeSet::new();
        if let Some((name, _)) = files.iter().find(|(name, _)| !names.insert(name.as_str())) {
            return Err(Error::Runtime(format!(
                "internal error: the report names two files {name}"
            )));
        }
        Ok(files)
    }
}

/// A file-name-safe form of `name` (to follow a prefix such as `loss-`): lowercase ASCII
/// letters and digits, `-`, `_` and `.`; anything else becomes `-`.
pub fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if slug.is_empty() {
        "-".to_string()
    } else {
        slug
    }
}

/// File-name-safe forms of `names`, made distinct by a numeric suffix where two would clash.
pub fn unique_slugs<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    names
        .into_iter()
        .map(|name| {
            let base = slug(name);
            let mut candidate = base.clone();
            let mut n = 2;
            while !taken.insert(candidate.clone()) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_distinct() {
        assert_eq!(slug("crypto-perp longs/2"), "crypto-perp-longs-2");
        assert_eq!(slug("-3x-semis"), "-3x-semis");
        assert_eq!(slug("ÉTF"), "-tf");
        assert_eq!(slug(""), "-");
        assert_eq!(
            unique_slugs(["A B", "a-b", "a b", "-3x"]),
            vec!["a-b", "a-b-2", "a-b-3", "-3x"]
        );
    }
}
