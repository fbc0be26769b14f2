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
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

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

/// Where an output goes, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Standard output (`-`, `/dev/stdout`).
    Stdout,
    /// Something that is not a plain file (a device, a FIFO, an inherited descriptor):
    /// opened and written in place. `shareable` when two outputs may both write it (a
    /// character device such as a terminal).
    Direct { path: PathBuf, shareable: bool },
    /// A plain file (existing or not), by its canonical folder and name: replaced by rename.
    File(PathBuf),
    /// A report folder, by its canonical parent and name: replaced as a whole.
    Folder(PathBuf),
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

/// Resolves the file output `path` of `flag` and checks that it can be written.
fn resolve_file(path: &Path, flag: &str) -> Result<Target> {
    if let Some(target) = standard_stream(path) {
        return Ok(target);
    }
    let path = follow_links(path, flag)?;
    match fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            return Err(Error::Usage(format!(
                "{flag}: {} is a folder; give a file name",
                path.display()
            )));
        }
        Ok(meta) if meta.is_file() => {}
        Ok(meta) => return direct_target(path, &meta, flag),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(usage_for_os_error(flag, &path, "cannot inspect", source)),
    }
    let (folder, name) = split(&path, flag)?;
    if !folder.is_dir() {
        return Err(Error::Usage(format!(
            "{flag}: the folder {} does not exist; create it or choose another path",
            folder.display()
        )));
    }
    let folder = canonical(&folder)?;
    probe(&folder, name.len(), flag, &path)?;
    Ok(Target::File(folder.join(name)))
}

/// Resolves the report folder `dir` of `flag`: refuses anything but a new folder, an empty
/// one or a previous report, creates its parents, and checks that a folder can be made
/// beside it.
fn resolve_folder(dir: &Path, flag: &str) -> Result<Target> {
    let dir = follow_links(dir, flag)?;
    if dir.exists() {
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "{flag}: {} is a file; give a folder for the report",
                dir.display()
            )));
        }
        let dir = canonical(&dir)?;
        check_replaceable(&dir, flag)?;
    }
    let dir = absolute(&dir)?;
    let (parent, name) = split(&dir, flag)?;
    fs::create_dir_all(&parent)
        .map_err(|source| usage_for_os_error(flag, &parent, "cannot create the folder", source))?;
    let parent = canonical(&parent)?;
    probe(&parent, name.len(), flag, &dir)?;
    Ok(Target::Folder(parent.join(name)))
}

/// An existing report folder may be replaced when it is empty or a previous firesale report,
/// and not a mount point (which cannot be renamed).
fn check_replaceable(dir: &Path, flag: &str) -> Result<()> {
    let read = |source| usage_for_os_error(flag, dir, "cannot list the folder", source);
    let mut entries = fs::read_dir(dir).map_err(read)?;
    let empty = entries.next().is_none();
    if !empty && !dir.join(REPORT_MARKER).is_file() {
        return Err(Error::Usage(format!(
            "{flag}: {} holds files that are not a firesale report; choose a new or empty folder",
            dir.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let device = |path: &Path| fs::metadata(path).map(|meta| meta.dev()).map_err(read);
        let parent = dir.parent().unwrap_or(dir);
        if device(dir)? != device(parent)? {
            return Err(Error::Usage(format!(
                "{flag}: {} is a mount point, which cannot be replaced; give a folder inside it",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// `-`, `/dev/stdout` and the descriptor paths of standard output; a path naming another
/// inherited descriptor is written directly.
fn standard_stream(path: &Path) -> Option<Target> {
    let text = path.to_str()?;
    if matches!(text, "-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") {
        return Some(Target::Stdout);
    }
    let descriptor = text
        .strip_prefix("/dev/fd/")
        .or_else(|| text.strip_prefix("/proc/self/fd/"))?;
    descriptor.parse::<u32>().ok().map(|_| Target::Direct {
        path: path.to_path_buf(),
        shareable: false,
    })
}

/// A target that exists and is neither a file nor a folder: written in place, except a
/// socket, which cannot be opened.
fn direct_target(path: PathBuf, meta: &fs::Metadata, flag: &str) -> Result<Target> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_socket() {
            return Err(Error::Usage(format!(
                "{flag}: {} is a socket, which cannot be written as a file; give a file name",
                path.display()
            )));
        }
        let shareable = kind.is_char_device();
        Ok(Target::Direct { path, shareable })
    }
    #[cfg(not(unix))]
    {
        let _ = (meta, flag);
        Ok(Target::Direct {
            path,
            shareable: false,
        })
    }
}

/// `path` with every symbolic link of its last component followed, so that the file the link
/// names is replaced and the link kept.
fn follow_links(path: &Path, flag: &str) -> Result<PathBuf> {
    const MAX_LINKS: usize = 40;
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                path = match path.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(Error::Usage(format!(
        "{flag}: {} is a chain of more than {MAX_LINKS} symbolic links",
        path.display()
    )))
}

/// The folder and the name of `path` (`.` when it has no folder).
fn split(path: &Path, flag: &str) -> Result<(PathBuf, std::ffi::OsString)> {
    let name = match path.components().next_back() {
        Some(Component::Normal(name)) => name.to_os_string(),
        _ => {
            return Err(Error::Usage(format!(
                "{flag}: {} does not end in a name; give a path such as folder/name",
                path.display()
            )));
        }
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((folder, name))
}

fn canonical(path: &Path) -> Result<PathBuf> {
    fs::canonicalize(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// `path` made absolute against the working folder, `.` and `..` resolved lexically where
/// they can be (the path need not exist).
fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = std::path::absolute(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut clean = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(clean)
}

/// Creates and removes a file in `folder` whose name is as long as the output's (`name_len`)
/// or its staging name, whichever is longer: a read-only file system, a folder without
/// write permission, or a name the file system cannot hold fails here, before any work.
fn probe(folder: &Path, name_len: usize, flag: &str, output: &Path) -> Result<()> {
    let mut name = staging_name("probe");
    while name.len() < name_len {
        name.push('x');
    }
    let path = folder.join(&name);
    match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(_) => {
            let _ = fs::remove_file(&path);
            Ok(())
        }
        Err(source) => Err(usage_for_os_error(
            flag,
            output,
            "cannot create the output",
            source,
        )),
    }
}

/// An OS error met while checking an output, as one line naming the flag, the path and the
/// operation; exit status 2 (the user can choose another path).
fn usage_for_os_error(flag: &str, path: &Path, operation: &str, source: io::Error) -> Error {
    let cause = match (source.kind(), source.raw_os_error()) {
        (io::ErrorKind::ReadOnlyFilesystem, _) => "the file system is read-only".to_string(),
        (io::ErrorKind::PermissionDenied, _) => "permission denied".to_string(),
        (io::ErrorKind::StorageFull, _) => "the disk is full".to_string(),
        #[cfg(unix)]
        (_, Some(libc::ENAMETOOLONG)) => {
            "the name is too long for the file system (names and paths have a length limit)"
                .to_string()
        }
        _ => source.to_string(),
    };
    Error::Usage(format!(
        "{flag}: {operation} {}: {cause}; choose another path",
        path.display()
    ))
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
