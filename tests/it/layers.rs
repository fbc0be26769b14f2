//! The dependency rule of the library's layout (README, "Layout"): each top-level module may
//! name only the modules listed for it in [`ALLOWED`], so data flows one way (scenario →
//! model → engine → summary → report), and neither engine names the other. The check reads
//! every `crate::` path in `src/`, outside comments and `#[cfg(test)]` modules, whose code may
//! use anything.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each library module and the modules it may name. `error` (with the crate-root `Error` and
/// `Result`) is open to all.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("lanes", &[]),
    ("model", &[]),
    ("rng", &["lanes"]),
    ("scenario", &["model"]),
    ("summary", &["model"]),
    ("engine", &["lanes", "model", "rng", "summary"]),
    ("shard", &["model", "scenario", "summary"]),
    ("cluster", &["shard"]),
    ("report", &["model", "summary"]),
    (
        "questions",
        &["engine", "model", "report", "scenario", "summary"],
    ),
    (
        "fit",
        &["engine", "model", "report", "rng", "scenario", "summary"],
    ),
];

/// Pairs of folders whose code must not name each other: the two engines.
const SEPARATE: &[(&str, &str, &str)] = &[
    ("src/engine/cpu", "engine::gpu", "super::gpu"),
    ("src/engine/gpu", "engine::cpu", "super::cpu"),
];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that are code outside tests: up to its first `#[cfg(test)]`, without
/// comment lines.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(n, line)| (n + 1, line))
}

/// The top-level modules a line names through `crate::`, grouped imports included.
fn named_modules(line: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.push(first_ident(&item));
        } else {
            names.push(first_ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
        .into_iter()
        .map(|n| match n.as_str() {
            "Error" | "Result" => "error".to_string(),
            _ => n,
        })
        .collect()
}

fn first_ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn module_of(root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "cli")).then(|| name.to_string())
}

#[test]
fn lower_layers_never_name_higher_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    files.sort();
    let mut broken = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let Some(module) = module_of(&root, file) else {
            continue;
        };
        let allowed = ALLOWED
            .iter()
            .find(|(name, _)| *name == module)
            .map(|(_, allowed)| *allowed)
            .unwrap_or_else(|| panic!("module `{module}` has no row in ALLOWED: add one"));
        seen.insert(module.clone());
        let text = fs::read_to_string(file).expect("source is readable");
        for (line_no, line) in code_lines(&text) {
            for named in named_modules(line) {
                if named != module && named != "error" && !allowed.contains(&named.as_str()) {
                    broken.push(format!(
                        "{}:{line_no}: `{module}` names `{named}`",
                        file.display()
                    ));
                }
            }
        }
        for (folder, path, sibling) in SEPARATE {
            if file.starts_with(root.parent().unwrap().join(folder)) {
                for (line_no, line) in code_lines(&text) {
                    if line.contains(path) || line.contains(sibling) {
                        broken.push(format!(
                            "{}:{line_no}: one engine names the other",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        seen.contains("engine") && seen.contains("report"),
        "walked {root:?}"
    );
    assert!(
        broken.is_empty(),
        "imports against the layout rule:\n{}",
        broken.join("\n")
    );
}

#[test]
fn grouped_and_plain_imports_are_read() {
    assert_eq!(
        named_modules("use crate::{Error, model::Model, summary::{A, B}};"),
        ["error", "model", "summary"]
    );
    assert_eq!(
        named_modules("let x = crate::engine::run(crate::model::M);"),
        ["engine", "model"]
    );
}
