//! Output files are written whole or not at all: into a temporary file beside the target,
//! flushed, then renamed over it. `-` means standard output.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `value` as pretty JSON text, newline-terminated (the form of every JSON file firesale
/// writes).
pub fn pretty_json(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("firesale's documents serialise");
    text.push('\n');
    text
}

/// Writes `contents` to `path` atomically, or to standard output when `path` is `-`.
pub fn write_output(path: &Path, contents: &[u8]) -> Result<()> {
    if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(contents)
            .and_then(|()| stdout.flush())
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            });
    }
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let temporary = temporary_path(path);
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    if let Err(source) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(source));
    }
    Ok(())
}

/// Checks, before any work is done, that `path` can be created: its folder exists. A run
/// that would end unable to write its result fails at once instead (as bad input).
pub fn check_writable(path: &Path, flag: &str) -> Result<()> {
    if path == Path::new("-") {
        return Ok(());
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if folder.is_dir() && !path.is_dir() {
        Ok(())
    } else if path.is_dir() {
        Err(Error::Usage(format!(
            "{flag}: {} is a folder; give a file name",
            path.display()
        )))
    } else {
        Err(Error::Usage(format!(
            "{flag}: the folder {} does not exist; create it or choose another path",
            folder.display()
        )))
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}
