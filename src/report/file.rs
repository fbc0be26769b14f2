//! Output files and report folders: checked before any work, written whole or not at all,
//! and only ever replacing a plain file.
//!
//! A command first plans its outputs in an [`Outputs`]: each path is resolved (symbolic links
//! followed to the file they name), checked (its folder exists and takes a new file of that
//! name's length, a report folder is new, empty or a previous firesale report) and compared
//! with the others (two outputs naming one file, or a file inside a report folder, are
//! refused). Whatever can be known before the simulation thus fails before it, as bad input.
//!
//! After the work, a [`Batch`] stages every file beside its target (a report folder as a whole
//! folder) and only when all are staged moves them into place; a failure while staging (a full
//! disk) removes what was staged, leaves every previous output as it was, and names the file.
//! A target that is not a plain file (standard output as `-` or `/dev/stdout`, a device, a
//! FIFO) is written directly, never replaced.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

mod target;

use target::{Target, absolute, resolve_file, resolve_folder, standard_stream};

/// `value` as pretty JSON text, newline-terminated (the form of every JSON file firesale
/// writes).
pub fn pretty_json(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("firesale's documents serialise");
    text.push('\n');
    text
}

/// The file that marks a folder as a firesale report, which a later run may replace.
pub const REPORT_MARKER: &str = ".firesale-report";

/// Writes `contents` to `path` (flag `flag`) whole or not at all; a single-output shorthand
/// for planning it and committing a batch of one.
pub fn write_output(path: &Path, flag: &str, contents: &[u8]) -> Result<()> {
    let mut outputs = Outputs::default();
    let id = outputs.file(flag, path)?;
    let mut batch = outputs.batch();
    batch.file(id, contents)?;
    batch.commit()
}

/// Checks, before any work, that `path` can be written as the output of `flag`.
pub fn check_writable(path: &Path, flag: &str) -> Result<()> {
    resolve_file(path, flag).map(|_| ())
}

/// One planned output.
#[derive(Debug, Clone)]
struct Planned {
    flag: String,
    /// The path as the user gave it, for messages.
    given: PathBuf,
    target: Target,
}

/// The outputs of a command, resolved and checked before the work; see the module doc.
#[derive(Debug, Default)]
pub struct Outputs {
    planned: Vec<Planned>,
}

/// Names a planned output of an [`Outputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputId(usize);

impl Outputs {
    /// Plans the file output `path` of `flag`.
    pub fn file(&mut self, flag: &str, path: &Path) -> Result<OutputId> {
        // A file inside a report folder planned but not made yet has no folder to resolve.
        if standard_stream(path).is_none() {
            let lexical = Target::File(absolute(path)?);
            if let Some(other) = self.planned.iter().find(|p| clash(&p.target, &lexical)) {
                return Err(clash_error(flag, path, other));
            }
        }
        let target = resolve_file(path, flag)?;
        self.add(flag, path, target)
    }

    /// Plans the report folder `dir` of `flag` (created with its parents if missing).
    pub fn folder(&mut self, flag: &str, dir: &Path) -> Result<OutputId> {
        let target = resolve_folder(dir, flag)?;
        self.add(flag, dir, target)
    }

    /// A batch that writes the planned outputs.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            outputs: self,
            staged: Vec::new(),
        }
    }

    fn add(&mut self, flag: &str, given: &Path, target: Target) -> Result<OutputId> {
        if let Some(other) = self.planned.iter().find(|p| clash(&p.target, &target)) {
            return Err(clash_error(flag, given, other));
        }
        self.planned.push(Planned {
            flag: flag.to_string(),
            given: given.to_path_buf(),
            target,
        });
        Ok(OutputId(self.planned.len() - 1))
    }
}

fn clash_error(flag: &str, given: &Path, other: &Planned) -> Error {
    Error::Usage(format!(
        "{flag} {} and {} {} name the same file; give each output its own path",
        given.display(),
        other.flag,
        other.given.display()
    ))
}

/// True when writing both targets would overwrite one with the other.
fn clash(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Stdout, Target::Stdout) => true,
        (Target::Direct { path: a, shareable }, Target::Direct { path: b, .. }) => {
            a == b && !shareable
        }
        (Target::File(a), Target::File(b)) => a == b,
        (Target::File(file), Target::Folder(dir)) | (Target::Folder(dir), Target::File(file)) => {
            file.starts_with(dir)
        }
        (Target::Folder(a), Target::Folder(b)) => a.starts_with(b) || b.starts_with(a),
        _ => false,
    }
}

/// Outputs being written: each staged beside its target, then all moved into place by
/// [`Batch::commit`]. Dropped uncommitted, it removes whatever it staged.
pub struct Batch<'a> {
    outputs: &'a Outputs,
    staged: Vec<Staged>,
}

/// One output ready to be moved into place.
enum Staged {
    File { temporary: PathBuf, target: PathBuf },
    Folder { temporary: PathBuf, target: PathBuf },
    Direct { target: Target, contents: Vec<u8> },
}

impl Batch<'_> {
    /// Stages `contents` as the file output `id`.
    pub fn file(&mut self, id: OutputId, contents: &[u8]) -> Result<()> {
        let planned = &self.outputs.planned[id.0];
        match &planned.target {
            Target::File(target) => {
                let temporary = stage_file(target, contents)?;
                self.staged.push(Staged::File {
                    temporary,
                    target: target.clone(),
                });
            }
            Target::Folder(_) => unreachable!("{} is planned as a folder", planned.flag),
            direct => self.staged.push(Staged::Direct {
                target: direct.clone(),
                contents: contents.to_vec(),
            }),
        }
        Ok(())
    }

    /// Stages the report folder `id` holding `files` (name, contents) and the report
    /// marker; returns the paths the files will have.
    pub fn folder(&mut self, id: OutputId, files: &[(String, Vec<u8>)]) -> Result<Vec<PathBuf>> {
        let planned = &self.outputs.planned[id.0];
        let Target::Folder(target) = &planned.target else {
            unreachable!("{} is planned as a file", planned.flag)
        };
        let temporary = staging_path(target, "part");
        fs::create_dir(&temporary).map_err(|source| Error::Write {
            path: temporary.clone(),
            source,
        })?;
        self.staged.push(Staged::Folder {
            temporary: temporary.clone(),
            target: target.clone(),
        });
        let marker = (REPORT_MARKER.to_string(), marker_text().into_bytes());
        for (name, contents) in files.iter().chain([&marker]) {
            write_new(&temporary.join(name), contents).map_err(|source| Error::Write {
                path: target.join(name),
                source,
            })?;
        }
        Ok(files.iter().map(|(name, _)| target.join(name)).collect())
    }

    /// Moves every staged output into place, then writes the direct ones.
    pub fn commit(mut self) -> Result<()> {
        for staged in std::mem::take(&mut self.staged) {
            match staged {
                Staged::File { temporary, target } => {
                    fs::rename(&temporary, &target).map_err(|source| {
                        let _ = fs::remove_file(&temporary);
                        Error::Write {
                            path: target,
                            source,
                        }
                    })?;
                }
                Staged::Folder { temporary, target } => replace_folder(&temporary, &target)?,
                Staged::Direct { target, contents } => write_direct(&target, &contents)?,
            }
        }
        Ok(())
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        for staged in &self.staged {
            match staged {
                Staged::File { temporary, .. } => {
                    let _ = fs::remove_file(temporary);
                }
                Staged::Folder { temporary, .. } => {
                    let _ = fs::remove_dir_all(temporary);
                }
                Staged::Direct { .. } => {}
            }
        }
    }
}

/// A name for a staged output or a probe, unique within this process, short enough for any
/// file system that holds the output's own name.
fn staging_name(kind: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(".firesale-{}-{n}.{kind}", std::process::id())
}

fn staging_path(target: &Path, kind: &str) -> PathBuf {
    target.with_file_name(staging_name(kind))
}

/// Writes `contents` into a new staging file beside `target` (keeping the permissions of the
/// file it will replace) and syncs it; returns the staging path.
fn stage_file(target: &Path, contents: &[u8]) -> Result<PathBuf> {
    let temporary = staging_path(target, "part");
    let written = write_new(&temporary, contents).and_then(|()| match fs::metadata(target) {
        Ok(previous) => fs::set_permissions(&temporary, previous.permissions()),
        Err(_) => Ok(()),
    });
    match written {
        Ok(()) => Ok(temporary),
        Err(source) => {
            let _ = fs::remove_file(&temporary);
            Err(Error::Write {
                path: target.to_path_buf(),
                source,
            })
        }
    }
}

fn write_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Puts the staged folder `temporary` in the place of `target`, moving any previous report
/// aside first and removing it after.
fn replace_folder(temporary: &Path, target: &Path) -> Result<()> {
    let fail = |source| Error::Write {
        path: target.to_path_buf(),
        source,
    };
    let previous = target.exists().then(|| staging_path(target, "old"));
    if let Some(previous) = &previous {
        if let Err(source) = fs::rename(target, previous) {
            let _ = fs::remove_dir_all(temporary);
            return Err(fail(source));
        }
    }
    if let Err(source) = fs::rename(temporary, target) {
        if let Some(previous) = &previous {
            let _ = fs::rename(previous, target);
        }
        let _ = fs::remove_dir_all(temporary);
        return Err(fail(source));
    }
    if let Some(previous) = &previous {
        let _ = fs::remove_dir_all(previous);
    }
    Ok(())
}

/// Writes to standard output or opens a device or FIFO and writes to it, in place.
fn write_direct(target: &Target, contents: &[u8]) -> Result<()> {
    let (path, written) = match target {
        Target::Stdout => {
            let mut stdout = io::stdout().lock();
            let written = stdout.write_all(contents).and_then(|()| stdout.flush());
            (PathBuf::from("-"), written)
        }
        Target::Direct { path, .. } => {
            let written = OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut file| file.write_all(contents));
            (path.clone(), written)
        }
        Target::File(_) | Target::Folder(_) => unreachable!("staged, not written directly"),
    };
    written.map_err(|source| Error::Write { path, source })
}

/// What the report marker holds: which program wrote the folder.
fn marker_text() -> String {
    format!(
        "This folder is a firesale {} report; a later `--out` to it replaces it whole.\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("firesale-file-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn staging_failure_leaves_previous_outputs_and_no_staged_files() {
        let dir = scratch("staging");
        let first = dir.join("a.json");
        fs::write(&first, "old a").expect("a");
        let mut outputs = Outputs::default();
        let a = outputs.file("--json", &first).expect("a planned");
        let b = outputs
            .file("--dump-paths", &dir.join("b.csv"))
            .expect("b planned");
        // The folder disappears after planning: staging b fails after a was staged.
        let mut batch = outputs.batch();
        batch.file(a, b"new a").expect("a staged");
        fs::rename(&dir, dir.with_extension("gone")).expect("move the folder away");
        let error = batch.file(b, b"new b").expect_err("b cannot be staged");
        fs::rename(dir.with_extension("gone"), &dir).expect("move it back");
        drop(batch);
        assert!(error.to_string().contains("b.csv"), "{error}");
        assert_eq!(fs::read_to_string(&first).expect("a"), "old a");
        let left: Vec<_> = fs::read_dir(&dir).expect("list").collect();
        assert_eq!(left.len(), 1, "only a.json is left: {left:?}");
    }

    #[test]
    fn a_file_inside_a_report_folder_clashes_with_it() {
        let dir = scratch("clash");
        let mut outputs = Outputs::default();
        outputs.folder("--out", &dir.join("rep")).expect("folder");
        let error = outputs
            .file("--json", &dir.join("rep").join("summary.json"))
            .expect_err("inside the report");
        assert!(error.to_string().contains("--out"), "{error}");
    }
}
