// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Upcasts a stored `PaymentFailed` from schema version 1 to 2. The store
//! keeps every event as it was written; this runs on every read of a version-1 payload
//! (also by the contexts that read `PaymentFailed`, which mount this file). The old and
//! new shapes are `V1` and `V2` in `src/versions.rs`.

use super::payment_failed::*;
use stormcraft_runtime::Upcast;

/// `PaymentFailed` version 1 as version 2. Version 1 kept the provider's free-text
/// reason; the provider documents the texts it sent then, one per decline code, so each
/// maps back to its code. A text it never documented is kept, marked as such, rather
/// than guessed.
pub fn upcast(old: V1) -> Upcast<V2> {
    let decline_code = match old.reason.trim().to_ascii_lowercase().as_str() {
        "card declined" | "declined" => "card_declined".to_owned(),
        "insufficient funds" => "insufficient_funds".to_owned(),
        "card expired" | "expired card" => "expired_card".to_owned(),
        "incorrect cvc" => "incorrect_cvc".to_owned(),
        _ => format!("legacy: {}", old.reason),
    };
    Upcast::Done(V2 {
        payment_id: old.payment_id,
        order_id: old.order_id,
        decline_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(reason: &str) -> V1 {
        V1 {
            payment_id: uuid::Uuid::nil(),
            order_id: uuid::Uuid::nil(),
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn documented_reasons_map_to_their_codes_and_others_are_kept() {
        let code = |reason| match upcast(failed(reason)) {
            Upcast::Done(v2) => v2.decline_code,
            Upcast::Pending(what) => panic!("pending: {what}"),
        };
        assert_eq!(code("Insufficient funds"), "insufficient_funds");
        assert_eq!(code(" card declined "), "card_declined");
        assert_eq!(code("bank offline"), "legacy: bank offline");
    }
}
