// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The rules of `RentalAgreement` as a user writes them: the keys are not handed over
//! for a deposit under 100 cents (refused with `AgreementCancelled`).

use crate::rental_agreement::*;

/// The rules of `RentalAgreement`.
pub struct RentalAgreementRules;

impl Rules for RentalAgreementRules {
    fn hand_over_car_keys(
        &self,
        _state: &State,
        command: &HandOverCarKeys,
    ) -> Result<HandOverCarKeysOutcome, Error> {
        if command.deposit_cents < 100 {
            return Err(Error::AgreementCancelled);
        }
        Ok(CarKeysHandedOver {
            agreement_code: command.agreement_code.clone(),
            deposit_cents: command.deposit_cents,
        }
        .into())
    }
}
