//! The questions a risk manager runs a stress tester for, beyond the loss distribution of a
//! run:
//!
//! - [`replay`]: *what would last week do to us?* One deterministic path, with given
//!   exogenous moves, through the full model (impact, mechanical funds, the cascade).
//! - [`calibrate`]: *what is the highest leverage (or size, or the lowest maintenance margin)
//!   we can allow?* A search over one cohort parameter, every trial a full Monte Carlo run on
//!   the same paths, for the value at which a risk target is just met.
//! - [`reverse`]: *how bad must it get before we are hurt?* The smallest multiple of a one-day
//!   shock that makes a cohort (or the market) reach a loss or liquidation target, and the
//!   multiples at which each cohort is first liquidated: the market's key price levels.
//!
//! [`path`] runs and records one given path (shared by replay and reverse); [`shocks`] reads
//! the replay's CSV of exogenous moves; [`input`] reads the names and amounts of the flags.
//! Each question returns an [`Answer`]: its text, its `--json` document and its report folder
//! (`--out`), which `bundle` builds from the same blocks as a stress run's report.

use serde::Serialize;

use crate::report::Report;

mod bundle;
pub mod calibrate;
pub mod input;
pub mod path;
pub mod replay;
pub mod reverse;
pub mod shocks;

/// What a question command hands back: one shape for replay, calibrate and reverse, each
/// answer holding what its three outputs need.
pub trait Answer: Serialize + Sized {
    /// The readable answer, for the terminal.
    fn render(&self) -> String;

    /// The `--json` document: pretty JSON text, newline-terminated.
    fn to_json(&self) -> String {
        crate::report::file::pretty_json(self)
    }

    /// The report folder (`--out DIR`): its tables, figures and report.html, with the
    /// `--json` document as summary.json.
    fn report(&self) -> Report;
}
