// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! How the read models of the `shipping` context change with each event.
//!
//! `ShipmentQueue` is what the warehouse packs: the address and the lines come from
//! ordering's published `OrderPlaced` (ordering's `Address` and `OrderLine` are other
//! types here, so they are converted field by field; a parcel line needs only the
//! product and the quantity), and the status follows the shipment's events.

use crate::projections::*;
use crate::shipment::{ShipmentCreated, ShipmentDelivered, ShipmentDispatched};
use crate::types::{Address, ParcelLine, ShipmentStatus};
use crate::upstream::ordering::OrderPlaced;

/// The projection rules; the defaults of [`ProjectionRules`] apply until you override them.
pub struct Projections;

impl ProjectionRules for Projections {
    fn written(&self) -> &'static [&'static str] {
        &["ShipmentQueue.lines", "ShipmentQueue.status"]
    }

    fn shipment_queue_on_order_placed(&self, row: &mut ShipmentQueue, event: &OrderPlaced) {
        row.order_id = event.order_id;
        let address = &event.shipping_address;
        row.shipping_address = Address {
            recipient: address.recipient.clone(),
            street: address.street.clone(),
            postal_code: address.postal_code.clone(),
            city: address.city.clone(),
            country: address.country.clone(),
        };
        row.lines = Some(
            event
                .lines
                .iter()
                .map(|line| ParcelLine {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect(),
        );
    }

    fn shipment_queue_on_shipment_created(&self, row: &mut ShipmentQueue, event: &ShipmentCreated) {
        row.order_id = event.order_id;
        row.shipment_id = Some(event.shipment_id);
        row.status = Some(ShipmentStatus::Created);
    }

    fn shipment_queue_on_shipment_dispatched(
        &self,
        row: &mut ShipmentQueue,
        event: &ShipmentDispatched,
    ) {
        row.order_id = event.order_id;
        row.shipment_id = Some(event.shipment_id);
        row.tracking_number = Some(event.tracking_number.clone());
        row.status = Some(ShipmentStatus::Dispatched);
    }

    fn shipment_queue_on_shipment_delivered(
        &self,
        row: &mut ShipmentQueue,
        event: &ShipmentDelivered,
    ) {
        row.order_id = event.order_id;
        row.shipment_id = Some(event.shipment_id);
        row.status = Some(ShipmentStatus::Delivered);
    }
}
