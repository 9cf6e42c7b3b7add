//! The business rules of the `AnalyserSlot` aggregate, as the recovery behaviour writes
//! them: the analyser is switched off, so every run is refused.

use crate::analyser_slot::*;

/// The rules of `AnalyserSlot`; the defaults of [`Rules`] apply until you override them.
pub struct AnalyserSlotRules;

impl Rules for AnalyserSlotRules {
    fn start_analyser_run(
        &self,
        _state: &State,
        _command: &StartAnalyserRun,
    ) -> Result<StartAnalyserRunOutcome, Error> {
        Err(Error::AnalyserOffline)
    }

    fn written(&self) -> &'static [&'static str] {
        &["StartAnalyserRun"]
    }
}
