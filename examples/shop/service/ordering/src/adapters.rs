// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Adapters of the external systems the `ordering` context calls. The defaults
//! only log each call; replace them with real calls (HTTP clients, SDKs). An `Err`
//! makes the policy retry the same event after a pause.

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
    ) -> Result<(), String> {
        let call = "EmailService: TellCustomerAboutCancellation on OrderCancelled";
        eprintln!("{call}: {event:?}");
        Ok(())
    }
}
