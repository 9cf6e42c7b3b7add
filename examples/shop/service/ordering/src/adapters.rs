// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Adapters of the external systems the `ordering` context calls. The defaults
//! only log each call; replace them with real calls (HTTP clients, SDKs), and send
//! each call's `key` along (e.g. as an `Idempotency-Key` header), so the system can drop
//! the repeats of a call: an `Err` makes the policy retry the same event after a pause,
//! and a crash before the checkpoint makes it call again, with the same key.

/// The `EmailService` the policies use; built once per worker.
pub fn email_service() -> impl crate::externals::EmailService {
    LoggingEmailService
}

/// Logs each call instead of calling `EmailService`.
pub struct LoggingEmailService;

impl crate::externals::EmailService for LoggingEmailService {
    fn tell_customer_about_cancellation(
        &self,
        event: &crate::order::OrderCancelled,
        key: crate::externals::IdempotencyKey,
    ) -> Result<(), String> {
        let call = "EmailService: TellCustomerAboutCancellation on OrderCancelled";
        eprintln!("{call} (idempotency key {key}): {event:?}");
        Ok(())
    }
}
