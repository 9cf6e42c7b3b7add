// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Adapters of the external systems the `payments` context calls. The defaults
//! only log each call; replace them with real calls (HTTP clients, SDKs), and send
//! each call's `key` along (e.g. as an `Idempotency-Key` header), so the system can drop
//! the repeats of a call: an `Err` makes the policy retry the same event after a pause,
//! and a crash before the checkpoint makes it call again, with the same key.

/// The `CardProcessor` the policies use; built for each event they handle.
pub fn card_processor() -> impl crate::externals::CardProcessor {
    LoggingCardProcessor
}

/// Logs each call instead of calling `CardProcessor`.
pub struct LoggingCardProcessor;

impl crate::externals::CardProcessor for LoggingCardProcessor {
    fn charge_card(
        &self,
        event: &crate::payment::PaymentRequested,
        key: crate::externals::IdempotencyKey,
    ) -> Result<(), String> {
        eprintln!(
            "CardProcessor: ChargeCard on PaymentRequested (idempotency key {key}): {event:?}"
        );
        Ok(())
    }
}
