//! How the question commands (replay, calibrate, reverse) hand back their answer: the JSON
//! document to `--json FILE|-` (written whole or not at all), the text to standard output, or to
//! standard error when the JSON takes standard output; nothing but the JSON when quiet.

use std::path::Path;

use firesale::Result;
use firesale::report::file;

/// Writes `json` where `--json` says and prints `text` unless `quiet`.
pub fn report(json: &str, text: &str, json_path: Option<&Path>, quiet: bool) -> Result<()> {
    if let Some(path) = json_path {
        file::write_output(path, json.as_bytes())?;
    }
    if !quiet {
        if json_path == Some(Path::new("-")) {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    Ok(())
}
