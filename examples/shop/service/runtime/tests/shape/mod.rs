//! ONE small context, `shop`, written exactly as the generator emits it on this runtime:
//! the specification the templates follow. Every module below is one generated file
//! (named in its doc comment); `rules` and `adapters` are the files a user fills in.
//! Nothing here repeats plumbing: the handler, the workers, the HTTP handlers, the
//! binary and the test harness are the runtime's.

#![allow(dead_code)]

/// `src/order.rs`: the event-sourced `Order` — commands, events, state, errors, the
/// `Rules` trait with its defaults, and the `Aggregate` wiring.
pub mod order {
    use serde::{Deserialize, Serialize};
    use stormcraft_runtime::aggregate::{self, Aggregate, BusinessError, DomainEvent};
    use stormcraft_runtime::RecordedEvent;

    /// A customer orders `quantity` of `sku`.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PlaceOrder {
        pub order_id: uuid::Uuid,
        pub customer: String,
        pub sku: String,
        pub quantity: u32,
    }

    /// Cancels an order.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct CancelOrder {
        pub order_id: uuid::Uuid,
        pub reason: String,
    }

    impl PlaceOrder {
        /// Its declared outcomes: `aggregate::handle` refuses a decision that is none of them.
        pub const OUTCOMES: &'static [aggregate::Outcome] = &[aggregate::Outcome {
            name: "emitted",
            events: &[(OrderPlaced::TYPE, false)],
        }];
    }

    impl CancelOrder {
        /// Its declared outcomes.
        pub const OUTCOMES: &'static [aggregate::Outcome] = &[aggregate::Outcome {
            name: "emitted",
            events: &[(OrderCancelled::TYPE, false)],
        }];
    }

    /// Every command of `Order`.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Command {
        PlaceOrder(Box<PlaceOrder>),
        CancelOrder(Box<CancelOrder>),
    }

    stormcraft_runtime::from_variants!(Command, Box, [PlaceOrder, CancelOrder]);

    impl aggregate::Command for Command {
        fn name(&self) -> &'static str {
            match self {
                Command::PlaceOrder(_) => "PlaceOrder",
                Command::CancelOrder(_) => "CancelOrder",
            }
        }

        fn aggregate_id(&self) -> String {
            match self {
                Command::PlaceOrder(command) => command.order_id.to_string(),
                Command::CancelOrder(command) => command.order_id.to_string(),
            }
        }
    }

    /// Version 2 added `customer`; version 1 is upcast (see `upcasters`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct OrderPlaced {
        pub order_id: uuid::Uuid,
        pub customer: String,
        pub sku: String,
        pub quantity: u32,
    }

    impl OrderPlaced {
        pub const TYPE: &'static str = "OrderPlaced";
        pub const SCHEMA_VERSION: u32 = 2;
    }

    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct OrderCancelled {
        pub order_id: uuid::Uuid,
        pub reason: String,
    }

    impl OrderCancelled {
        pub const TYPE: &'static str = "OrderCancelled";
        pub const SCHEMA_VERSION: u32 = 1;
    }

    /// Every event of `Order`; its JSON is the variant's fields.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    #[serde(untagged)]
    pub enum Event {
        OrderPlaced(OrderPlaced),
        OrderCancelled(OrderCancelled),
    }

    stormcraft_runtime::from_variants!(Event, [OrderPlaced, OrderCancelled]);

    impl DomainEvent for Event {
        fn type_name(&self) -> &'static str {
            match self {
                Event::OrderPlaced(_) => OrderPlaced::TYPE,
                Event::OrderCancelled(_) => OrderCancelled::TYPE,
            }
        }

        fn schema_version(&self) -> u32 {
            match self {
                Event::OrderPlaced(_) => OrderPlaced::SCHEMA_VERSION,
                Event::OrderCancelled(_) => OrderCancelled::SCHEMA_VERSION,
            }
        }

        fn from_recorded(recorded: &RecordedEvent) -> stormcraft_runtime::Result<Option<Self>> {
            Ok(Some(match recorded.event_type.as_str() {
                OrderPlaced::TYPE => Event::OrderPlaced(aggregate::decode(recorded)?),
                OrderCancelled::TYPE => Event::OrderCancelled(aggregate::decode(recorded)?),
                _ => return Ok(None),
            }))
        }
    }

    /// What the rule of [`PlaceOrder`] decides: its outcome, or nothing.
    #[derive(Debug, Clone, PartialEq)]
    pub enum PlaceOrderOutcome {
        /// `emitted`: records `OrderPlaced`.
        Emitted { order_placed: OrderPlaced },
        /// Records nothing (a repeat; a pending default).
        Nothing,
    }

    impl PlaceOrderOutcome {
        /// The outcome's name and its events, as `aggregate::handle` checks them.
        pub fn into_decision(self) -> aggregate::Decision<Event> {
            match self {
                PlaceOrderOutcome::Emitted { order_placed } => {
                    aggregate::Decision::outcome("emitted", vec![Event::OrderPlaced(order_placed)])
                }
                PlaceOrderOutcome::Nothing => aggregate::Decision::Nothing,
            }
        }
    }

    impl From<OrderPlaced> for PlaceOrderOutcome {
        fn from(event: OrderPlaced) -> Self {
            PlaceOrderOutcome::Emitted {
                order_placed: event,
            }
        }
    }

    /// What the rule of [`CancelOrder`] decides: its outcome, or nothing.
    #[derive(Debug, Clone, PartialEq)]
    pub enum CancelOrderOutcome {
        /// `emitted`: records `OrderCancelled`.
        Emitted { order_cancelled: OrderCancelled },
        /// Records nothing (a repeat; a pending default).
        Nothing,
    }

    impl CancelOrderOutcome {
        /// The outcome's name and its events, as `aggregate::handle` checks them.
        pub fn into_decision(self) -> aggregate::Decision<Event> {
            match self {
                CancelOrderOutcome::Emitted { order_cancelled } => aggregate::Decision::outcome(
                    "emitted",
                    vec![Event::OrderCancelled(order_cancelled)],
                ),
                CancelOrderOutcome::Nothing => aggregate::Decision::Nothing,
            }
        }
    }

    impl From<OrderCancelled> for CancelOrderOutcome {
        fn from(event: OrderCancelled) -> Self {
            CancelOrderOutcome::Emitted {
                order_cancelled: event,
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct State {
        pub placed: bool,
        pub cancelled: bool,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Error {
        EmptyOrder,
        OrderAlreadyPlaced,
        OrderNotPlaced,
        OrderAlreadyCancelled,
    }

    impl BusinessError for Error {
        fn name(&self) -> &'static str {
            match self {
                Error::EmptyOrder => "EmptyOrder",
                Error::OrderAlreadyPlaced => "OrderAlreadyPlaced",
                Error::OrderNotPlaced => "OrderNotPlaced",
                Error::OrderAlreadyCancelled => "OrderAlreadyCancelled",
            }
        }
    }

    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                Error::EmptyOrder => "an order needs a quantity",
                Error::OrderAlreadyPlaced => "this order id is already taken",
                Error::OrderNotPlaced => "there is no such order",
                Error::OrderAlreadyCancelled => "the order is already cancelled",
            })
        }
    }

    /// The business rules of `Order`; override them in `src/rules/order.rs`.
    pub trait Rules {
        fn place_order(
            &self,
            _state: &State,
            command: &PlaceOrder,
        ) -> Result<PlaceOrderOutcome, Error> {
            Ok(PlaceOrderOutcome::Emitted {
                order_placed: OrderPlaced {
                    order_id: command.order_id,
                    customer: command.customer.clone(),
                    sku: command.sku.clone(),
                    quantity: command.quantity,
                },
            })
        }

        fn cancel_order(
            &self,
            _state: &State,
            command: &CancelOrder,
        ) -> Result<CancelOrderOutcome, Error> {
            Ok(CancelOrderOutcome::Emitted {
                order_cancelled: OrderCancelled {
                    order_id: command.order_id,
                    reason: command.reason.clone(),
                },
            })
        }

        fn apply_order_placed(&self, _state: &mut State, _event: &OrderPlaced) {}

        fn apply_order_cancelled(&self, _state: &mut State, _event: &OrderCancelled) {}

        /// The commands whose rules are written: their scenarios are enforced.
        fn written(&self) -> &'static [&'static str] {
            &[]
        }
    }

    /// The aggregate `Order`.
    pub struct Order;

    impl Aggregate for Order {
        const CATEGORY: &'static str = "shop-Order";
        const SNAPSHOT_EVERY: u64 = 2;
        type State = State;
        type Command = Command;
        type Event = Event;
        type Error = Error;

        fn decide(state: &State, command: &Command) -> Result<aggregate::Decision<Event>, Error> {
            let rules = crate::shape::rules::order::OrderRules;
            match command {
                Command::PlaceOrder(command) => rules
                    .place_order(state, command)
                    .map(PlaceOrderOutcome::into_decision),
                Command::CancelOrder(command) => rules
                    .cancel_order(state, command)
                    .map(CancelOrderOutcome::into_decision),
            }
        }

        fn evolve(mut state: State, event: &Event) -> State {
            let rules = crate::shape::rules::order::OrderRules;
            match event {
                Event::OrderPlaced(event) => rules.apply_order_placed(&mut state, event),
                Event::OrderCancelled(event) => rules.apply_order_cancelled(&mut state, event),
            }
            state
        }

        fn outcomes(command: &str) -> &'static [aggregate::Outcome] {
            match command {
                "PlaceOrder" => PlaceOrder::OUTCOMES,
                "CancelOrder" => CancelOrder::OUTCOMES,
                _ => &[],
            }
        }
    }
}

/// `src/stock.rs`: the state-stored `Stock` (one row per sku, events as its outbox).
pub mod stock {
    use serde::{Deserialize, Serialize};
    use stormcraft_runtime::aggregate::{self, Aggregate, BusinessError, DomainEvent, Persistence};
    use stormcraft_runtime::RecordedEvent;

    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ReserveStock {
        pub sku: String,
        pub order_id: uuid::Uuid,
        pub quantity: u32,
    }

    #[derive(Debug, Clone, PartialEq)]
    pub enum Command {
        ReserveStock(Box<ReserveStock>),
    }

    stormcraft_runtime::from_variants!(Command, Box, [ReserveStock]);

    impl aggregate::Command for Command {
        fn name(&self) -> &'static str {
            match self {
                Command::ReserveStock(_) => "ReserveStock",
            }
        }

        fn aggregate_id(&self) -> String {
            match self {
                Command::ReserveStock(command) => command.sku.clone(),
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct StockReserved {
        pub sku: String,
        pub order_id: uuid::Uuid,
        pub quantity: u32,
    }

    impl StockReserved {
        pub const TYPE: &'static str = "StockReserved";
        pub const SCHEMA_VERSION: u32 = 1;
    }

    #[derive(Debug, Clone, PartialEq, Serialize)]
    #[serde(untagged)]
    pub enum Event {
        StockReserved(StockReserved),
    }

    stormcraft_runtime::from_variants!(Event, [StockReserved]);

    impl DomainEvent for Event {
        fn type_name(&self) -> &'static str {
            match self {
                Event::StockReserved(_) => StockReserved::TYPE,
            }
        }

        fn schema_version(&self) -> u32 {
            match self {
                Event::StockReserved(_) => StockReserved::SCHEMA_VERSION,
            }
        }

        fn from_recorded(recorded: &RecordedEvent) -> stormcraft_runtime::Result<Option<Self>> {
            Ok(Some(match recorded.event_type.as_str() {
                StockReserved::TYPE => Event::StockReserved(aggregate::decode(recorded)?),
                _ => return Ok(None),
            }))
        }
    }

    /// What the rule of [`ReserveStock`] decides: its outcome, or nothing.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ReserveStockOutcome {
        /// `emitted`: records `StockReserved`.
        Emitted { stock_reserved: StockReserved },
        /// Records nothing (a repeat; a pending default).
        Nothing,
    }

    impl ReserveStockOutcome {
        /// The outcome's name and its events, as `aggregate::handle` checks them.
        pub fn into_decision(self) -> aggregate::Decision<Event> {
            match self {
                ReserveStockOutcome::Emitted { stock_reserved } => aggregate::Decision::outcome(
                    "emitted",
                    vec![Event::StockReserved(stock_reserved)],
                ),
                ReserveStockOutcome::Nothing => aggregate::Decision::Nothing,
            }
        }
    }

    impl From<StockReserved> for ReserveStockOutcome {
        fn from(event: StockReserved) -> Self {
            ReserveStockOutcome::Emitted {
                stock_reserved: event,
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct State {
        pub reserved: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Error {
        OutOfStock,
    }

    impl BusinessError for Error {
        fn name(&self) -> &'static str {
            match self {
                Error::OutOfStock => "OutOfStock",
            }
        }
    }

    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                Error::OutOfStock => "not enough stock left for this order",
            })
        }
    }

    pub trait Rules {
        fn reserve_stock(
            &self,
            _state: &State,
            command: &ReserveStock,
        ) -> Result<ReserveStockOutcome, Error> {
            Ok(ReserveStockOutcome::Emitted {
                stock_reserved: StockReserved {
                    sku: command.sku.clone(),
                    order_id: command.order_id,
                    quantity: command.quantity,
                },
            })
        }

        fn apply_stock_reserved(&self, _state: &mut State, _event: &StockReserved) {}

        fn written(&self) -> &'static [&'static str] {
            &[]
        }
    }

    pub struct Stock;

    impl Aggregate for Stock {
        const CATEGORY: &'static str = "shop-Stock";
        const PERSISTENCE: Persistence = Persistence::StateStored {
            table: "shop.Stock",
        };
        type State = State;
        type Command = Command;
        type Event = Event;
        type Error = Error;

        fn decide(state: &State, command: &Command) -> Result<aggregate::Decision<Event>, Error> {
            let rules = crate::shape::rules::stock::StockRules;
            match command {
                Command::ReserveStock(command) => rules
                    .reserve_stock(state, command)
                    .map(ReserveStockOutcome::into_decision),
            }
        }

        fn evolve(mut state: State, event: &Event) -> State {
            let rules = crate::shape::rules::stock::StockRules;
            match event {
                Event::StockReserved(event) => rules.apply_stock_reserved(&mut state, event),
            }
            state
        }
    }
}

/// `src/externals.rs`: the external systems the context calls.
pub mod externals {
    pub trait EmailService: Send + Sync + 'static {
        /// Called by `NotifyCustomerWhenCancelled`. An `Err` is retried.
        fn order_cancelled(
            &self,
            event: &crate::shape::order::OrderCancelled,
        ) -> Result<(), String>;
    }
}

/// `src/upstream.rs`: copies of what the context uses from others — here the command
/// `billing.RefundOrder` a policy issues through billing's inbox.
pub mod upstream {
    pub mod billing {
        use serde::{Deserialize, Serialize};

        /// The command `RefundOrder` of `billing`.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub struct RefundOrder {
            pub order_id: uuid::Uuid,
            pub reason: String,
        }
    }
}

/// `src/policies.rs`: the `PolicyRules` trait with its defaults, one `issue_<policy>`
/// per policy that issues a command (what deadline and schedule workers call too), one
/// thin handler per event-triggered policy, and the worker table.
pub mod policies {
    use stormcraft_runtime::aggregate::{decode, Cause};
    use stormcraft_runtime::policy::{self, Views};
    use stormcraft_runtime::{inbox, ProjectionTx, RecordedEvent, Store};

    use crate::shape::externals::EmailService;
    use crate::shape::upstream::billing;
    use crate::shape::{order, stock};

    pub trait PolicyRules {
        /// `ReserveStockWhenOrderPlaced`: the command to issue on `OrderPlaced`.
        fn reserve_stock_when_order_placed(
            &self,
            event: &order::OrderPlaced,
            _source: &RecordedEvent,
            _views: &Views<'_>,
        ) -> Option<stock::ReserveStock> {
            Some(stock::ReserveStock {
                sku: event.sku.clone(),
                order_id: event.order_id,
                quantity: event.quantity,
            })
        }

        /// `RefundWhenOrderCancelled`: the command of `billing` to issue on
        /// `OrderCancelled`.
        fn refund_when_order_cancelled(
            &self,
            event: &order::OrderCancelled,
            _source: &RecordedEvent,
            _views: &Views<'_>,
        ) -> Option<billing::RefundOrder> {
            Some(billing::RefundOrder {
                order_id: event.order_id,
                reason: event.reason.clone(),
            })
        }

        fn written(&self) -> &'static [&'static str] {
            &[]
        }
    }

    pub const WORKERS: &[stormcraft_runtime::worker::Worker] = &[
        stormcraft_runtime::worker::Worker::new(
            "shop.ReserveStockWhenOrderPlaced",
            &[("shop-Order", "OrderPlaced")],
            reserve_stock_when_order_placed,
        ),
        stormcraft_runtime::worker::Worker::new(
            "shop.RefundWhenOrderCancelled",
            &[("shop-Order", "OrderCancelled")],
            refund_when_order_cancelled,
        ),
        stormcraft_runtime::worker::Worker::new(
            "shop.NotifyCustomerWhenCancelled",
            &[("shop-Order", "OrderCancelled")],
            notify_customer_when_cancelled,
        ),
    ];

    /// Carries out `ReserveStockWhenOrderPlaced`'s command (a refusal is recorded in
    /// `shop-Rejection`).
    pub(crate) fn issue_reserve_stock_when_order_placed(
        store: &Store,
        cause: Cause<'_>,
        command: Option<stock::ReserveStock>,
    ) -> stormcraft_runtime::Result<()> {
        policy::issue::<stock::Stock>(store, cause, command)
    }

    /// Sends `RefundWhenOrderCancelled`'s command to billing's inbox (billing records a
    /// refusal in `shop-Rejection`).
    pub(crate) fn issue_refund_when_order_cancelled(
        store: &Store,
        cause: Cause<'_>,
        command: Option<billing::RefundOrder>,
    ) -> stormcraft_runtime::Result<()> {
        let Some(command) = command else {
            return Ok(());
        };
        let body = serde_json::to_value(&command).map_err(|error| {
            stormcraft_runtime::Error::InvalidInput(format!(
                "`RefundOrder` cannot be written as JSON: {error}"
            ))
        })?;
        inbox::send(store, cause, "billing", "RefundOrder", body, 1).map(drop)
    }

    fn reserve_stock_when_order_placed(
        store: &Store,
        cause: Cause<'_>,
        _: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        let event = decode(cause.event)?;
        let views = Views::new(store, cause);
        let rules = crate::shape::rules::policies::Policies;
        let command = rules.reserve_stock_when_order_placed(&event, cause.event, &views);
        issue_reserve_stock_when_order_placed(store, cause, command)
    }

    fn refund_when_order_cancelled(
        store: &Store,
        cause: Cause<'_>,
        _: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        let event = decode(cause.event)?;
        let views = Views::new(store, cause);
        let rules = crate::shape::rules::policies::Policies;
        let command = rules.refund_when_order_cancelled(&event, cause.event, &views);
        issue_refund_when_order_cancelled(store, cause, command)
    }

    fn notify_customer_when_cancelled(
        _: &Store,
        cause: Cause<'_>,
        _: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        let event = decode(cause.event)?;
        policy::external(
            cause,
            crate::shape::adapters::email_service().order_cancelled(&event),
        )
    }
}

/// `src/inbox.rs`: the commands other contexts may send to `shop`, and its inbox worker.
pub mod inbox {
    use stormcraft_runtime::aggregate::Cause;
    use stormcraft_runtime::inbox::{self, Refusal};
    use stormcraft_runtime::{ProjectionTx, Store, Value};

    use crate::shape::{order, stock};

    /// Carries out one command of the inbox; an unknown one is refused.
    pub fn dispatch(
        store: &Store,
        cause: Cause<'_>,
        command: &str,
        body: &Value,
    ) -> stormcraft_runtime::Result<Result<(), Refusal>> {
        match command {
            "PlaceOrder" => inbox::carry_out::<order::Order, order::PlaceOrder>(store, cause, body),
            "CancelOrder" => {
                inbox::carry_out::<order::Order, order::CancelOrder>(store, cause, body)
            }
            "ReserveStock" => {
                inbox::carry_out::<stock::Stock, stock::ReserveStock>(store, cause, body)
            }
            other => Ok(Err(Refusal::unknown_command("shop", other))),
        }
    }

    pub const WORKERS: &[stormcraft_runtime::worker::Worker] =
        &[stormcraft_runtime::worker::Worker::new(
            "shop.inbox",
            &[("shop-Inbox", "CommandSent")],
            inbox_worker,
        )];

    fn inbox_worker(
        store: &Store,
        cause: Cause<'_>,
        _: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        inbox::handle(store, cause, "shop", dispatch)
    }
}

/// `src/recovery.rs`: what the model's `on_error` says to do with each rejection of a
/// command `shop` issued, the `RecoveryRules` trait (one method per compensation, the
/// compensating command built from the rejected one), and the recovery worker.
///
/// ```yaml
/// ReserveStockWhenOrderPlaced:
///   on: OrderPlaced
///   issue: ReserveStock
///   on_error:
///     OutOfStock: { issue: CancelOrder }                         # compensate
/// RefundWhenOrderCancelled:
///   on: OrderCancelled
///   issue: billing.RefundOrder
///   on_error:
///     PaymentProviderDown: { retry: { times: 3 } }               # retry
///     AlreadyRefunded: park                                      # keep it listed
/// ```
pub mod recovery {
    use stormcraft_runtime::aggregate::Cause;
    use stormcraft_runtime::rejections::{self, Rejection};
    use stormcraft_runtime::{inbox, policy, ProjectionTx, Store};

    use crate::shape::{order, stock};

    pub trait RecoveryRules {
        /// `ReserveStockWhenOrderPlaced`, on `OutOfStock`: the compensating `CancelOrder`
        /// (default: the fields of the same name copied from the rejected command).
        fn reserve_stock_when_order_placed_out_of_stock(
            &self,
            _rejection: &Rejection,
            command: &stock::ReserveStock,
        ) -> Option<order::CancelOrder> {
            Some(order::CancelOrder {
                order_id: command.order_id,
                reason: Default::default(),
            })
        }
    }

    /// How many times `RefundWhenOrderCancelled` retries on `PaymentProviderDown`.
    const REFUND_WHEN_ORDER_CANCELLED_PAYMENT_PROVIDER_DOWN_TIMES: u32 = 3;

    pub const WORKERS: &[stormcraft_runtime::worker::Worker] =
        &[stormcraft_runtime::worker::Worker::new(
            "shop.recovery",
            &[("shop-Rejection", "CommandRejected")],
            recovery,
        )];

    /// Applies the `on_error` of (policy, command, error); anything else is parked: it
    /// stays in `GET /rejections`. The rejection event is the cause, so handling it
    /// again issues nothing twice.
    fn recovery(
        store: &Store,
        cause: Cause<'_>,
        _: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        let rejection = rejections::decode(cause.event)?;
        let rules = crate::shape::rules::recovery::Recovery;
        match (
            rejection.policy.as_str(),
            rejection.command.as_str(),
            rejection.error.as_str(),
        ) {
            ("ReserveStockWhenOrderPlaced", "ReserveStock", "OutOfStock") => {
                let command = rejection.body_as::<stock::ReserveStock>()?;
                let compensation =
                    rules.reserve_stock_when_order_placed_out_of_stock(&rejection, &command);
                policy::issue::<order::Order>(store, cause, compensation)
            }
            ("RefundWhenOrderCancelled", "RefundOrder", "PaymentProviderDown")
                if rejection.attempt <= REFUND_WHEN_ORDER_CANCELLED_PAYMENT_PROVIDER_DOWN_TIMES =>
            {
                let attempt = rejection.attempt + 1;
                inbox::send(
                    store,
                    cause,
                    "billing",
                    "RefundOrder",
                    rejection.body,
                    attempt,
                )
                .map(drop)
            }
            _ => Ok(()),
        }
    }
}

/// `src/projections.rs`: the rows, the `ProjectionRules` trait with its defaults, one
/// handler per read model, and the worker table.
pub mod projections {
    use serde::{Deserialize, Serialize};
    use stormcraft_runtime::aggregate::{decode, Cause};
    use stormcraft_runtime::projection::{update_row, Row};
    use stormcraft_runtime::{ProjectionTx, Store};

    use crate::shape::{order, stock};

    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct OrderSummary {
        pub order_id: uuid::Uuid,
        pub customer: String,
        pub quantity: u32,
        pub reserved: bool,
        pub cancelled: bool,
    }

    impl Row for OrderSummary {
        const TABLE: &'static str = "shop.OrderSummary";
        const EVENTS: &'static [(&'static str, &'static str)] = &[
            ("shop-Order", "OrderPlaced"),
            ("shop-Order", "OrderCancelled"),
            ("shop-Stock", "StockReserved"),
        ];
        const FILTERS: &'static [&'static str] = &["customer", "cancelled"];
    }

    pub trait ProjectionRules {
        fn order_summary_on_order_placed(
            &self,
            row: &mut OrderSummary,
            event: &order::OrderPlaced,
        ) {
            row.order_id = event.order_id;
            row.customer = event.customer.clone();
            row.quantity = event.quantity;
        }

        fn order_summary_on_order_cancelled(
            &self,
            row: &mut OrderSummary,
            event: &order::OrderCancelled,
        ) {
            row.order_id = event.order_id;
        }

        fn order_summary_on_stock_reserved(
            &self,
            row: &mut OrderSummary,
            event: &stock::StockReserved,
        ) {
            row.order_id = event.order_id;
            row.quantity = event.quantity;
        }
    }

    pub const WORKERS: &[stormcraft_runtime::worker::Worker] =
        &[stormcraft_runtime::worker::Worker::projection::<OrderSummary>(order_summary)];

    fn order_summary(
        _: &Store,
        cause: Cause<'_>,
        tx: &mut dyn ProjectionTx,
    ) -> stormcraft_runtime::Result<()> {
        let rules = crate::shape::rules::projections::Projections;
        match cause.event.event_type.as_str() {
            order::OrderPlaced::TYPE => {
                let event: order::OrderPlaced = decode(cause.event)?;
                update_row(tx, &event.order_id.to_string(), |row| {
                    rules.order_summary_on_order_placed(row, &event)
                })
            }
            order::OrderCancelled::TYPE => {
                let event: order::OrderCancelled = decode(cause.event)?;
                update_row(tx, &event.order_id.to_string(), |row| {
                    rules.order_summary_on_order_cancelled(row, &event)
                })
            }
            stock::StockReserved::TYPE => {
                let event: stock::StockReserved = decode(cause.event)?;
                update_row(tx, &event.order_id.to_string(), |row| {
                    rules.order_summary_on_stock_reserved(row, &event)
                })
            }
            _ => Ok(()),
        }
    }
}

/// `src/service.rs`: the routes.
pub mod service {
    use axum::routing::{get, post};
    use stormcraft_runtime::http::{command, context_health, metrics, rejections, row, rows};
    use stormcraft_runtime::Store;

    use crate::shape::{order, projections, stock};

    pub fn router(store: Store) -> axum::Router {
        axum::Router::new()
            .route("/health", context_health("shop", crate::shape::workers))
            .route("/metrics", metrics("shop", crate::shape::workers))
            .route("/rejections", rejections("shop"))
            .route(
                "/commands/PlaceOrder",
                post(command::<order::Order, order::PlaceOrder>),
            )
            .route(
                "/commands/CancelOrder",
                post(command::<order::Order, order::CancelOrder>),
            )
            .route(
                "/commands/ReserveStock",
                post(command::<stock::Stock, stock::ReserveStock>),
            )
            .route("/order-summaries", get(rows::<projections::OrderSummary>))
            .route(
                "/order-summaries/{key}",
                get(row::<projections::OrderSummary>),
            )
            .with_state(store)
    }
}

/// `src/lib.rs`: the context's workers and upcasters, for `main.rs` and the app.
pub fn workers() -> Vec<stormcraft_runtime::worker::Worker> {
    [
        policies::WORKERS,
        projections::WORKERS,
        inbox::WORKERS,
        recovery::WORKERS,
    ]
    .concat()
}

/// The upcasters of the context's events: generated from `src/rules/upcasters.rs`, the
/// place a user registers one when an event's schema version goes up.
pub fn upcasters() -> stormcraft_runtime::Upcasters {
    rules::upcasters::register(stormcraft_runtime::Upcasters::new())
}

/// `src/main.rs`: the whole binary (here a function, since a test has its own `main`).
pub async fn main() -> std::process::ExitCode {
    stormcraft_runtime::http::main(stormcraft_runtime::http::Service {
        name: "shop",
        default_store: "sqlite:shop.db",
        upcasters: upcasters(),
        workers: workers(),
        pending: Vec::new(),
        start: |_| Ok(()),
        router: service::router,
    })
    .await
}

/// `src/rules/`: written once, then the user's. Here they hold a few real rules.
pub mod rules {
    pub mod order {
        use crate::shape::order::*;

        pub struct OrderRules;

        impl Rules for OrderRules {
            fn place_order(
                &self,
                state: &State,
                command: &PlaceOrder,
            ) -> Result<PlaceOrderOutcome, Error> {
                if state.placed {
                    return Err(Error::OrderAlreadyPlaced);
                }
                if command.quantity == 0 {
                    return Err(Error::EmptyOrder);
                }
                Ok(OrderPlaced {
                    order_id: command.order_id,
                    customer: command.customer.clone(),
                    sku: command.sku.clone(),
                    quantity: command.quantity,
                }
                .into())
            }

            fn cancel_order(
                &self,
                state: &State,
                command: &CancelOrder,
            ) -> Result<CancelOrderOutcome, Error> {
                if !state.placed {
                    return Err(Error::OrderNotPlaced);
                }
                if state.cancelled {
                    return Err(Error::OrderAlreadyCancelled);
                }
                Ok(OrderCancelled {
                    order_id: command.order_id,
                    reason: command.reason.clone(),
                }
                .into())
            }

            fn apply_order_placed(&self, state: &mut State, _event: &OrderPlaced) {
                state.placed = true;
            }

            fn apply_order_cancelled(&self, state: &mut State, _event: &OrderCancelled) {
                state.cancelled = true;
            }

            fn written(&self) -> &'static [&'static str] {
                &["PlaceOrder", "CancelOrder"]
            }
        }
    }

    pub mod stock {
        use crate::shape::stock::*;

        /// Ten of every sku: the rule is written, but not listed in `written()` yet, so
        /// its scenarios stay pending.
        pub struct StockRules;

        impl Rules for StockRules {
            fn reserve_stock(
                &self,
                state: &State,
                command: &ReserveStock,
            ) -> Result<ReserveStockOutcome, Error> {
                if state.reserved + command.quantity > 10 {
                    return Err(Error::OutOfStock);
                }
                Ok(StockReserved {
                    sku: command.sku.clone(),
                    order_id: command.order_id,
                    quantity: command.quantity,
                }
                .into())
            }

            fn apply_stock_reserved(&self, state: &mut State, event: &StockReserved) {
                state.reserved += event.quantity;
            }
        }
    }

    pub mod policies {
        pub struct Policies;

        impl crate::shape::policies::PolicyRules for Policies {
            fn written(&self) -> &'static [&'static str] {
                &["ReserveStockWhenOrderPlaced"]
            }
        }
    }

    pub mod recovery {
        use crate::shape::{order, stock};
        use stormcraft_runtime::rejections::Rejection;

        pub struct Recovery;

        impl crate::shape::recovery::RecoveryRules for Recovery {
            fn reserve_stock_when_order_placed_out_of_stock(
                &self,
                rejection: &Rejection,
                command: &stock::ReserveStock,
            ) -> Option<order::CancelOrder> {
                Some(order::CancelOrder {
                    order_id: command.order_id,
                    reason: format!("out of stock: {}", rejection.message),
                })
            }
        }
    }

    pub mod projections {
        pub struct Projections;

        impl crate::shape::projections::ProjectionRules for Projections {
            fn order_summary_on_order_cancelled(
                &self,
                row: &mut crate::shape::projections::OrderSummary,
                _event: &crate::shape::order::OrderCancelled,
            ) {
                row.cancelled = true;
            }

            fn order_summary_on_stock_reserved(
                &self,
                row: &mut crate::shape::projections::OrderSummary,
                _event: &crate::shape::stock::StockReserved,
            ) {
                row.reserved = true;
            }
        }
    }

    pub mod upcasters {
        /// `OrderPlaced` version 1 had no `customer`.
        pub fn register(upcasters: stormcraft_runtime::Upcasters) -> stormcraft_runtime::Upcasters {
            upcasters.register("OrderPlaced", 1, |mut payload| {
                payload["customer"] = serde_json::Value::String("unknown".into());
                Ok((2, payload))
            })
        }
    }
}

/// `src/adapters.rs`: the user's implementations of the external systems; this one
/// records each e-mail, so the test can see the external call.
pub mod adapters {
    pub static SENT: std::sync::Mutex<Vec<uuid::Uuid>> = std::sync::Mutex::new(Vec::new());

    pub fn email_service() -> impl crate::shape::externals::EmailService {
        RecordingEmail
    }

    pub struct RecordingEmail;

    impl crate::shape::externals::EmailService for RecordingEmail {
        fn order_cancelled(
            &self,
            event: &crate::shape::order::OrderCancelled,
        ) -> Result<(), String> {
            let mut sent = SENT.lock().map_err(|e| e.to_string())?;
            sent.push(event.order_id);
            Ok(())
        }
    }
}
