//! The fitted market as a scenario file that validates and runs as written: every estimate with
//! its standard error, 95% interval and sample in a comment beside it; `depth` and
//! `stress_depth_multiplier` as placeholders marked in comments (a price file says nothing
//! about liquidity); one example cohort commented out.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Fit;
use super::history::History;
use super::uncertainty::Estimate;
use crate::{Error, Result};

/// Placeholder depth, USD per 1% move (marked as such in the file).
const DEPTH_PLACEHOLDER_USD: f64 = 1.0e9;
/// Horizon written into `[simulation]`: one week.
const HORIZON_HOURS: f64 = 168.0;

/// A float with six significant digits, always TOML-float shaped.
fn number(x: f64) -> String {
    if x == 0.0 {
        return "0.0".to_string();
    }
    let digits = (5 - x.abs().log10().floor() as i32).clamp(1, 12) as usize;
    format!("{x:.digits$}")
}

/// A quoted TOML string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `# se S, 95% [L, H], N what`.
fn note(e: &Estimate, what: &str) -> String {
    let se =
        e.se.map_or(String::new(), |s| format!("se {}, ", number(s)));
    format!(
        "# {se}95% [{}, {}], {} {what}",
        number(e.ci95[0]),
        number(e.ci95[1]),
        e.sample
    )
}

/// Writes `key = value  # se …, 95% […], n what` for one estimate.
fn estimate_line(out: &mut String, key: &str, estimate: &Estimate, what: &str) {
    let _ = writeln!(
        out,
        "{key} = {}  {}",
        number(estimate.value),
        note(estimate, what)
    );
}

/// Checks that every asset `sectors` names is a column of `history` (read from `source`);
/// `flag` is what the caller calls the sector option in its error (`--sector`).
pub fn check_sectors(
    history: &History,
    sectors: &BTreeMap<String, String>,
    source: &str,
    flag: &str,
) -> Result<()> {
    match sectors.keys().find(|a| !history.names.contains(a)) {
        Some(unknown) => Err(Error::Usage(format!(
            "{flag} {unknown}=…: no column `{unknown}` in {source}; fix: use one of {}",
            history.names.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The scenario's `name` when none is given: `fitted-` and the price file's stem.
pub fn default_name(source: &str) -> String {
    let stem = std::path::Path::new(source)
        .file_stem()
        .map_or("prices".into(), |s| s.to_string_lossy());
    format!("fitted-{stem}")
}

/// [`write`], then validated as any scenario is; `origin` names it in the error, which would
/// be a defect of the writer.
pub fn write_checked(
    fit: &Fit,
    source: &str,
    name: &str,
    sectors: &BTreeMap<String, String>,
    origin: &str,
) -> Result<String> {
    let scenario = write(fit, source, name, sectors);
    crate::scenario::compile_str(&scenario, origin).map_err(|e| {
        Error::Runtime(format!(
            "the fitted scenario does not validate ({e}); please report this"
        ))
    })?;
    Ok(scenario)
}

/// The scenario text. `source` names the price file; `sectors` maps asset names to sectors.
pub fn write(fit: &Fit, source: &str, name: &str, sectors: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let years = fit.steps as f64 * fit.step_years();
    let _ = writeln!(
        out,
        "# Fitted by `firesale fit` from {source}: {} rows from {} to {}, every {} h ({:.2} years).",
        fit.rows, fit.first_timestamp, fit.last_timestamp, fit.step_hours, years
    );
    out += "# Beside each estimate: its standard error (observed information) and 95% interval, and the\n# observations behind it. Not in a price file: `depth` and `stress_depth_multiplier` (placeholders,\n# marked below) and the books (an example cohort at the end, commented out).\n";
    for warning in &fit.warnings {
        let _ = writeln!(out, "# WARNING: {warning}");
    }
    let _ = writeln!(out, "name = {}", quoted(name));
    let _ = writeln!(
        out,
        "description = {}",
        quoted(&format!("market fitted to {source}"))
    );
    let _ = writeln!(
        out,
        "\n[simulation]\npaths = 10000\nsteps = {}\nstep_hours = {}\nseed = 0\nmax_cascade_rounds = 16",
        (HORIZON_HOURS / fit.step_hours).round().max(1.0),
        number(fit.step_hours)
    );
    out += "\n[market]\nimpact = \"sqrt\"\nimpact_half_life_hours = 0.0\n";
    match fit.student_t_dof {
        Some(dof) => {
            let _ = writeln!(
                out,
                "student_t_dof = {}  # 95% [{}, {}] (profile likelihood), {} steps; LR statistic {:.1} against Gaussian",
                dof.value, dof.ci95[0], dof.ci95[1], dof.sample, fit.tail_lr_statistic
            );
        }
        None => {
            let _ = writeln!(
                out,
                "# student_t_dof absent: Gaussian shocks fit as well (LR statistic {:.2} <= 2.71)",
                fit.tail_lr_statistic
            );
        }
    }
    write_regimes(&mut out, fit);
    for asset in &fit.assets {
        out += "\n[[assets]]\n";
        let _ = writeln!(out, "name = {}", quoted(&asset.name));
        if let Some(sector) = sectors.get(&asset.name) {
            let _ = writeln!(out, "sector = {}", quoted(sector));
        }
        let _ = writeln!(
            out,
            "price = {}  # last observed price ({} missing in the file)",
            number(asset.price),
            asset.missing_prices
        );
        estimate_line(&mut out, "vol", &asset.vol, "steps");
        if fit.regimes == 2 {
            estimate_line(
                &mut out,
                "stress_vol_multiplier",
                &asset.stress_vol_multiplier,
                "stress steps",
            );
        } else {
            out += "stress_vol_multiplier = 1.0  # no stress regime in the history\n";
        }
        let _ = writeln!(
            out,
            "drift = 0.0  # not estimated: over {years:.2} years its standard error would be about vol/sqrt(years) = {}",
            number(asset.vol.value / years.sqrt())
        );
        let _ = writeln!(
            out,
            "depth = {DEPTH_PLACEHOLDER_USD:.1e}  # PLACEHOLDER: not in a price file; set the USD flow that moves the price by 1%"
        );
    }
    for (label, c) in [
        ("calm", &fit.correlation_calm),
        ("stress", &fit.correlation_stress),
    ] {
        let _ = writeln!(
            out,
            "\n[correlation.{label}]\n# from {} steps; standard error of each entry, same layout:",
            c.sample
        );
        for row in &c.se {
            let cells: Vec<String> = row.iter().map(|s| format!("{s:.4}")).collect();
            let _ = writeln!(out, "#   [{}]", cells.join(", "));
        }
        out += "matrix = [\n";
        for row in &c.matrix {
            let cells: Vec<String> = row.iter().map(|r| format!("{r:.6}")).collect();
            let _ = writeln!(out, "  [{}],", cells.join(", "));
        }
        out += "]\n";
    }
    write_jump(&mut out, fit);
    let first = quoted(&fit.assets[0].name);
    let _ = write!(
        out,
        "\n# An example book to start from: uncomment and edit (see docs/fit.md).\n# [[cohorts]]\n# name = \"my-book\"\n# kind = \"margin\"\n# equity = 1.0e8\n# weights = {{ {first} = 1.0 }}\n# leverage = 3.0\n# maintenance_margin = 0.1\n# impact = false\n"
    );
    out
}

fn write_regimes(out: &mut String, fit: &Fit) {
    out.push_str("\n[regimes]\n");
    if fit.regimes == 1 {
        out.push_str("# no stress regime in the history: always calm\ninitial_stress_probability = 0.0\ncalm_to_stress_per_step = 0.0\nstress_to_calm_per_step = 0.0\n");
    } else {
        let _ = writeln!(
            out,
            "initial_stress_probability = {}  # P(stress | history) at the last row: the scenario starts from today's regime",
            number(fit.initial_stress_probability)
        );
        estimate_line(
            out,
            "calm_to_stress_per_step",
            &fit.calm_to_stress_per_step,
            "calm steps",
        );
        estimate_line(
            out,
            "stress_to_calm_per_step",
            &fit.stress_to_calm_per_step,
            "stress steps",
        );
    }
    out.push_str(
        "stress_depth_multiplier = 1.0  # PLACEHOLDER: not in a price file; how far depth shrinks in stress\n",
    );
}

fn write_jump(out: &mut String, fit: &Fit) {
    let Some(jump) = &fit.jump else {
        let _ = writeln!(
            out,
            "\n# no [[jumps]]: {} jump(s) found (a jump type needs 3)",
            fit.jumps_found
        );
        return;
    };
    let reference = &fit.assets[jump.reference].name;
    let _ = writeln!(
        out,
        "\n[[jumps]]\nname = \"fitted-jump\"  # from {} steps the diffusion cannot explain; size in units of {reference}'s log-return",
        fit.jumps_found
    );
    estimate_line(out, "intensity_per_year", &jump.intensity_per_year, "jumps");
    estimate_line(out, "mean", &jump.mean, "jumps");
    estimate_line(out, "stdev", &jump.stdev, "jumps");
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    for (asset, loading) in fit.assets.iter().zip(&jump.loadings) {
        if let Some(loading) = loading {
            cells.push(format!(
                "{} = {}",
                quoted(&asset.name),
                number(loading.value)
            ));
            if loading.se.is_some() {
                notes.push(format!(
                    "{} [{}, {}]",
                    asset.name,
                    number(loading.ci95[0]),
                    number(loading.ci95[1])
                ));
            }
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "# loadings, 95%: {} (assets not listed: not distinguishable from 0 at 5%)",
            notes.join(", ")
        );
    }
    let _ = writeln!(out, "loadings = {{ {} }}", cells.join(", "));
}
