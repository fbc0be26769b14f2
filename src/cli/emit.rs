//! How the question commands (replay, calibrate, reverse) hand back their answer: the report
//! folder to `--out DIR`, the JSON document to `--json FILE|-` (all planned before the work
//! and written together, each whole or not at all), the text to standard output, or to
//! standard error when the JSON takes standard output; nothing but the JSON when quiet.

use std::path::{Path, PathBuf};

use firesale::Result;
use firesale::questions::Answer;
use firesale::report::bundle;
use firesale::report::file::{OutputId, Outputs};

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
    /// Plans the outputs before any work (see `report::file`): the JSON file, the report
    /// folder, and `extra`, a command's own file output (flag, path), if any.
    pub fn prepare(&self, extra: Option<(&str, &Path)>) -> Result<Prepared> {
        let mut outputs = Outputs::default();
        let out = (self.out.as_deref())
            .map(|dir| outputs.folder("--out", dir))
            .transpose()?;
        let extra = extra
            .map(|(flag, path)| outputs.file(flag, path))
            .transpose()?;
        let json = (self.json.as_deref())
            .map(|path| outputs.file("--json", path))
            .transpose()?;
        Ok(Prepared {
            outputs,
            json,
            out,
            extra,
        })
    }

    /// Writes the answer's report (built only when `--out` asks) into its folder, its JSON
    /// where `--json` says and `extra` to the extra output, all together, then prints the
    /// answer's text (with where the report is) unless quiet.
    pub fn emit(
        &self,
        prepared: Prepared,
        answer: &impl Answer,
        extra: Option<&[u8]>,
    ) -> Result<()> {
        let mut batch = prepared.outputs.batch();
        if let (Some(id), Some(contents)) = (prepared.extra, extra) {
            batch.file(id, contents)?;
        }
        if let Some(id) = prepared.out {
            batch.folder(id, &answer.report().files()?)?;
        }
        if let Some(id) = prepared.json {
            batch.file(id, answer.to_json().as_bytes())?;
        }
        batch.commit()?;
        if !self.quiet {
            let mut text = answer.render();
            if let Some(dir) = &self.out {
                text += &format!("\nReport: {}\n", dir.join(bundle::HTML_FILE).display());
            }
            super::print_text(&text, self.json.as_deref());
        }
        Ok(())
    }
}

/// The planned outputs of a question command.
pub struct Prepared {
    outputs: Outputs,
    json: Option<OutputId>,
    out: Option<OutputId>,
    extra: Option<OutputId>,
}
