// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Adapters of the external systems the `shipping` context calls. The defaults
//! only log each call; replace them with real calls (HTTP clients, SDKs), and send
//! each call's `key` along (e.g. as an `Idempotency-Key` header), so the system can drop
//! the repeats of a call: an `Err` makes the policy retry the same event after a pause,
//! and a crash before the checkpoint makes it call again, with the same key.

/// The `Carrier` the policies use; built once per worker.
pub fn carrier() -> impl crate::externals::Carrier {
    LoggingCarrier
}

/// Logs each call instead of calling `Carrier`.
pub struct LoggingCarrier;

impl crate::externals::Carrier for LoggingCarrier {
    fn book_carrier_pickup(
        &self,
        event: &crate::shipment::ShipmentCreated,
        key: crate::externals::IdempotencyKey,
    ) -> Result<(), String> {
        let call = "Carrier: BookCarrierPickup on ShipmentCreated";
        eprintln!("{call} (idempotency key {key}): {event:?}");
        Ok(())
    }
}
