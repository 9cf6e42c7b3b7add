// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Payment` aggregate.
//!
//! A payment is requested once, then settled once by the provider's webhook
//! (confirmed or declined), and only a confirmed payment can be refunded.

use crate::payment::*;
use crate::types::PaymentStatus;

/// The rules of `Payment`.
pub struct PaymentRules;

/// A payment exists once `PaymentRequested` set its order.
fn is_requested(state: &State) -> bool {
    !state.order_id.is_nil()
}

/// Confirming or declining needs a requested payment that is not settled yet.
fn settleable(state: &State) -> Result<(), Error> {
    if state.status != PaymentStatus::Requested {
        return Err(Error::PaymentAlreadySettled);
    }
    if !is_requested(state) {
        return Err(Error::UnknownPayment);
    }
    Ok(())
}

impl Rules for PaymentRules {
    fn request_payment(
        &self,
        _state: &State,
        command: &RequestPayment,
    ) -> Result<RequestPaymentOutcome, Error> {
        if command.amount.amount <= rust_decimal::Decimal::ZERO {
            return Err(Error::AmountNotPositive);
        }
        Ok(PaymentRequested {
            payment_id: command.payment_id,
            order_id: command.order_id,
            amount: command.amount.clone(),
            customer_id: command.customer_id,
        }
        .into())
    }

    fn confirm_payment(
        &self,
        state: &State,
        command: &ConfirmPayment,
    ) -> Result<ConfirmPaymentOutcome, Error> {
        settleable(state)?;
        Ok(PaymentSucceeded {
            payment_id: command.payment_id,
            order_id: state.order_id,
            amount: state.amount.clone(),
            provider_reference: command.provider_reference.clone(),
        }
        .into())
    }

    fn decline_payment(
        &self,
        state: &State,
        command: &DeclinePayment,
    ) -> Result<DeclinePaymentOutcome, Error> {
        settleable(state)?;
        Ok(PaymentFailed {
            payment_id: command.payment_id,
            order_id: state.order_id,
            decline_code: command.decline_code.clone(),
        }
        .into())
    }

    fn refund_payment(
        &self,
        state: &State,
        command: &RefundPayment,
    ) -> Result<RefundPaymentOutcome, Error> {
        if state.status != PaymentStatus::Succeeded {
            return Err(Error::NothingToRefund);
        }
        Ok(PaymentRefunded {
            payment_id: command.payment_id,
            order_id: state.order_id,
            amount: state.amount.clone(),
        }
        .into())
    }

    fn apply_payment_succeeded(&self, state: &mut State, _event: &PaymentSucceeded) {
        state.status = PaymentStatus::Succeeded;
    }

    fn apply_payment_failed(&self, state: &mut State, _event: &PaymentFailed) {
        state.status = PaymentStatus::Failed;
    }

    fn apply_payment_refunded(&self, state: &mut State, _event: &PaymentRefunded) {
        state.status = PaymentStatus::Refunded;
    }

    fn written(&self) -> &'static [&'static str] {
        &[
            "RequestPayment",
            "ConfirmPayment",
            "DeclinePayment",
            "RefundPayment",
        ]
    }
}
