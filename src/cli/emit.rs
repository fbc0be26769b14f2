//! How the question commands (replay, calibrate, reverse) hand back their answer: the report
//! folder to `--out DIR`, the JSON document to `--json FILE|-` (each file written whole or not
//! at all), the text to standard output, or to standard error when the JSON takes standard
//! output; nothing but the JSON when quiet.

use std::path::{Path, PathBuf};

use firesale::Result;
use firesale::report::{Report, bundle, file};

/// The output flags the question commands share.
#[derive(Debug, clap::Args)]
pub struct Output {
    /// Write the JSON report to FILE (`-` for standard output; the text then goes to standard
    /// error).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a report into DIR (created if missing): summary.json, CSV tables, plots as SVG
    /// and PNG, and report.html, one self-contained page with all of them.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors (and the JSON when `--json -`).
    #[arg(long, short)]
    pub quiet: bool,
}

impl Output {
    /// Checks, before any work, that the JSON file can be written and the report folder
    /// exists (creating it).
    pub fn prepare(&self) -> Result<()> {
        if let Some(path) = &self.json {
            file::check_writable(path, "--json")?;
        }
        if let Some(dir) = &self.out {
            bundle::prepare_dir(dir, "--out")?;
        }
        Ok(())
    }

    /// Writes the report (built by `report` only when `--out` asks) into its folder, `json`
    /// where `--json` says, and prints `text` (with where the report is) unless quiet.
    pub fn emit(&self, json: &str, text: &str, report: impl FnOnce() -> Report) -> Result<()> {
        let out = self.out.as_deref().map(|dir| (dir, report()));
        emit(json, text, self.json.as_deref(), self.quiet, out)
    }
}

fn emit(
    json: &str,
    text: &str,
    json_path: Option<&Path>,
    quiet: bool,
    out: Option<(&Path, Report)>,
) -> Result<()> {
    if let Some((dir, report)) = &out {
        report.write(dir)?;
    }
    if let Some(path) = json_path {
        file::write_output(path, json.as_bytes())?;
    }
    if !quiet {
        let mut text = text.to_string();
        if let Some((dir, _)) = &out {
            text += &format!("\nReport: {}\n", dir.join(bundle::HTML_FILE).display());
        }
        if json_path == Some(Path::new("-")) {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    Ok(())
}
