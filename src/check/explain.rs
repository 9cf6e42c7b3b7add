//! Long explanations of each diagnostic code, for `stormcraft explain`.
//!
//! The texts are data: one [`Explanation`] per [`Code`]. Each example is a complete
//! model, so a reader can paste it into a file and run `stormcraft check` on it, and
//! a test checks that every `Bad` model triggers its code and every `Fixed` model is
//! clean.

use super::rules;
use crate::diagnostic::{Code, Severity};

/// What `stormcraft explain` says about one rule.
#[derive(Clone, Copy, Debug)]
pub struct Explanation {
    /// What the rule checks and why it matters (paragraphs separated by blank lines).
    pub text: &'static str,
    /// A complete model that triggers the rule.
    pub bad: &'static str,
    /// The same model, fixed: it passes `check` without any finding.
    pub fixed: &'static str,
}

/// The explanation of `code`, printed by [`explain`].
pub fn explanation(code: Code) -> Explanation {
    match code {
        Code::YamlSyntax => Explanation {
            text: r#"The file could not be parsed as YAML at all, so nothing else in it can be checked. Common causes are an unclosed `[` or `{`, a tab used for indentation, or a key and its value at inconsistent indentation.

The label points at the place where the parser gave up; the real mistake is often just before it."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::UnknownKey => Explanation {
            text: r#"A mapping holds a key that the model format does not define. Usually it is a typo (`emit` for `emits`), and the help line names the closest key. Unknown keys are errors rather than being ignored, because an ignored `emit:` would silently drop the events a command emits."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emit: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::WrongType => Explanation {
            text: r#"A value has the wrong kind: a list where a mapping is expected, text where `true`/`false` is expected, an unknown `persistence`. Only YAML 1.2 booleans count, so `yes` and `on` are text, not `true`."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            published: yes
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::MissingKey => Explanation {
            text: r#"A required key is absent: the model's `system` name, a read model's `key`, a policy's `on`, a field's `type`, or whether a type is a record (`fields`) or an enum (`enum`). The label points at the element that needs it."#,
            bad: r#"stormcraft: 1
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::FormatVersion => Explanation {
            text: r#"Every model file starts with `stormcraft: 1`, the version of the model format it is written in. A file without it, an empty file, or a version this build does not read is rejected, so that a future format change can never be misread silently."#,
            bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::InvalidName => Explanation {
            text: r#"Names follow one convention per kind, because they become code: contexts and fields are snake_case (`order_lines`), everything else (actors, externals, types, aggregates, commands, events, policies, read models, errors, enum variants) is PascalCase (`OrderPlaced`). The help line gives the converted spelling."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [order_placed]
        events:
          order_placed: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::DuplicateName => Explanation {
            text: r#"A name is defined twice in one namespace. All PascalCase elements of a context (types, aggregates, commands, events, policies, read models) share one namespace, because they become items of one generated crate; actors and external systems share the model-wide one; contexts are unique in the model, also across the files of a folder."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          PlaceOrder:
            by: Customer
            emits: [CartCheckedOut]
        events:
          CartCheckedOut: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          CheckOutCart:
            by: Customer
            emits: [CartCheckedOut]
        events:
          CartCheckedOut: {}
"#,
        },
        Code::UnresolvedReference => Explanation {
            text: r#"A reference names nothing of the kind expected there: an event in `emits`, `on`, `from`, `given` or `then`; a command in `issue` or `when`; an actor or external system in `by` or `call`; a type in a field; a context in `context.Name`. A bare name refers to the current context; another context's element is written `context.Name`. The help line suggests the closest existing name."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlacd]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::UnpublishedEvent => Explanation {
            text: r#"A policy or read model uses an event of another context that this context does not publish. Bounded contexts only depend on each other's published events: an event without `published: true` is an internal detail its context may change at any time."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
    policies:
      ShipOnOrder:
        on: ordering.OrderPlaced
        issue: ShipParcel
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            published: true
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
    policies:
      ShipOnOrder:
        on: ordering.OrderPlaced
        issue: ShipParcel
"#,
        },
        Code::BadTypeExpression => Explanation {
            text: r#"A field type is not a valid type expression. Types are a primitive (`string bool i32 i64 u32 u64 f64 decimal uuid timestamp date bytes json`), a type of the context, `T?` (optional), `[T]` (a list) or `map<string, T>`. Map keys are always `string`, as in JSON."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields:
              lines: list<string>
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields:
              lines: "[string]"
"#,
        },
        Code::RecursiveType => Explanation {
            text: r#"A record contains itself by value, directly or through other records, so a value of it would be infinitely large (and the generated Rust struct would not compile). Put an optional, a list or a map on the way; they can be empty and end the recursion."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      Category:
        fields:
          name: string
          parent: Category
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      Category:
        fields:
          name: string
          parent: Category?
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::IdFieldConflict => Explanation {
            text: r#"Every command and event of an aggregate carries the aggregate's id field (`id: uuid` unless `id:` says otherwise). A message that declares a field of that name with a different type contradicts it. Leave the field out: it is there already."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: {name: order_id, type: u64}
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields:
              order_id: string
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: {name: order_id, type: u64}
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::EmptyEnum => Explanation {
            text: r#"An enum lists no variants, so no value of it can exist. List its variants, or use another type until they are known."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      Status:
        enum: []
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    types:
      Status:
        enum: [Open, Closed]
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::CommandEmitsNothing => Explanation {
            text: r#"A command has no `emits`. In an event-sourced model a command is accepted by recording at least one event; a request that changes nothing is a query, served by a read model. If the command can only fail, it still records the success case."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ViewOrder:
            by: Customer
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::EventNeverEmitted => Explanation {
            text: r#"An aggregate declares an event that none of its commands emits (an orphan event). Nothing can ever append it to the stream, so it is either a forgotten `emits` entry or a leftover to remove."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
          OrderShipped: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ShipOrder:
            by: Customer
            emits: [OrderShipped]
        events:
          OrderPlaced: {}
          OrderShipped: {}
"#,
        },
        Code::ForeignEventEmitted => Explanation {
            text: r#"A command emits an event that belongs to another aggregate. An aggregate is a consistency boundary that appends only to its own stream; a change in another aggregate is a command to it, usually issued by a policy."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced, CartEmptied]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    policies:
      EmptyCartOnOrder:
        on: OrderPlaced
        issue: EmptyCart
"#,
        },
        Code::CommandNeverIssued => Explanation {
            text: r#"No actor (`by:`), external system (`by:`) or policy (`issue:`) issues a command, so nothing in the model ever sends it. Say who does: it documents the flow and becomes the caller in diagrams. A warning: it fails `check` only with `--deny-warnings`."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::CrossContextCommand => Explanation {
            text: r#"A policy issues a command of another context. That makes this context depend on the other one's internals (directed coupling); usually the other context should own the policy and react to a published event of this context instead.

It is an error because `generate` cannot build it yet: each context is a crate, and a crate that sends commands to another would make the crates depend on each other. Until commands travel between contexts through the store, let the receiving context own the policy."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    policies:
      ShipWhenPlaced:
        on: OrderPlaced
        issue: shipping.ShipParcel
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            published: true
  shipping:
    aggregates:
      Parcel:
        commands:
          ShipParcel:
            emits: [ParcelShipped]
        events:
          ParcelShipped: {}
    policies:
      ShipWhenPlaced:
        on: ordering.OrderPlaced
        issue: ShipParcel
"#,
        },
        Code::UnusedPublishedEvent => Explanation {
            text: r#"An event is published but no other context reacts to it or projects it. Every published event is a contract other teams may build on and that has to be versioned from then on; publish it when a consumer needs it. A warning."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            published: true
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
        Code::ReadModelWithoutSource => Explanation {
            text: r#"A read model lists no events in `from`, so nothing ever writes a row of it. A read model is a projection of events: name the events (of this context, or published ones of others) that feed it."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    read_models:
      OrderList:
        key: id
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    read_models:
      OrderList:
        key: id
        from: [OrderPlaced]
"#,
        },
        Code::ReadModelKeyMissing => Explanation {
            text: r#"A read model's rows are found by its `key`, so every event in its `from` must carry a field of that name (the aggregate's id field counts). An event without it could not say which row it updates."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    read_models:
      OrdersByCustomer:
        key: customer_id
        from: [OrderPlaced]
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced:
            fields: {customer_id: uuid}
    read_models:
      OrdersByCustomer:
        key: customer_id
        from: [OrderPlaced]
"#,
        },
        Code::PolicyCycle => Explanation {
            text: r#"Events and policies form a loop: a command emits an event, a policy reacts to it by issuing a command, and so on back to the first command. The message prints the whole cycle. A loop runs forever unless some state stops it; make sure one does, or break the cycle. A warning: sagas with retries loop on purpose."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    policies:
      PlaceAgain:
        on: OrderPlaced
        issue: PlaceOrder
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ConfirmOrder:
            emits: [OrderConfirmed]
        events:
          OrderPlaced: {}
          OrderConfirmed: {}
    policies:
      ConfirmWhenPlaced:
        on: OrderPlaced
        issue: ConfirmOrder
"#,
        },
        Code::PolicyWithoutAction => Explanation {
            text: r#"A policy reacts to an event but neither issues a command (`issue:`) nor calls an external system (`call:`), so its reaction is invisible in the model. Say what it does."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    policies:
      WhenPlaced:
        on: OrderPlaced
"#,
            fixed: r#"stormcraft: 1
system: Shop
externals:
  Mailer: sends e-mail
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    policies:
      WhenPlaced:
        on: OrderPlaced
        call: Mailer
"#,
        },
        Code::ScenarioForeignGiven => Explanation {
            text: r#"A scenario is about one aggregate (its `aggregate:`, or the aggregate of its `when` command), and `given` lists the past events of one stream of that aggregate. An event of another aggregate cannot be in that stream."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: cancel
        given: [OrderPlaced, CartEmptied]
        when: CancelOrder
        then: [OrderCancelled]
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: cancel
        given: [OrderPlaced]
        when: CancelOrder
        then: [OrderCancelled]
"#,
        },
        Code::ScenarioForeignWhen => Explanation {
            text: r#"A scenario names its aggregate explicitly, but its `when` is a command that another aggregate handles. The command under test must be one of the scenario's aggregate."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: empty the cart
        aggregate: Order
        when: EmptyCart
        then: [CartEmptied]
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: empty the cart
        aggregate: Cart
        when: EmptyCart
        then: [CartEmptied]
"#,
        },
        Code::ScenarioUnexpectedThen => Explanation {
            text: r#"A scenario expects an event that its `when` command does not list in `emits`. The generated test could never pass; either the command's `emits` or the scenario is wrong."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: cancel
        given: [OrderPlaced]
        when: CancelOrder
        then: [OrderCancelled, OrderPlaced]
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: cancel
        given: [OrderPlaced]
        when: CancelOrder
        then: [OrderCancelled]
"#,
        },
        Code::ScenarioUndeclaredError => Explanation {
            text: r#"A scenario expects a business error that its `when` command does not declare under `errors`. Declared errors become the command's error type in generated code, so an undeclared one cannot be raised."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an empty order
        when: PlaceOrder
        error: OutOfStock
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an empty order
        when: PlaceOrder
        error: NoLines
"#,
        },
        Code::ScenarioShape => Explanation {
            text: r#"A scenario's outcome is either the events the command emits (`then`) or the business error it fails with (`error`), never both and never neither."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: PlaceOrder
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: PlaceOrder
        then: [OrderPlaced]
"#,
        },
        Code::UnknownField => Explanation {
            text: r#"A scenario step gives a value for a field that its command or event does not have. Usually a typo; the help line suggests the closest field."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            fields: {total: decimal}
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: {PlaceOrder: {totl: 10}}
        then: [OrderPlaced]
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
            fields: {total: decimal}
            errors: [NoLines]
          CancelOrder:
            by: Customer
            emits: [OrderCancelled]
        events:
          OrderPlaced: {}
          OrderCancelled: {}
      Cart:
        commands:
          EmptyCart:
            by: Customer
            emits: [CartEmptied]
        events:
          CartEmptied: {}
    scenarios:
      - name: place an order
        when: {PlaceOrder: {total: 10}}
        then: [OrderPlaced]
"#,
        },
        Code::ReservedWord => rules::sc070_reserved_word::EXPLANATION,
        Code::ReservedCrateName => rules::sc071_reserved_crate_name::EXPLANATION,
        Code::GeneratedNameClash => rules::sc072_generated_name_clash::EXPLANATION,
        Code::CaseCollision => rules::sc073_case_collision::EXPLANATION,
        Code::UnsupportedKeyType => rules::sc074_unsupported_key_type::EXPLANATION,
        Code::UnsupportedIdType => rules::sc075_unsupported_id_type::EXPLANATION,
        Code::Hotspot => Explanation {
            text: r#"A hotspot is an open question from the workshop, the red sticky on the board, written under `hotspots:` of the model or of a context, optionally `on:` an element. `check` lists every hotspot as a note, so open questions stay visible until someone answers them and removes the hotspot; notes never fail a command."#,
            bad: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
    hotspots:
      - text: can an order be placed without a cart?
        on: PlaceOrder
"#,
            fixed: r#"stormcraft: 1
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
        events:
          OrderPlaced: {}
"#,
        },
    }
}

/// Width the prose of an explanation is wrapped at.
const WIDTH: usize = 80;

/// The explanation of `code` as text: a title line (`SC020 unresolved-reference
/// (error)`), the rule's summary, what it checks and why, then a `Bad:` and a
/// `Fixed:` model, each indented by four spaces.
pub fn explain(code: Code) -> String {
    let explanation = explanation(code);
    let severity = match code.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut out = format!(
        "{} {} ({severity})\n\n{}{}.\n",
        code.as_str(),
        code.slug(),
        code.summary()[..1].to_uppercase(),
        &code.summary()[1..]
    );
    for paragraph in explanation.text.split("\n\n") {
        out.push('\n');
        out.push_str(&wrap(paragraph, WIDTH));
    }
    for (title, model) in [("Bad", explanation.bad), ("Fixed", explanation.fixed)] {
        out.push_str(&format!("\n{title}:\n\n"));
        for line in model.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

/// Greedy word wrap; a word longer than `width` gets a line of its own.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::model::load::load_str;

    /// The model printed after `title:` in an explanation, without its indentation.
    fn example(text: &str, title: &str) -> String {
        let start = text
            .find(&format!("\n{title}:\n\n"))
            .unwrap_or_else(|| panic!("no `{title}:` section in:\n{text}"));
        let mut model = String::new();
        for line in text[start..].lines().skip(3) {
            if !line.is_empty() && !line.starts_with("    ") {
                break;
            }
            model.push_str(line.strip_prefix("    ").unwrap_or(line));
            model.push('\n');
        }
        model
    }

    fn codes_found(name: &str, model: &str) -> Vec<Code> {
        let loaded = load_str(name, model);
        check(&loaded)
            .diagnostics
            .sorted()
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn every_code_has_a_complete_explanation() {
        for code in Code::ALL {
            let text = explain(*code);
            let title = text.lines().next().unwrap_or_default();
            assert!(
                title.starts_with(&format!("{} {} (", code.as_str(), code.slug())),
                "{title}"
            );
            let explanation = explanation(*code);
            assert!(explanation.text.len() > 80, "{code} explains too little");
            assert_ne!(explanation.bad, explanation.fixed, "{code}");
            assert!(text
                .lines()
                .all(|l| l.chars().count() <= WIDTH + 4 || l.starts_with("    ")));
        }
        let title = explain(Code::UnresolvedReference);
        assert!(
            title.starts_with("SC020 unresolved-reference (error)\n"),
            "{title}"
        );
    }

    #[test]
    fn bad_examples_trigger_their_code_and_fixed_ones_are_clean() {
        for code in Code::ALL {
            let text = explain(*code);
            let bad = example(&text, "Bad");
            let fixed = example(&text, "Fixed");
            assert_eq!(bad.trim_end(), explanation(*code).bad.trim_end(), "{code}");
            let found = codes_found("bad.yaml", &bad);
            assert!(
                found.contains(code),
                "the bad example of {code} gives {found:?}, not {code}:\n{bad}"
            );
            let found = codes_found("fixed.yaml", &fixed);
            assert!(
                found.is_empty(),
                "the fixed example of {code} is not clean: {found:?}\n{fixed}"
            );
        }
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc\n");
        assert_eq!(wrap("abcdefgh ij", 4), "abcdefgh\nij\n");
    }
}
