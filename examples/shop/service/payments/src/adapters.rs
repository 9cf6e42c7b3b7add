// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Adapters of the external systems the `payments` context calls. The defaults
//! only log each call; replace them with real calls (HTTP clients, SDKs). An `Err`
//! makes the policy retry the same event after a pause.

/// The `PaymentProvider` the policies use; built once per worker.
pub fn payment_provider() -> impl crate::externals::PaymentProvider {
    LoggingPaymentProvider
}

/// Logs each call instead of calling `PaymentProvider`.
pub struct LoggingPaymentProvider;

impl crate::externals::PaymentProvider for LoggingPaymentProvider {
    fn charge_card(&self, event: &crate::payment::PaymentRequested) -> Result<(), String> {
        let call = "PaymentProvider: ChargeCard on PaymentRequested";
        eprintln!("{call}: {event:?}");
        Ok(())
    }
}
