//! Command lines for people to paste: shell quoting, and the command that re-runs a missing
//! shard, derived from the command line another shard of the run recorded.

use std::borrow::Cow;
use std::path::Path;

use super::index_list;
use super::state::Header;

/// `text` as one POSIX shell word: unchanged when it is plain, else single-quoted.
pub fn quote(text: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,+@%^".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("'{}'", text.replace('\'', r"'\''")))
    }
}

/// Words joined into one shell command line.
pub fn command_line<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|word| quote(word.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Shell commands that re-run the shards `missing` of the run `header` belongs to: the
/// launcher's own command when it left one (one line for all), else one `firesale run` per
/// shard: the recorded command with `--shard` and `--state-out` moved to that shard.
pub fn rerun_commands(header: &Header, missing: &[u64]) -> Vec<String> {
    let invocation = &header.invocation;
    if let Some(rerun) = &invocation.rerun {
        return vec![rerun.replace("{indices}", &index_list(missing))];
    }
    let cd = match std::env::current_dir() {
        Ok(here) if here == Path::new(&invocation.working_dir) => String::new(),
        _ => format!("cd {} && ", quote(&invocation.working_dir)),
    };
    missing
        .iter()
        .map(|&index| {
            let mut words = invocation.command.clone();
            retarget(&mut words, "--shard", |_| {
                format!("{index}/{}", header.shards)
            });
            retarget(&mut words, "--state-out", |path| {
                renumber(path, header.shard, index)
            });
            format!("{cd}{}", command_line(&words))
        })
        .collect()
}

/// Replaces the value of `flag` (`--flag VALUE` or `--flag=VALUE`) by `f(VALUE)`.
fn retarget(words: &mut [String], flag: &str, f: impl Fn(&str) -> String) {
    for i in 0..words.len() {
        if words[i] == flag && i + 1 < words.len() {
            words[i + 1] = f(&words[i + 1]);
        } else if let Some(value) = words[i]
            .strip_prefix(flag)
            .and_then(|v| v.strip_prefix('='))
        {
            words[i] = format!("{flag}={}", f(value));
        }
    }
}

/// The state file of shard `to`, from that of shard `from`: the last number in the file name
/// that reads `from` becomes `to`, zero-padded to the same width (`shard-0003.state` →
/// `shard-0011.state`); a name without it gets `shard-TO.state` in the same folder.
fn renumber(path: &str, from: u64, to: u64) -> String {
    let name_start = path.rfind('/').map_or(0, |slash| slash + 1);
    let name = &path[name_start..];
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in name.char_indices().chain([(name.len(), ' ')]) {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    let Some(run) = runs
        .into_iter()
        .rev()
        .find(|run| name[run.clone()].parse::<u64>() == Ok(from))
    else {
        return format!("{}shard-{to}.state", &path[..name_start]);
    };
    let width = if name[run.clone()].starts_with('0') {
        run.len()
    } else {
        0
    };
    format!(
        "{}{}{to:0width$}{}",
        &path[..name_start],
        &name[..run.start],
        &name[run.end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(quote("out/shard-3.state"), "out/shard-3.state");
        assert_eq!(quote("my file"), "'my file'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn state_files_are_renumbered_in_their_name_only() {
        assert_eq!(renumber("run7/shard-7.state", 7, 2), "run7/shard-2.state");
        assert_eq!(renumber("s/shard-0003.state", 3, 11), "s/shard-0011.state");
        assert_eq!(renumber("p10-of-12.bin", 10, 4), "p4-of-12.bin");
        assert_eq!(renumber("dir/state.bin", 1, 4), "dir/shard-4.state");
        assert_eq!(renumber("0.state", 0, 5), "5.state");
    }

    #[test]
    fn flags_are_retargeted_in_both_forms() {
        let mut words: Vec<String> = ["firesale", "--shard", "1/4", "--state-out=a-1.s"]
            .map(String::from)
            .to_vec();
        retarget(&mut words, "--shard", |_| "3/4".to_string());
        retarget(&mut words, "--state-out", |p| renumber(p, 1, 3));
        assert_eq!(words, ["firesale", "--shard", "3/4", "--state-out=a-3.s"]);
    }
}
