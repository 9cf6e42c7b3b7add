// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! Upcasts a stored `OrderPlaced` from schema version 1 to 2. The store
//! keeps every event as it was written; this runs on every read of a version-1 payload
//! (also by the contexts that read `OrderPlaced`, which mount this file). The old and
//! new shapes are `V1` and `V2` in `src/versions.rs`.

use super::order_placed::*;
use stormcraft_runtime::Upcast;

/// `OrderPlaced` version 1 as version 2: the address was called `delivery_address`, and
/// orders of version 1 were placed before coupons existed, so they have none.
pub fn upcast(old: V1) -> Upcast<V2> {
    Upcast::Done(V2 {
        order_id: old.order_id,
        customer_id: old.customer_id,
        lines: old.lines,
        total: old.total,
        shipping_address: old.delivery_address,
        coupon_code: None,
        placed_at: old.placed_at,
    })
}
