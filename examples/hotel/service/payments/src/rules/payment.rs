// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Payment` aggregate.
//!
//! A charge is requested once, for at most [`ONLINE_LIMIT`] (a larger stay is paid at
//! the front desk); the card processor settles it once, captured (an authorization
//! code) or declined (a decline code); only a captured charge is refunded, once.

use crate::payment::*;
use crate::types::PaymentStatus;
use rust_decimal::Decimal;

/// The largest amount payments charges online, in any currency: 1000.00.
pub const ONLINE_LIMIT: Decimal = Decimal::from_parts(100_000, 0, 0, false, 2);

/// The rules of `Payment`.
pub struct PaymentRules;

impl Rules for PaymentRules {
    fn request_payment(
        &self,
        state: &State,
        command: &RequestPayment,
    ) -> Result<RequestPaymentOutcome, Error> {
        if state.status.is_some() {
            return Err(Error::PaymentAlreadyRequested);
        }
        if command.amount.amount > ONLINE_LIMIT {
            return Err(Error::ChargeOverLimit);
        }
        Ok(PaymentRequested {
            payment_id: command.payment_id,
            hold_id: command.hold_id,
            amount: command.amount.clone(),
        }
        .into())
    }

    fn settle_charge(
        &self,
        state: &State,
        command: &SettleCharge,
    ) -> Result<SettleChargeOutcome, Error> {
        match state.status {
            None => return Err(Error::UnknownPayment),
            Some(PaymentStatus::Requested) => {}
            Some(_) => return Err(Error::PaymentAlreadySettled),
        }
        match (&command.authorization, &command.decline_code) {
            (Some(authorization), None) => Ok(PaymentCaptured {
                payment_id: command.payment_id,
                hold_id: state.hold_id,
                amount: state.amount.clone(),
                authorization: authorization.clone(),
            }
            .into()),
            (None, Some(decline_code)) => Ok(PaymentDeclined {
                payment_id: command.payment_id,
                hold_id: state.hold_id,
                decline_code: decline_code.clone(),
            }
            .into()),
            _ => Err(Error::UnclearSettlement),
        }
    }

    fn refund_payment(
        &self,
        state: &State,
        command: &RefundPayment,
    ) -> Result<RefundPaymentOutcome, Error> {
        if state.status != Some(PaymentStatus::Captured) {
            return Err(Error::NothingToRefund);
        }
        Ok(PaymentRefunded {
            payment_id: command.payment_id,
            hold_id: state.hold_id,
            amount: state.amount.clone(),
            reason: command.reason.clone(),
        }
        .into())
    }

    fn apply_payment_requested(&self, state: &mut State, event: &PaymentRequested) {
        state.status = Some(PaymentStatus::Requested);
        state.hold_id = event.hold_id;
        state.amount = event.amount.clone();
    }

    fn apply_payment_captured(&self, state: &mut State, _event: &PaymentCaptured) {
        state.status = Some(PaymentStatus::Captured);
    }

    fn apply_payment_declined(&self, state: &mut State, _event: &PaymentDeclined) {
        state.status = Some(PaymentStatus::Declined);
    }

    fn apply_payment_refunded(&self, state: &mut State, _event: &PaymentRefunded) {
        state.status = Some(PaymentStatus::Refunded);
    }

    fn written(&self) -> &'static [&'static str] {
        &["RequestPayment", "SettleCharge", "RefundPayment"]
    }
}
