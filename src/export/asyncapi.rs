//! `export asyncapi`: an AsyncAPI 3.0.0 document of the generated app.
//!
//! The document describes the application the generator builds: the `app` binary,
//! every context in one process on one event store (with `--context NAME`, only that
//! context's part of it). It says how messages really travel there:
//!
//! - **Events** are appended to streams `<context>-<Aggregate>-<id>` in the event store;
//!   a consumer (a policy or a read model's projection) reads the category
//!   `<context>-<Aggregate>` in global order from its own checkpoint and takes the event
//!   types it uses. So a channel is one aggregate's category, its address the stream
//!   name with the aggregate id as parameter, and its messages the aggregate's
//!   *published* events (the others are the context's own business, not a contract).
//!   A context **sends** its published events and **receives** the foreign ones its
//!   policies and read models use.
//! - **Commands** arrive over HTTP: `POST /<context>/commands/<Command>` with the command
//!   as JSON. A channel per command, with an `http` operation binding; the context
//!   **receives** them.
//!
//! Payloads are JSON Schema from [`super::schema`], named types under
//! `components/schemas` as `<context>.<Name>`. Descriptions come from the model;
//! summaries and channel descriptions are written here from the model's structure.

use super::schema::{description, named_type_schema, named_types_used, object_schema, Refs};
use crate::ir::{AggregateId, CommandId, ContextId, EventId, Issuer, Model};
use crate::model::ast::Persistence;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The AsyncAPI version written.
pub const ASYNCAPI_VERSION: &str = "3.0.0";

/// What to export.
#[derive(Debug, Clone)]
pub struct AsyncApiOptions {
    /// Only this context's channels and operations (and the foreign events it uses).
    pub context: Option<ContextId>,
    /// `info.version`: the model declares no API version, so the caller says.
    pub api_version: String,
}

/// The app's default listen address (`app --listen`), as the generated `main` has it.
const HTTP_HOST: &str = "127.0.0.1:3000";
/// The app's default store (`app --store sqlite:app.db`).
const STORE_FILE: &str = "app.db";

/// The AsyncAPI document of the model (or of one context of it).
pub fn asyncapi(model: &Model, options: &AsyncApiOptions) -> Value {
    Document::new(model, options).build()
}

/// What the document holds, gathered before it is written.
struct Document<'m> {
    model: &'m Model,
    options: &'m AsyncApiOptions,
    /// The contexts described, in model order.
    scope: Vec<ContextId>,
    /// Category channels: the events each lists, by aggregate.
    categories: BTreeMap<AggregateId, BTreeSet<EventId>>,
    /// Command channels.
    commands: Vec<CommandId>,
}

impl<'m> Document<'m> {
    fn new(model: &'m Model, options: &'m AsyncApiOptions) -> Document<'m> {
        let scope: Vec<ContextId> = match options.context {
            Some(id) => vec![id],
            None => (0..model.contexts.len())
                .map(|i| ContextId(i as u32))
                .collect(),
        };
        let mut categories: BTreeMap<AggregateId, BTreeSet<EventId>> = BTreeMap::new();
        let mut commands = Vec::new();
        for &context in &scope {
            for &a in &model.context(context).aggregates {
                let aggregate = model.aggregate(a);
                for &e in &aggregate.events {
                    if model.event(e).published {
                        categories.entry(a).or_default().insert(e);
                    }
                }
                commands.extend(aggregate.commands.iter().copied());
            }
        }
        let mut document = Document {
            model,
            options,
            scope,
            categories,
            commands,
        };
        for &context in &document.scope.clone() {
            for e in document.consumed(context) {
                let aggregate = model.event(e).aggregate;
                document.categories.entry(aggregate).or_default().insert(e);
            }
        }
        document.commands.sort();
        document
    }

    /// The foreign events `context` uses (its policies react to, its processes handle or
    /// its read models are fed by), in model order.
    fn consumed(&self, context: ContextId) -> Vec<EventId> {
        let ctx = self.model.context(context);
        let mut events = BTreeSet::new();
        for &p in &ctx.policies {
            events.extend(self.model.policy(p).on.iter().copied());
        }
        for &p in &ctx.processes {
            events.extend(self.model.process(p).handlers.iter().map(|h| h.event));
        }
        for &r in &ctx.read_models {
            events.extend(self.model.read_model(r).from.iter().copied());
        }
        events
            .into_iter()
            .filter(|e| self.model.event(*e).context != context)
            .collect()
    }

    /// How `context` uses the event `e`: its policies and read models that do.
    fn uses(&self, context: ContextId, e: EventId) -> Vec<String> {
        let model = self.model;
        let ctx = model.context(context);
        let mut uses = Vec::new();
        for policy in ctx.policies.iter().map(|p| model.policy(*p)) {
            if policy.on.contains(&e) {
                let action = match (policy.issues, policy.calls) {
                    (Some(c), _) => format!(", which issues `{}`", model.command(c).name),
                    (None, Some(x)) => {
                        format!(", which calls `{}`", model.externals[x.index()].name)
                    }
                    (None, None) => String::new(),
                };
                uses.push(format!("policy `{}`{action}", policy.name));
            }
        }
        for process in ctx.processes.iter().map(|p| model.process(*p)) {
            let Some(handler) = process.handler(e) else {
                continue;
            };
            let action = match handler.policy.and_then(|p| model.policy(p).issues) {
                Some(c) => format!(", which issues `{}`", model.command(c).name),
                None if handler.start => ", which starts it".to_owned(),
                None if handler.complete => ", which completes it".to_owned(),
                None => String::new(),
            };
            uses.push(format!(
                "process `{}` (key `{}`){action}",
                process.name, process.key
            ));
        }
        for read_model in ctx.read_models.iter().map(|r| model.read_model(*r)) {
            if read_model.from.contains(&e) {
                uses.push(format!("read model `{}`", read_model.name));
            }
        }
        uses
    }

    fn build(&self) -> Value {
        let mut doc = Map::new();
        doc.insert("asyncapi".into(), json!(ASYNCAPI_VERSION));
        doc.insert("info".into(), self.info());
        doc.insert("defaultContentType".into(), json!("application/json"));
        doc.insert("servers".into(), servers());
        doc.insert("channels".into(), Value::Object(self.channels()));
        doc.insert("operations".into(), Value::Object(self.operations()));
        doc.insert("components".into(), self.components());
        Value::Object(doc)
    }

    fn info(&self) -> Value {
        let model = self.model;
        let title = match self.options.context {
            Some(c) => format!("{} — {}", model.system, model.context(c).name),
            None => model.system.clone(),
        };
        let mut text = Vec::new();
        if let Some(d) = description(&model.description) {
            text.push(d);
        }
        if let Some(c) = self.options.context {
            if let Some(d) = description(&model.context(c).description) {
                text.push(format!("Context `{}`: {d}", model.context(c).name));
            }
        }
        text.push(
            "The generated app: every bounded context in one process on one event store. \
             Events travel through the store: a channel is one aggregate's category of \
             streams, `<context>-<Aggregate>-<id>`, listing its published events; a context \
             sends the events it publishes and receives the published events of other \
             contexts that its policies and read models use. Commands arrive over HTTP, \
             `POST /<context>/commands/<Command>` with the command as JSON, one channel each."
                .to_owned(),
        );
        text.push("Generated by stormcraft from the model.".to_owned());
        let mut info = Map::new();
        info.insert("title".into(), json!(title));
        info.insert("version".into(), json!(self.options.api_version));
        info.insert("description".into(), json!(text.join("\n\n")));
        let tags: Vec<Value> = self
            .scope
            .iter()
            .map(|c| json!({ "$ref": format!("#/components/tags/{}", model.context(*c).name) }))
            .collect();
        info.insert("tags".into(), Value::Array(tags));
        Value::Object(info)
    }

    fn channels(&self) -> Map<String, Value> {
        let model = self.model;
        let mut channels = Map::new();
        for (&a, events) in &self.categories {
            let aggregate = model.aggregate(a);
            let ctx = &model.context(aggregate.context).name;
            let category = format!("{ctx}-{}", aggregate.name);
            let id = &aggregate.id.name;
            let outbox = if aggregate.persistence == Persistence::StateStored {
                " The aggregate is state-stored: its stream is the outbox written in the same transaction as its state."
            } else {
                ""
            };
            let listed = if self.scope.contains(&aggregate.context) {
                "Only its published events are listed: the others are the context's own."
            } else {
                "Only the published events the described context uses are listed."
            };
            let messages: Map<String, Value> = events
                .iter()
                .map(|e| {
                    let name = &model.event(*e).name;
                    (
                        name.clone(),
                        json!({ "$ref": format!("#/components/messages/{ctx}.{name}") }),
                    )
                })
                .collect();
            channels.insert(
                category.clone(),
                json!({
                    "address": format!("{category}-{{{id}}}"),
                    "title": category,
                    "summary": format!("the event streams of `{}` in `{ctx}`", aggregate.name),
                    "description": format!(
                        "One stream per `{}` in the event store, named `{category}-<{id}>`. Consumers read the category `{category}` in global order, each from its own checkpoint, and take the event types they use.{outbox} {listed}",
                        aggregate.name
                    ),
                    "servers": [{ "$ref": "#/servers/store" }],
                    "parameters": {
                        (id.clone()): {
                            "description": format!("the `{}`'s id, the event's `{id}` field", aggregate.name),
                            "location": format!("$message.payload#/{id}"),
                        }
                    },
                    "messages": messages,
                    "tags": [{ "$ref": format!("#/components/tags/{ctx}") }],
                }),
            );
        }
        for &c in &self.commands {
            let command = model.command(c);
            let ctx = &model.context(command.context).name;
            let name = &command.name;
            // Only a command with business errors can be refused with 422.
            let refused = if command.errors.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = command
                    .errors
                    .iter()
                    .map(|e| format!("`{}`", e.name))
                    .collect();
                format!(
                    "; 422 `{{\"error\": \"<Error>\", \"message\": ...}}` when a business rule refuses it (`error` is one of {})",
                    names.join(", ")
                )
            };
            channels.insert(
                command_channel(ctx, name),
                json!({
                    "address": format!("/{ctx}/commands/{name}"),
                    "title": format!("POST /{ctx}/commands/{name}"),
                    "summary": format!("the HTTP endpoint of the command `{name}`"),
                    "description": format!(
                        "`POST` the command `{name}` as JSON. Answers: 200 `{{\"events\": [...]}}` with the events it appended (each `{{\"type\", \"version\", \"position\", \"data\"}}`); 400 `{{\"error\": \"bad_request\", \"message\": ...}}` when the body is not a `{name}`; 409 `{{\"error\": \"conflict\", ...}}` when other writers kept changing the aggregate (retry){refused}. A context run alone as its own service serves it at `/commands/{name}`."
                    ),
                    "servers": [{ "$ref": "#/servers/app" }],
                    "messages": {
                        (name.clone()): { "$ref": format!("#/components/messages/{ctx}.{name}") }
                    },
                    "tags": [{ "$ref": format!("#/components/tags/{ctx}") }],
                }),
            );
        }
        channels
    }

    fn operations(&self) -> Map<String, Value> {
        let model = self.model;
        let mut operations = Map::new();
        for &context in &self.scope {
            let ctx = &model.context(context).name;
            let tags = json!([{ "$ref": format!("#/components/tags/{ctx}") }]);
            for &a in &model.context(context).aggregates {
                let aggregate = model.aggregate(a);
                for &e in &aggregate.events {
                    let event = model.event(e);
                    if !event.published {
                        continue;
                    }
                    let emitted_by: Vec<String> = aggregate
                        .commands
                        .iter()
                        .map(|c| model.command(*c))
                        .filter(|c| c.emits.contains(&e))
                        .map(|c| format!("`{}`", c.name))
                        .collect();
                    let users: Vec<String> = (0..model.contexts.len())
                        .map(|i| ContextId(i as u32))
                        .filter(|c| *c != context)
                        .filter_map(|c| {
                            let uses = self.uses(c, e);
                            (!uses.is_empty()).then(|| {
                                format!("`{}` ({})", model.context(c).name, uses.join(", "))
                            })
                        })
                        .collect();
                    let mut text = Vec::new();
                    if !emitted_by.is_empty() {
                        text.push(format!("Appended by {}.", emitted_by.join(", ")));
                    }
                    text.push(if users.is_empty() {
                        "No other context uses it yet.".to_owned()
                    } else {
                        format!("Used by {}.", users.join("; "))
                    });
                    let category = format!("{ctx}-{}", aggregate.name);
                    operations.insert(
                        format!("{ctx}.publish.{}", event.name),
                        json!({
                            "action": "send",
                            "channel": { "$ref": format!("#/channels/{category}") },
                            "summary": format!("`{ctx}` publishes `{}`", event.name),
                            "description": text.join(" "),
                            "messages": [{ "$ref": format!("#/channels/{category}/messages/{}", event.name) }],
                            "tags": tags,
                        }),
                    );
                }
            }
            for e in self.consumed(context) {
                let event = model.event(e);
                let publisher = &model.context(event.context).name;
                let category = format!("{publisher}-{}", model.aggregate(event.aggregate).name);
                operations.insert(
                    format!("{ctx}.consume.{publisher}.{}", event.name),
                    json!({
                        "action": "receive",
                        "channel": { "$ref": format!("#/channels/{category}") },
                        "summary": format!("`{ctx}` uses `{publisher}.{}`", event.name),
                        "description": format!("Read by the {}.", self.uses(context, e).join("; the ")),
                        "messages": [{ "$ref": format!("#/channels/{category}/messages/{}", event.name) }],
                        "tags": tags,
                    }),
                );
            }
            for &c in self
                .commands
                .iter()
                .filter(|c| model.command(**c).context == context)
            {
                let command = model.command(c);
                let channel = command_channel(ctx, &command.name);
                operations.insert(
                    format!("{ctx}.command.{}", command.name),
                    json!({
                        "action": "receive",
                        "channel": { "$ref": format!("#/channels/{channel}") },
                        "summary": format!("`{ctx}` handles `{}`", command.name),
                        "description": self.command_text(c),
                        "bindings": { "http": { "method": "POST", "bindingVersion": "0.3.0" } },
                        "messages": [{ "$ref": format!("#/channels/{channel}/messages/{}", command.name) }],
                        "tags": tags,
                    }),
                );
            }
        }
        operations
    }

    /// Who issues a command, what it appends and how it can be refused.
    fn command_text(&self, c: CommandId) -> String {
        let model = self.model;
        let command = model.command(c);
        let mut issuers: Vec<String> = command
            .issued_by
            .iter()
            .map(|i| match i {
                Issuer::Actor(a) => format!("the actor `{}`", model.actors[a.index()].name),
                Issuer::External(x) => format!(
                    "the external system `{}` (a webhook)",
                    model.externals[x.index()].name
                ),
            })
            .collect();
        for policy in &model.policies {
            if policy.issues == Some(c) {
                let issuer = match policy.process {
                    Some(process) => format!(
                        "the process `{}` (a background worker, not over HTTP)",
                        model.process(process).name
                    ),
                    None => format!("the policy `{}` (in process, not over HTTP)", policy.name),
                };
                if !issuers.contains(&issuer) {
                    issuers.push(issuer);
                }
            }
        }
        let mut text = Vec::new();
        if !issuers.is_empty() {
            text.push(format!("Issued by {}.", issuers.join(", ")));
        }
        let emits: Vec<String> = command
            .emits
            .iter()
            .map(|e| format!("`{}`", model.event(*e).name))
            .collect();
        if !emits.is_empty() {
            text.push(format!("May append {}.", emits.join(", ")));
        }
        for error in &command.errors {
            text.push(match error.message.as_deref().map(str::trim) {
                Some(message) if !message.is_empty() => {
                    format!("Refused with `{}`: {message}.", error.name)
                }
                _ => format!("Refused with `{}`.", error.name),
            });
        }
        text.join(" ")
    }

    fn components(&self) -> Value {
        let model = self.model;
        let mut messages = Map::new();
        let mut fields = Vec::new();
        let events: BTreeSet<EventId> = self.categories.values().flatten().copied().collect();
        for e in events {
            let event = model.event(e);
            let ctx = &model.context(event.context).name;
            fields.extend(event.fields.iter());
            messages.insert(
                format!("{ctx}.{}", event.name),
                message(
                    &event.name,
                    format!(
                        "event `{}` of `{ctx}`, schema version {}",
                        event.name, event.version
                    ),
                    &event.description,
                    object_schema(model, &event.fields, Refs::Components, Map::new()),
                ),
            );
        }
        for &c in &self.commands {
            let command = model.command(c);
            let ctx = &model.context(command.context).name;
            fields.extend(command.fields.iter());
            messages.insert(
                format!("{ctx}.{}", command.name),
                message(
                    &command.name,
                    format!("command `{}` of `{ctx}`", command.name),
                    &command.description,
                    object_schema(model, &command.fields, Refs::Components, Map::new()),
                ),
            );
        }
        let mut used = named_types_used(model, fields);
        used.sort();
        let schemas: Map<String, Value> = used
            .into_iter()
            .map(|id| {
                (
                    Refs::Components.key(model, id),
                    named_type_schema(model, id, Refs::Components),
                )
            })
            .collect();
        // Every context a channel or operation is tagged with: the described ones and
        // the publishers of the foreign events they use.
        let mut tagged: BTreeSet<ContextId> = self.scope.iter().copied().collect();
        tagged.extend(self.categories.keys().map(|a| model.aggregate(*a).context));
        let tags: Map<String, Value> = tagged
            .into_iter()
            .map(|c| {
                let context = model.context(c);
                let mut tag = Map::new();
                tag.insert("name".into(), json!(context.name));
                if let Some(d) = description(&context.description) {
                    tag.insert("description".into(), json!(d));
                }
                (context.name.clone(), Value::Object(tag))
            })
            .collect();
        let mut components = Map::new();
        if !schemas.is_empty() {
            components.insert("schemas".into(), Value::Object(schemas));
        }
        components.insert("messages".into(), Value::Object(messages));
        components.insert("tags".into(), Value::Object(tags));
        Value::Object(components)
    }
}

/// The key of a command's channel.
fn command_channel(ctx: &str, name: &str) -> String {
    format!("{ctx}.commands.{name}")
}

/// A message object: name (the event type or command name), summary, the model's
/// description, and the JSON payload.
fn message(name: &str, summary: String, text: &Option<String>, payload: Value) -> Value {
    let mut message = Map::new();
    message.insert("name".into(), json!(name));
    message.insert("title".into(), json!(name));
    message.insert("summary".into(), json!(summary));
    if let Some(text) = description(text) {
        message.insert("description".into(), json!(text));
    }
    message.insert("contentType".into(), json!("application/json"));
    message.insert("payload".into(), payload);
    Value::Object(message)
}

/// The app's HTTP API and its event store.
fn servers() -> Value {
    json!({
        "app": {
            "host": HTTP_HOST,
            "protocol": "http",
            "title": "the app's HTTP API",
            "description": "The generated app serves every context's API under `/<context>` (`app --listen ADDR`, by default 127.0.0.1:3000). A context run alone as its own service serves the same routes without the `/<context>` prefix.",
        },
        "store": {
            "host": STORE_FILE,
            "protocol": "sqlite",
            "title": "the event store",
            "description": "The event store every context shares: by default the app's SQLite file `app.db` (`app --store sqlite:<file>`); contexts run as separate services share one PostgreSQL store instead (`--store postgres://...`). Events are appended to streams `<context>-<Aggregate>-<id>`; each consumer reads the categories it uses in global order, from its own checkpoint stored with its writes.",
        }
    })
}
