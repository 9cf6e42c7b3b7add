//! The policy rules of `specimen_lab`, as the recovery behaviour writes them: the
//! pending recording of a refused analyser run counts the refusal by its attempt.

use crate::policies::*;

/// The policy rules; the defaults of [`PolicyRules`] apply until you override them.
pub struct Policies;

impl PolicyRules for Policies {
    fn record_start_run_when_slot_booked_on_analyser_offline(
        &self,
        rejected: &crate::analyser_slot::StartAnalyserRun,
        _cause: &crate::analyser_slot::AnalyserSlotBooked,
        rejection: &Rejection,
    ) -> Option<crate::analyser_slot::AnalyserRunRefused> {
        Some(crate::analyser_slot::AnalyserRunRefused {
            slot_code: rejected.slot_code.clone(),
            refusals: rejection.attempt,
        })
    }

    fn written(&self) -> &'static [&'static str] {
        &["record_start_run_when_slot_booked_on_analyser_offline"]
    }
}
