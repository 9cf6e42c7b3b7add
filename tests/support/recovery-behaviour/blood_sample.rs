//! The business rules of the `BloodSample` aggregate, as the recovery behaviour writes
//! them: the analyser refuses every sample — a tube without a patient is mislaid, any
//! other's red cells burst — and the lab never retests, so each refusal ends in a
//! recorded `RetestAbandoned`.

use crate::blood_sample::*;

/// The rules of `BloodSample`; the defaults of [`Rules`] apply until you override them.
pub struct BloodSampleRules;

impl Rules for BloodSampleRules {
    fn analyse_blood_sample(
        &self,
        state: &State,
        _command: &AnalyseBloodSample,
    ) -> Result<AnalyseBloodSampleOutcome, Error> {
        if state.patient_id.is_nil() {
            return Err(Error::SampleMislaid);
        }
        Err(Error::SampleHaemolysed)
    }

    fn request_retest(
        &self,
        _state: &State,
        _command: &RequestRetest,
    ) -> Result<RequestRetestOutcome, Error> {
        Err(Error::RetestLimitReached)
    }

    fn written(&self) -> &'static [&'static str] {
        &["AnalyseBloodSample", "RequestRetest"]
    }
}
