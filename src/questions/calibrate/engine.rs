//! The engine a calibration's trials run on: chosen once, as `firesale run` chooses it for the
//! scenario at its path count (`auto` decides once), then every trial runs every path on it.

use std::sync::atomic::AtomicBool;

use crate::engine::RunControl;
use crate::engine::backend::{BackendChoice, Engine, Selection};
use crate::model::Model;
use crate::summary::BackendInfo;
use crate::summary::metrics::RunTotals;
use crate::{Error, Result};

/// A ready engine, and why `auto` chose it.
pub struct TrialEngine {
    selection: Selection,
}

impl TrialEngine {
    /// Opens the engine for `choice` (GPU adapters as `WGPU_ADAPTER_NAME` and `WGPU_BACKEND`
    /// pick them).
    pub fn select(choice: BackendChoice, model: &Model) -> Result<TrialEngine> {
        let selection = Engine::select(choice, None, None, model, model.paths)?;
        Ok(TrialEngine { selection })
    }

    /// The engine the trials run on, as the report names it.
    pub fn backend(&self) -> BackendInfo {
        self.selection.info()
    }

    /// One trial: every path of `model`, cut short when `cancel` is set. `stopped` says
    /// whether a stop was asked, as the error that ends the search ([`Error::Stopped`]); it is
    /// asked before the trial starts and after it ends, so a trial cut short is never kept.
    pub fn simulate(
        &mut self,
        model: &Model,
        cancel: &AtomicBool,
        stopped: &dyn Fn() -> Option<Error>,
    ) -> Result<RunTotals> {
        let check = || stopped().map_or(Ok(()), Err);
        check()?;
        let control = RunControl::totals_only(cancel);
        let output = self.selection.engine.run(model, 0..model.paths, &control)?;
        check()?;
        Ok(output.totals)
    }
}
