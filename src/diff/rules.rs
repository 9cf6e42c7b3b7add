//! The rules of `stormcraft diff`: one entry per kind of change, with its stable code.
//!
//! These are not check rules (a check rule finds a problem in one model; a diff rule
//! names a change between two), so they have their own registry and their own codes,
//! `D001`…. `stormcraft explain D005` prints a rule's explanation with an example,
//! and `explain --list` lists them after the check rules. Every rule has a fixture
//! pair `tests/fixtures/diff/<slug>/{old,new}.yaml` that triggers it.

use std::fmt;

/// What part of the system a rule's changes can break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// The change can leave events already in the store unreadable by the new code.
    StoredEvents,
    /// The change can break another context, or a client of the HTTP API.
    Consumers,
    /// A change to the shape of a message (event, command body or read-model row):
    /// whether it breaks depends on who reads which version, see [`crate::diff::Mode`].
    Shape,
    /// Never breaks anything.
    Compatible,
}

impl Category {
    /// The kebab-case name, as printed and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::StoredEvents => "stored-events",
            Category::Consumers => "consumers",
            Category::Shape => "shape",
            Category::Compatible => "compatible",
        }
    }
}

/// An example of a rule's change: an excerpt of the old and of the new model.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// The old model's lines.
    pub old: &'static str,
    /// The new model's lines.
    pub new: &'static str,
}

/// One rule of `diff`.
#[derive(Clone, Copy, Debug)]
pub struct DiffRule {
    /// The stable code, e.g. `D001`.
    pub code: &'static str,
    /// A short kebab-case name.
    pub slug: &'static str,
    /// What the change can break.
    pub category: Category,
    /// One line saying what changed.
    pub summary: &'static str,
    /// Who the change breaks and what to do instead (paragraphs separated by blank lines).
    pub explanation: &'static str,
    /// The change, as an excerpt of the two models.
    pub example: Example,
}

macro_rules! diff_registry {
    ($( $variant:ident => $rule:ident, )*) => {
        /// A rule of `diff`. The code string is stable: it is documented, explained by
        /// `stormcraft explain`, and matched on by users' CI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DiffCode {
            $(
                #[doc = concat!("See [`", stringify!($rule), "`].")]
                $variant,
            )*
        }

        impl DiffCode {
            /// Every rule, in code order.
            pub const ALL: &'static [DiffCode] = &[ $( DiffCode::$variant, )* ];

            /// The rule's declaration.
            pub fn rule(self) -> &'static DiffRule {
                match self { $( DiffCode::$variant => &$rule, )* }
            }
        }
    };
}

diff_registry! {
    EventRemoved => EVENT_REMOVED,
    EventMoved => EVENT_MOVED,
    EventUnpublished => EVENT_UNPUBLISHED,
    FieldRemoved => FIELD_REMOVED,
    FieldAddedRequired => FIELD_ADDED_REQUIRED,
    FieldMadeRequired => FIELD_MADE_REQUIRED,
    FieldMadeOptional => FIELD_MADE_OPTIONAL,
    TypeNarrowed => TYPE_NARROWED,
    TypeWidened => TYPE_WIDENED,
    TypeChanged => TYPE_CHANGED,
    EnumVariantRemoved => ENUM_VARIANT_REMOVED,
    EnumVariantAdded => ENUM_VARIANT_ADDED,
    CommandRemoved => COMMAND_REMOVED,
    ReadModelRemoved => READ_MODEL_REMOVED,
    ReadModelKeyChanged => READ_MODEL_KEY_CHANGED,
    ContextRemoved => CONTEXT_REMOVED,
    PersistenceChanged => PERSISTENCE_CHANGED,
    VersionNotRaised => VERSION_NOT_RAISED,
    PreviousVersionNotKept => PREVIOUS_VERSION_NOT_KEPT,
    FieldAddedOptional => FIELD_ADDED_OPTIONAL,
    EventAdded => EVENT_ADDED,
    EventPublished => EVENT_PUBLISHED,
    CommandAdded => COMMAND_ADDED,
    ReadModelAdded => READ_MODEL_ADDED,
    ContextAdded => CONTEXT_ADDED,
    DescriptionChanged => DESCRIPTION_CHANGED,
    FlowChanged => FLOW_CHANGED,
    VersionChanged => VERSION_CHANGED,
}

impl DiffCode {
    /// The stable code, e.g. `D001`.
    pub fn as_str(self) -> &'static str {
        self.rule().code
    }

    /// The rule's kebab-case name.
    pub fn slug(self) -> &'static str {
        self.rule().slug
    }

    /// What the rule's changes can break.
    pub fn category(self) -> Category {
        self.rule().category
    }

    /// One line saying what changed.
    pub fn summary(self) -> &'static str {
        self.rule().summary
    }

    /// The rule with this code (any case) or slug.
    pub fn parse(text: &str) -> Option<DiffCode> {
        DiffCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.slug() == text)
    }
}

impl fmt::Display for DiffCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const WIDTH: usize = 80;

/// The explanation of a rule as `stormcraft explain` prints it: a title line
/// (`D001 event-removed (diff: stored-events)`), the summary, the explanation, then the
/// example's `Old:` and `New:` excerpts indented by four spaces.
pub fn explain(code: DiffCode) -> String {
    let rule = code.rule();
    let mut out = format!(
        "{} {} (diff: {})\n\n{}{}.\n",
        rule.code,
        rule.slug,
        rule.category.as_str(),
        rule.summary[..1].to_uppercase(),
        &rule.summary[1..]
    );
    for paragraph in rule.explanation.split("\n\n") {
        out.push('\n');
        out.push_str(&wrap(paragraph, WIDTH));
    }
    for (title, text) in [("Old", rule.example.old), ("New", rule.example.new)] {
        out.push_str(&format!("\n{title}:\n\n"));
        for line in text.lines() {
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

/// The rule table of the README's "diff" section, one row per rule.
pub fn markdown_table() -> String {
    let mut out = String::from("| Code | Name | Category | Change |\n|---|---|---|---|\n");
    for code in DiffCode::ALL {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            code.as_str(),
            code.slug(),
            code.category().as_str(),
            code.summary()
        ));
    }
    out
}

const EVENT_REMOVED: DiffRule = DiffRule {
    code: "D001",
    slug: "event-removed",
    category: Category::StoredEvents,
    summary: "an event of the old model is gone",
    explanation: r#"Events are kept in the store forever. When an event type disappears from the model, the aggregate can no longer read the streams that hold it, and projections rebuilt from the start fail on it. If the event was published, every other context that reacts to it or projects it loses it too: `diff` names them from the old model's graph.

Breaking in every mode for stored events (the new code reads the old ones), and for consumers of a published event. Keep the event in the model and stop emitting it instead; a rename is reported as this removal plus an `event-added`."#,
    example: Example {
        old: "events:\n  OrderPlaced: {}\n  OrderArchived: {}\n",
        new: "events:\n  OrderPlaced: {}\n",
    },
};

const EVENT_MOVED: DiffRule = DiffRule {
    code: "D002",
    slug: "event-moved",
    category: Category::StoredEvents,
    summary: "an event now belongs to another aggregate",
    explanation: r#"An event lives in the streams of its aggregate (`<context>-<Aggregate>-<id>`). Moving it to another aggregate of the same context (or renaming its aggregate) means the events already stored are in streams the new aggregate never reads: its state no longer sees them, and consumers of the old stream category stop receiving new ones.

Breaking for stored events. Keep the event where it is, or migrate the stored streams before deploying."#,
    example: Example {
        old: "aggregates:\n  Order:\n    events:\n      OrderPlaced: {}\n",
        new: "aggregates:\n  Basket:\n    events:\n      OrderPlaced: {}\n",
    },
};

const EVENT_UNPUBLISHED: DiffRule = DiffRule {
    code: "D003",
    slug: "event-unpublished",
    category: Category::Consumers,
    summary: "a published event is no longer published",
    explanation: r#"A published event is a contract with other contexts. Taking `published: true` away withdraws it: the contexts that reacted to it or projected it (named from the old model) no longer may, and deployed consumers built against it stop getting a supported contract.

Breaking for consumers when the mode checks forward compatibility (the default for published events is `full`). Stored events are not affected."#,
    example: Example {
        old: "OrderPlaced:\n  published: true\n",
        new: "OrderPlaced:\n  published: false\n",
    },
};

const FIELD_REMOVED: DiffRule = DiffRule {
    code: "D004",
    slug: "field-removed",
    category: Category::Shape,
    summary: "a field of a message is gone",
    explanation: r#"A field disappears from an event, a command body or a read-model row (or from a record type one of them uses). Readers of the new shape ignore it in old data (serde skips unknown fields), so a removal is backward compatible: stored events still read. But a reader of the old shape, given new data, misses a field it requires (unless it was optional): forward incompatible.

So removing a required field breaks consumers of a published event (mode `full`) and query clients of a read model (mode `forward`); it is compatible for a private event (mode `backward`) and for a command body. Removing an optional field is compatible everywhere. To remove a required field of a contract, make it optional first and remove it once every consumer has moved on."#,
    example: Example {
        old: "OrderPlaced:\n  published: true\n  fields:\n    total: Money\n    note: string\n",
        new: "OrderPlaced:\n  published: true\n  fields:\n    total: Money\n",
    },
};

const FIELD_ADDED_REQUIRED: DiffRule = DiffRule {
    code: "D005",
    slug: "field-added-required",
    category: Category::Shape,
    summary: "a required field was added to a message",
    explanation: r#"A new field that is not optional (the model has no default values) is missing from every event stored before the change and from every body an old client sends: a reader of the new shape cannot read old data (backward incompatible). Readers of the old shape ignore the extra field (forward compatible).

Breaking for stored events and for consumers of events, and for command bodies. Compatible for a read-model row, whose readers are query clients built against the old row (existing rows lack the field, though: rebuild the read model). Add the field as optional (`T?`) instead."#,
    example: Example {
        old: "OrderPlaced:\n  fields:\n    total: Money\n",
        new: "OrderPlaced:\n  fields:\n    total: Money\n    channel: string\n",
    },
};

const FIELD_MADE_REQUIRED: DiffRule = DiffRule {
    code: "D006",
    slug: "field-made-required",
    category: Category::Shape,
    summary: "an optional field became required",
    explanation: r#"`T?` became `T`. Old data may hold `null` or leave the field out, which the new shape refuses: backward incompatible, so stored events and old clients' command bodies break. Readers of the old shape accept a value that is always there (forward compatible).

Keep the field optional, or give stored events a value by upcasting them first."#,
    example: Example {
        old: "fields:\n  coupon_code: string?\n",
        new: "fields:\n  coupon_code: string\n",
    },
};

const FIELD_MADE_OPTIONAL: DiffRule = DiffRule {
    code: "D007",
    slug: "field-made-optional",
    category: Category::Shape,
    summary: "a required field became optional",
    explanation: r#"`T` became `T?`. The new shape reads every old value (backward compatible), but new data may now hold `null`, which a reader of the old shape refuses: forward incompatible.

Breaking for consumers of a published event (mode `full`) and for query clients of a read-model row (mode `forward`); compatible for private events and command bodies."#,
    example: Example {
        old: "fields:\n  tracking_number: string\n",
        new: "fields:\n  tracking_number: string?\n",
    },
};

const TYPE_NARROWED: DiffRule = DiffRule {
    code: "D008",
    slug: "type-narrowed",
    category: Category::Shape,
    summary: "a field's type accepts fewer values than before",
    explanation: r#"The new type cannot hold every value of the old one: `i64` to `i32`, `u64` to `u32`, `string` to `uuid`, `json` to anything else, an enum's string to the enum. A reader of the new shape fails on old data that does not fit (backward incompatible), while readers of the old shape read every new value (forward compatible).

Breaking for stored events, for consumers of events and for command bodies. Keep the old type, or add a new field of the new type beside it."#,
    example: Example {
        old: "fields:\n  quantity: u64\n",
        new: "fields:\n  quantity: u32\n",
    },
};

const TYPE_WIDENED: DiffRule = DiffRule {
    code: "D009",
    slug: "type-widened",
    category: Category::Shape,
    summary: "a field's type accepts more values than before",
    explanation: r#"The new type holds every value of the old one and more: `i32` to `i64`, `u32` to `u64` or `i64`, integers to `f64` or `decimal`, `uuid`, `decimal`, `timestamp`, `date` or an enum to `string`, anything to `json`. Old data reads as the new type (backward compatible), but a reader of the old shape fails on new values it cannot hold (forward incompatible).

Breaking for consumers of a published event and for query clients of a read-model row; compatible for private events and command bodies."#,
    example: Example {
        old: "fields:\n  quantity: u32\n",
        new: "fields:\n  quantity: u64\n",
    },
};

const TYPE_CHANGED: DiffRule = DiffRule {
    code: "D010",
    slug: "type-changed",
    category: Category::Shape,
    summary: "a field's type changed to one that is neither wider nor narrower",
    explanation: r#"The old and the new type share no reading in either direction: `string` to `u32`, a value to a list, a record to a primitive, `timestamp` to `date`. Neither side reads the other's data, so the change is breaking in every mode for every message.

Add a field of the new type under a new name, and keep or later remove the old one."#,
    example: Example {
        old: "fields:\n  placed_at: timestamp\n",
        new: "fields:\n  placed_at: date\n",
    },
};

const ENUM_VARIANT_REMOVED: DiffRule = DiffRule {
    code: "D011",
    slug: "enum-variant-removed",
    category: Category::Shape,
    summary: "an enum lost a variant",
    explanation: r#"Old data may hold the variant that is gone, and the new enum refuses it: stored events and old clients' bodies with it no longer read (backward incompatible). Readers of the old enum know every variant still sent (forward compatible).

Breaking for stored events, consumers of events and command bodies. Keep the variant and stop producing it."#,
    example: Example {
        old: "OrderStatus:\n  enum: [Placed, Paid, Archived]\n",
        new: "OrderStatus:\n  enum: [Placed, Paid]\n",
    },
};

const ENUM_VARIANT_ADDED: DiffRule = DiffRule {
    code: "D012",
    slug: "enum-variant-added",
    category: Category::Shape,
    summary: "an enum gained a variant",
    explanation: r#"The new enum reads every old value (backward compatible), but a reader built against the old enum refuses the new variant as soon as it is produced: the generated services decode enums strictly, they do not map unknown variants to a fallback. So adding a variant is forward incompatible.

Breaking for consumers of a published event (mode `full`) and for query clients of a read-model row (mode `forward`); compatible for private events and command bodies. Update the consumers before the producer sends the new variant."#,
    example: Example {
        old: "OrderStatus:\n  enum: [Placed, Paid]\n",
        new: "OrderStatus:\n  enum: [Placed, Paid, Refunded]\n",
    },
};

const COMMAND_REMOVED: DiffRule = DiffRule {
    code: "D013",
    slug: "command-removed",
    category: Category::Consumers,
    summary: "a command of the old model is gone",
    explanation: r#"Each command is an HTTP endpoint (`POST /<context>/commands/<Command>`). Removing it breaks every client that still sends it: the actors and external systems that issue it, and policies of other contexts (named from the old model's graph).

Breaking for consumers (clients of the old API) under the default mode of command bodies, `backward`."#,
    example: Example {
        old: "commands:\n  PlaceOrder: {emits: [OrderPlaced]}\n  ArchiveOrder: {emits: [OrderArchived]}\n",
        new: "commands:\n  PlaceOrder: {emits: [OrderPlaced]}\n",
    },
};

const READ_MODEL_REMOVED: DiffRule = DiffRule {
    code: "D014",
    slug: "read-model-removed",
    category: Category::Consumers,
    summary: "a read model of the old model is gone",
    explanation: r#"A read model is served by queries (`GET /<context>/<read-model>/...`). Removing it breaks the clients that query it.

Breaking for consumers under the default mode of read-model rows, `forward` (old clients read what the new service serves)."#,
    example: Example {
        old: "read_models:\n  CustomerOrders: {key: order_id, from: [OrderPlaced]}\n  OrderHistory: {key: order_id, from: [OrderPlaced]}\n",
        new: "read_models:\n  CustomerOrders: {key: order_id, from: [OrderPlaced]}\n",
    },
};

const READ_MODEL_KEY_CHANGED: DiffRule = DiffRule {
    code: "D015",
    slug: "read-model-key-changed",
    category: Category::Consumers,
    summary: "a read model is keyed by another field",
    explanation: r#"Rows are stored and queried by their key. With another key field, the stored rows are keyed by the wrong value (the read model must be rebuilt) and clients that query by the old key get other rows or none.

Breaking for consumers in every mode. Add a new read model with the new key instead."#,
    example: Example {
        old: "CustomerOrders:\n  key: order_id\n",
        new: "CustomerOrders:\n  key: customer_id\n",
    },
};

const CONTEXT_REMOVED: DiffRule = DiffRule {
    code: "D016",
    slug: "context-removed",
    category: Category::StoredEvents,
    summary: "a bounded context of the old model is gone",
    explanation: r#"The whole context goes: its aggregates' stored events are no longer read by anything, its endpoints disappear, and other contexts that used its published events or sent it commands (named from the old model's graph) lose them. Reported once, instead of one finding per element of the context.

Breaking in every mode. A rename is reported as this removal plus a `context-added`."#,
    example: Example {
        old: "contexts:\n  ordering: {...}\n  loyalty: {...}\n",
        new: "contexts:\n  ordering: {...}\n",
    },
};

const PERSISTENCE_CHANGED: DiffRule = DiffRule {
    code: "D017",
    slug: "persistence-changed",
    category: Category::StoredEvents,
    summary: "an aggregate switched between event-sourced and state-stored",
    explanation: r#"An event-sourced aggregate's state is the fold of its stream; a state-stored one keeps a state row and sends its events through an outbox. Switching leaves existing aggregates without the state the new code loads: event-sourced to state-stored has no state rows, state-stored to event-sourced has streams that were never meant to rebuild the state.

Breaking for stored events. Migrate the stored data before deploying, or add a new aggregate."#,
    example: Example {
        old: "Order:\n  persistence: event-sourced\n",
        new: "Order:\n  persistence: state-stored\n",
    },
};

const FIELD_ADDED_OPTIONAL: DiffRule = DiffRule {
    code: "D020",
    slug: "field-added-optional",
    category: Category::Compatible,
    summary: "an optional field was added to a message",
    explanation: r#"A new `T?` field reads as `null` from old data (backward compatible) and is ignored by readers of the old shape (forward compatible). The safe way to grow a message."#,
    example: Example {
        old: "fields:\n  total: Money\n",
        new: "fields:\n  total: Money\n  gift_note: string?\n",
    },
};

const EVENT_ADDED: DiffRule = DiffRule {
    code: "D021",
    slug: "event-added",
    category: Category::Compatible,
    summary: "a new event",
    explanation: r#"A new event type: nothing stored has it, and consumers subscribe to event types by name, so nobody reads it until they choose to. Compatible."#,
    example: Example {
        old: "events:\n  OrderPlaced: {}\n",
        new: "events:\n  OrderPlaced: {}\n  OrderArchived: {}\n",
    },
};

const EVENT_PUBLISHED: DiffRule = DiffRule {
    code: "D022",
    slug: "event-published",
    category: Category::Compatible,
    summary: "a private event is now published",
    explanation: r#"The event becomes a contract other contexts may use. Compatible; from now on its changes are checked in mode `full`, for its consumers."#,
    example: Example {
        old: "OrderPlaced: {}\n",
        new: "OrderPlaced:\n  published: true\n",
    },
};

const COMMAND_ADDED: DiffRule = DiffRule {
    code: "D023",
    slug: "command-added",
    category: Category::Compatible,
    summary: "a new command",
    explanation: r#"A new command is a new endpoint, `POST /<context>/commands/<Command>`: no client sends it yet, and nothing stored refers to it. Compatible."#,
    example: Example {
        old: "commands:\n  PlaceOrder: {emits: [OrderPlaced]}\n",
        new: "commands:\n  PlaceOrder: {emits: [OrderPlaced]}\n  ArchiveOrder: {emits: [OrderArchived]}\n",
    },
};

const READ_MODEL_ADDED: DiffRule = DiffRule {
    code: "D024",
    slug: "read-model-added",
    category: Category::Compatible,
    summary: "a new read model",
    explanation: r#"A new projection: it is built from the events already in the store when it first runs, and no client queries it yet. Compatible."#,
    example: Example {
        old: "read_models: {}\n",
        new: "read_models:\n  CustomerOrders: {key: order_id, from: [OrderPlaced]}\n",
    },
};

const CONTEXT_ADDED: DiffRule = DiffRule {
    code: "D025",
    slug: "context-added",
    category: Category::Compatible,
    summary: "a new bounded context",
    explanation: r#"A new context with its own aggregates, policies and read models. Reported once; its elements are not listed one by one. Compatible."#,
    example: Example {
        old: "contexts:\n  ordering: {...}\n",
        new: "contexts:\n  ordering: {...}\n  loyalty: {...}\n",
    },
};

const DESCRIPTION_CHANGED: DiffRule = DiffRule {
    code: "D026",
    slug: "description-changed",
    category: Category::Compatible,
    summary: "a description changed",
    explanation: r#"The description of the system, a context, an actor, an external system, a type, an aggregate, a command, an event, a policy, a read model or a field changed, or a business error's message. Descriptions become documentation and doc comments, never part of a message's shape. Compatible."#,
    example: Example {
        old: "OrderPlaced:\n  description: an order was placed\n",
        new: "OrderPlaced:\n  description: the customer checked out their basket\n",
    },
};

const FLOW_CHANGED: DiffRule = DiffRule {
    code: "D027",
    slug: "flow-changed",
    category: Category::Compatible,
    summary: "who issues, emits, reacts to or feeds what changed",
    explanation: r#"The flow between elements changed while no message changed its shape: a policy was added or removed or reacts to other events, issues another command or calls another external system; a command emits other events, raises other business errors or is issued by others; a read model is fed by other events; an actor or external system was added or removed.

Compatible for stored events and message shapes. It changes behaviour, so review it: a read model fed by other events may need a rebuild, and a new business error is a new answer clients may get."#,
    example: Example {
        old: "ShipPaidOrders:\n  on: payments.PaymentSucceeded\n  issue: CreateShipment\n",
        new: "ShipPaidOrders:\n  on: [payments.PaymentSucceeded, ordering.OrderPaid]\n  issue: CreateShipment\n",
    },
};

const VERSION_NOT_RAISED: DiffRule = DiffRule {
    code: "D018",
    slug: "version-not-raised",
    category: Category::StoredEvents,
    summary: "an event changed so stored events no longer read, and its version stayed",
    explanation: r#"The store keeps every event as it was written. When an event changes so that a payload stored under the old shape no longer reads as the new one (a field removed that is still required, a new required field, a narrower type), the event's `version` must go up, and the old shape stays in the model under `previous:` — then `generate` writes the upcaster from the old version to the new one and a test that reads an old payload through it.

Raise `version` and copy the old fields under `previous:`; `diff`'s help prints the block to paste."#,
    example: Example {
        old: "OrderPlaced:\n  version: 1\n  fields:\n    delivery_address: Address\n",
        new: "OrderPlaced:\n  version: 1\n  fields:\n    shipping_address: Address\n",
    },
};

const PREVIOUS_VERSION_NOT_KEPT: DiffRule = DiffRule {
    code: "D019",
    slug: "previous-version-not-kept",
    category: Category::StoredEvents,
    summary: "an event's version went up but the old shape is not kept under `previous:`",
    explanation: r#"The event's `version` went up, so payloads stored at the old version will be upcast — but the new model does not keep the old shape under `previous:` (or keeps a different one), so no upcaster can be generated for it and stored events of that version no longer read.

Copy the old fields under `previous:` with the old version as the key; `diff`'s help prints the block to paste. When the old version's shape is kept, the changes that would break stored events are read through the upcaster instead, and `diff` reports them as compatible for stored events."#,
    example: Example {
        old: "OrderPlaced:\n  version: 1\n  fields:\n    delivery_address: Address\n",
        new: "OrderPlaced:\n  version: 2\n  fields:\n    shipping_address: Address\n",
    },
};

const VERSION_CHANGED: DiffRule = DiffRule {
    code: "D028",
    slug: "version-changed",
    category: Category::Compatible,
    summary: "an event's schema version changed",
    explanation: r#"The event's `version` changed. The version is metadata written with each stored event; changing it breaks nothing by itself, and the shape changes that come with it are reported by their own rules."#,
    example: Example {
        old: "OrderPlaced:\n  version: 1\n",
        new: "OrderPlaced:\n  version: 2\n",
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_slugs_are_unique_and_well_formed() {
        let mut codes: Vec<&str> = DiffCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut slugs: Vec<&str> = DiffCode::ALL.iter().map(|c| c.slug()).collect();
        for code in &codes {
            assert!(
                code.len() == 4
                    && code.starts_with('D')
                    && code[1..].chars().all(|c| c.is_ascii_digit()),
                "{code}"
            );
        }
        let sorted = {
            let mut sorted = codes.clone();
            sorted.sort();
            sorted
        };
        assert_eq!(codes, sorted, "the registry lists codes in order");
        codes.dedup();
        slugs.sort();
        slugs.dedup();
        assert_eq!(codes.len(), DiffCode::ALL.len());
        assert_eq!(slugs.len(), DiffCode::ALL.len());
        for slug in slugs {
            assert!(
                crate::diagnostic::Code::parse(slug).is_none(),
                "`{slug}` is also a check rule's name"
            );
        }
    }

    #[test]
    fn every_rule_is_explained() {
        for code in DiffCode::ALL {
            let text = explain(*code);
            assert!(text.starts_with(&format!("{} {} (", code.as_str(), code.slug())));
            assert!(
                code.rule().explanation.len() > 80,
                "{code} explains too little"
            );
            assert_ne!(code.rule().example.old, code.rule().example.new, "{code}");
            assert!(text
                .lines()
                .all(|l| l.chars().count() <= WIDTH || l.starts_with("    ")));
        }
        assert_eq!(DiffCode::parse("d001"), Some(DiffCode::EventRemoved));
        assert_eq!(
            DiffCode::parse("type-narrowed"),
            Some(DiffCode::TypeNarrowed)
        );
    }
}
