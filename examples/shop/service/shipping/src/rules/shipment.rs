// Written once by stormcraft; yours to edit. stormcraft never overwrites this file.
//! The business rules of the `Shipment` aggregate.
//!
//! Every rule has a default in the generated `src/shipment.rs` (trait `Rules`):
//! a command emits its declared events, filling their fields by name from the command
//! and the state; an event sets the state fields it carries. To write a real rule,
//! override its method in the `impl` below, e.g.
//!
//! ```text
//! fn create_shipment(&self, state: &State, command: &CreateShipment) -> Result<CreateShipmentOutcome, Error> {
//!     // check the state; return `Err(Error::...)` or the events
//! }
//! ```
//!
//! and list the command's name in `written()`: the generated scenario tests then
//! enforce its scenarios (until then they only print `pending`).

use crate::shipment::*;

use crate::types::ShipmentStatus;

/// The rules of `Shipment`: a shipment exists once `ShipmentCreated` is recorded, is
/// dispatched once, and is delivered once, after it was dispatched.
pub struct ShipmentRules;

impl Rules for ShipmentRules {
    fn create_shipment(
        &self,
        state: &State,
        command: &CreateShipment,
    ) -> Result<CreateShipmentOutcome, Error> {
        if state.status.is_some() {
            return Err(Error::ShipmentAlreadyCreated);
        }
        Ok(ShipmentCreated {
            shipment_id: command.shipment_id,
            order_id: command.order_id,
        }
        .into())
    }

    fn dispatch_shipment(
        &self,
        state: &State,
        command: &DispatchShipment,
    ) -> Result<DispatchShipmentOutcome, Error> {
        match state.status {
            None => Err(Error::NoSuchShipment),
            Some(ShipmentStatus::Created) => {
                Ok(ShipmentDispatched {
                    shipment_id: command.shipment_id,
                    // The order the shipment was created for, not what the request says.
                    order_id: state.order_id,
                    tracking_number: command.tracking_number.clone(),
                    dispatched_at: stormcraft_runtime::aggregate::decision_time().into(),
                }
                .into())
            }
            Some(ShipmentStatus::Dispatched | ShipmentStatus::Delivered) => {
                Err(Error::ShipmentAlreadyDispatched)
            }
        }
    }

    fn confirm_delivery(
        &self,
        state: &State,
        command: &ConfirmDelivery,
    ) -> Result<ConfirmDeliveryOutcome, Error> {
        match state.status {
            None => Err(Error::NoSuchShipment),
            Some(ShipmentStatus::Created) => Err(Error::ShipmentNotDispatched),
            Some(ShipmentStatus::Delivered) => Err(Error::ShipmentAlreadyDelivered),
            Some(ShipmentStatus::Dispatched) => Ok(ShipmentDelivered {
                shipment_id: command.shipment_id,
                order_id: state.order_id,
                delivered_at: stormcraft_runtime::aggregate::decision_time().into(),
                signed_by: command.signed_by.clone(),
            }
            .into()),
        }
    }

    fn apply_shipment_created(&self, state: &mut State, event: &ShipmentCreated) {
        state.order_id = event.order_id;
        state.status = Some(ShipmentStatus::Created);
    }

    fn apply_shipment_dispatched(&self, state: &mut State, event: &ShipmentDispatched) {
        state.tracking_number = Some(event.tracking_number.clone());
        state.status = Some(ShipmentStatus::Dispatched);
    }

    fn apply_shipment_delivered(&self, state: &mut State, _event: &ShipmentDelivered) {
        state.status = Some(ShipmentStatus::Delivered);
    }

    fn written(&self) -> &'static [&'static str] {
        &["CreateShipment", "DispatchShipment", "ConfirmDelivery"]
    }
}
