//! How the question commands (replay, calibrate, reverse) hand back their answer: the report
//! folder to `--out DIR`, the JSON document to `--json FILE|-` (each file written whole or not
//! at all), the text to standard output, or to standard error when the JSON takes standard
//! output; nothing but the JSON when quiet.

use std::path::Path;

use firesale::Result;
use firesale::report::{Report, bundle, file};

/// Writes `out`'s report into its folder, `json` where `--json` says, and prints `text`
/// (with where the report is) unless `quiet`.
pub fn report(
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
