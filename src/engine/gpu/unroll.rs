//! Unrolls the loops of the stage files marked `// @unroll` when the shader is composed.
//!
//! Per-path state lives in private arrays indexed by asset, book and fund. A loop over them
//! with a run-time index makes a shader compiler keep the array in per-invocation memory
//! (llvmpipe: a scratch array with a gather and a scatter per access; GPUs: local memory).
//! Once the loop is unrolled every index is a constant, the arrays become registers and the
//! parameter offsets fold. WGSL has no unroll attribute and neither naga nor the drivers
//! unroll loops of this size, so the composer does it: a marked loop
//!
//! ```text
//! // @unroll
//! for (var k = 0u; k < N_ASSETS; k++) {
//!     body
//! }
//! ```
//!
//! becomes `{ const k = 0u; body } { const k = 1u; body } …`, the bound being one of the
//! generated constants. The body may nest marked loops; it may not `break` or `continue`
//! (there is no loop left to leave once unrolled), which is checked.
//!
//! A loop of more than `max_count` passes stays a loop: unrolled code grows with the pass
//! count (the correlation's with its square), and so does the driver's compile time, from
//! a few seconds for a dozen assets to minutes for a hundred. Marked bodies are therefore
//! written to be valid either way (`let`, not `const`, for what depends on the index).

/// The marker line, alone on its line before a loop.
pub const MARKER: &str = "// @unroll";

/// A marked loop the unroller cannot take: the reason, with the offending line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrollError(pub String);

impl std::fmt::Display for UnrollError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Unrolls every marked loop of `source` of at most `max_count` passes; `bound` gives the
/// value of a named constant.
pub fn unroll(
    source: &str,
    bound: &dyn Fn(&str) -> Option<u32>,
    max_count: u32,
) -> Result<String, UnrollError> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::with_capacity(source.len());
    Unroller { bound, max_count }.lines(&lines, &mut out)?;
    Ok(out)
}

struct Unroller<'a> {
    bound: &'a dyn Fn(&str) -> Option<u32>,
    max_count: u32,
}

impl Unroller<'_> {
    fn lines(&self, lines: &[&str], out: &mut String) -> Result<(), UnrollError> {
        let mut i = 0;
        while i < lines.len() {
            if lines[i].trim() != MARKER {
                out.push_str(lines[i]);
                out.push('\n');
                i += 1;
                continue;
            }
            let header = lines
                .get(i + 1)
                .ok_or_else(|| UnrollError(format!("`{MARKER}` on the last line")))?;
            let (variable, count) = parse_header(header, self.bound)?;
            let end = closing_line(lines, i + 1)?;
            let body = &lines[i + 2..end];
            let mut inner = String::new();
            self.lines(body, &mut inner)?;
            if count > self.max_count {
                out.push_str(header);
                out.push('\n');
                out.push_str(&inner);
                out.push_str(lines[end]);
                out.push('\n');
            } else {
                check_body(body, header)?;
                let indent = &header[..header.len() - header.trim_start().len()];
                for value in 0..count {
                    out.push_str(&format!(
                        "{indent}{{\n{indent}    const {variable} = {value}u;\n"
                    ));
                    out.push_str(&inner);
                    out.push_str(&format!("{indent}}}\n"));
                }
            }
            i = end + 1;
        }
        Ok(())
    }
}

/// `for (var X = 0u; X < NAME; X++) {` → (X, value of NAME).
fn parse_header(
    header: &str,
    bound: &dyn Fn(&str) -> Option<u32>,
) -> Result<(String, u32), UnrollError> {
    let bad = || {
        UnrollError(format!(
            "a loop marked `{MARKER}` must read `for (var X = 0u; X < CONSTANT; X++) {{`, not `{}`",
            header.trim()
        ))
    };
    let inner = header
        .trim()
        .strip_prefix("for (var ")
        .and_then(|rest| rest.strip_suffix(") {"))
        .ok_or_else(bad)?;
    let parts: Vec<&str> = inner.split(';').map(str::trim).collect();
    let [init, condition, increment] = parts[..] else {
        return Err(bad());
    };
    let variable = init.strip_suffix(" = 0u").ok_or_else(bad)?;
    let limit = condition
        .strip_prefix(variable)
        .and_then(|rest| rest.strip_prefix(" < "))
        .ok_or_else(bad)?;
    if increment != format!("{variable}++") {
        return Err(bad());
    }
    let count = bound(limit).ok_or_else(|| {
        UnrollError(format!(
            "the bound `{limit}` of a loop marked `{MARKER}` is not a generated constant"
        ))
    })?;
    Ok((variable.to_string(), count))
}

/// The index of the line holding the `}` that closes the block opened at `open`.
fn closing_line(lines: &[&str], open: usize) -> Result<usize, UnrollError> {
    let mut depth = 0i32;
    for (index, line) in lines.iter().enumerate().skip(open) {
        let code = line.split("//").next().unwrap_or("");
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth == 0 {
            if line.trim() != "}" {
                return Err(UnrollError(format!(
                    "a loop marked `{MARKER}` must end with `}}` alone on its line: `{}`",
                    line.trim()
                )));
            }
            return Ok(index);
        }
    }
    Err(UnrollError(format!(
        "no closing brace for `{}`",
        lines[open].trim()
    )))
}

fn check_body(body: &[&str], header: &str) -> Result<(), UnrollError> {
    let leaves = body.iter().any(|line| {
        let code = line.split("//").next().unwrap_or("");
        code.split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|word| word == "break" || word == "continue")
    });
    if leaves {
        return Err(UnrollError(format!(
            "the body of `{}` uses break or continue, which an unrolled loop cannot",
            header.trim()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(name: &str) -> Option<u32> {
        match name {
            "TWO" => Some(2),
            "THREE" => Some(3),
            "NONE" => Some(0),
            _ => None,
        }
    }

    #[test]
    fn unrolls_nested_loops_into_constant_blocks() {
        let source = "fn f() {\n    // @unroll\n    for (var i = 0u; i < TWO; i++) {\n        // @unroll\n        for (var j = 0u; j < THREE; j++) {\n            g(i, j);\n        }\n    }\n}\n";
        let out = unroll(source, &bounds, 8).unwrap();
        assert_eq!(out.matches("g(i, j);").count(), 6);
        assert_eq!(out.matches("const i = ").count(), 2);
        assert_eq!(out.matches("const j = ").count(), 6);
        assert!(out.contains("    {\n        const i = 1u;\n"));
        assert!(!out.contains(MARKER));
        assert!(!out.contains("for ("));
    }

    #[test]
    fn an_empty_bound_leaves_nothing() {
        let source = "// @unroll\nfor (var k = 0u; k < NONE; k++) {\n    g(k);\n}\nh();\n";
        assert_eq!(unroll(source, &bounds, 8).unwrap(), "h();\n");
    }

    #[test]
    fn loops_over_the_limit_stay_loops_and_their_inner_loops_unroll() {
        let source = "// @unroll\nfor (var i = 0u; i < THREE; i++) {\n    // @unroll\n    for (var j = 0u; j < TWO; j++) {\n        g(i, j);\n    }\n}\n";
        let out = unroll(source, &bounds, 2).unwrap();
        assert_eq!(out.matches("for (var i = 0u; i < THREE; i++) {").count(), 1);
        assert_eq!(out.matches("g(i, j);").count(), 2);
        assert_eq!(out.matches("const j = ").count(), 2);
        assert!(!out.contains(MARKER));
    }

    #[test]
    fn unmarked_loops_stay() {
        let source = "for (var k = 0u; k < TWO; k++) {\n    g(k);\n}\n";
        assert_eq!(unroll(source, &bounds, 8).unwrap(), source);
    }

    #[test]
    fn refuses_what_it_cannot_unroll() {
        let cases = [
            "// @unroll\nfor (var k = 1u; k < TWO; k++) {\n}\n",
            "// @unroll\nfor (var k = 0u; k < UNKNOWN; k++) {\n}\n",
            "// @unroll\nfor (var k = 0u; k < TWO; k++) {\n    if c { continue; }\n}\n",
            "// @unroll\nfor (var k = 0u; k < TWO; k++) {\n    g(k); }\n",
            "// @unroll\nfor (var k = 0u; k < TWO; k++) {\n",
            "// @unroll\n",
        ];
        for case in cases {
            assert!(unroll(case, &bounds, 8).is_err(), "{case}");
        }
    }
}
