//! Where an output goes: each path given resolved (symbolic links followed, standard output
//! recognised) and checked before any work, as far as it can be: its folder exists and takes
//! a new file of its name's length, a report folder is new, empty or a previous report.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{REPORT_MARKER, staging_name};
use crate::error::{Error, Result};

/// Where an output goes, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
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

/// Resolves the file output `path` of `flag` and checks that it can be written.
pub(super) fn resolve_file(path: &Path, flag: &str) -> Result<Target> {
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
pub(super) fn resolve_folder(dir: &Path, flag: &str) -> Result<Target> {
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
pub(super) fn standard_stream(path: &Path) -> Option<Target> {
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
pub(super) fn absolute(path: &Path) -> Result<PathBuf> {
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
