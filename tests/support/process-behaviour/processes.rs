// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The process rules of `rental_desk` as a user writes them: the start rule, whose
//! default is pending (the deposit's id and the agreement reference have no same-name
//! source), asks card payments for the deposit; listed in `written()`, it leaves the
//! startup log.

use crate::processes::*;

/// The process rules; the defaults of [`ProcessRules`] apply until you override them.
pub struct Processes;

impl ProcessRules for Processes {
    fn deposit_collection_before_handover_on_rental_agreement_opened(
        &self,
        _state: &DepositCollectionBeforeHandoverState,
        event: &crate::rental_agreement::RentalAgreementOpened,
    ) -> Decision<crate::upstream::card_payments::AuthoriseCardDeposit> {
        Ok(Some(crate::upstream::card_payments::AuthoriseCardDeposit {
            deposit_id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, event.agreement_code.as_bytes()),
            agreement_reference: event.agreement_code.clone(),
            deposit_cents: event.deposit_cents,
        }))
    }

    fn written(&self) -> &'static [&'static str] {
        &["deposit_collection_before_handover_on_rental_agreement_opened"]
    }
}
