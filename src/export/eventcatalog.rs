//! `export eventcatalog`: the model as EventCatalog content, in the nested folder
//! layout EventCatalog reads (domains > services > messages).
//!
//! ```text
//! domains/<context>/index.mdx                                   a domain per context
//! domains/<context>/services/<context>-service/index.mdx        its generated service
//!   …/events/<context>.<Event>/index.mdx + schema.json          what it appends
//!   …/commands/<context>.<Command>/index.mdx + schema.json      its HTTP commands
//!   …/queries/<context>.<ReadModel>/index.mdx + schema.json     its read models' queries
//! ```
//!
//! Each `index.mdx` is YAML frontmatter (`id`, `name`, `version`, `summary`, and the
//! links EventCatalog draws: a domain's `services`, a service's `sends` and
//! `receives`, a message's `schemaPath`) and a Markdown body that says what the model
//! says: descriptions, who produces and consumes the message, its fields. Producers
//! and consumers come from the services' `sends`/`receives`, as EventCatalog expects:
//! a service sends its events and receives its commands, its queries, and the other
//! contexts' published events its policies and read models use. Schemas are the
//! `export json-schema` files. Ids are qualified (`ordering.OrderPlaced`, as in the
//! AsyncAPI export) because two contexts may use one name.
//!
//! Versions: an event's is its schema version (`2` is `2.0.0`); the model versions
//! nothing else, so domains, services, commands and queries are `0.0.0`. The model
//! names no owners either, so none are written (EventCatalog's linter asks for them
//! by default: add your teams, or turn `best-practices/owner-required` off).

use super::json_schema::{json_schemas, SchemaFile};
use super::yaml::to_yaml;
use crate::ir::{ContextId, EdgeKind, Field, Model, NodeRef};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The version of what the model does not version.
pub const UNVERSIONED: &str = "0.0.0";

/// One file of the catalog: its path under the output folder and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogFile {
    /// A `/`-separated path, e.g. `domains/ordering/index.mdx`.
    pub path: String,
    /// The file's text.
    pub contents: String,
}

/// The id of a context's service.
fn service_id(context: &str) -> String {
    format!("{context}-service")
}

/// An event's version in EventCatalog's semver form.
fn event_version(version: u32) -> String {
    format!("{version}.0.0")
}

/// The URL path segment of each read model's queries, `(context, read model)` →
/// `customer-orders`, as the generated services route them. Taken from the
/// generator's own view of the model, so the catalog cannot disagree with the code.
fn query_paths(model: &Model) -> BTreeMap<(String, String), String> {
    let workspace = crate::render::service::view::workspace(model);
    let mut paths = BTreeMap::new();
    for (context, view) in model.contexts.iter().zip(&workspace.contexts) {
        for read_model in &view.read_models {
            paths.insert(
                (context.name.clone(), read_model.name.clone()),
                read_model.path.clone(),
            );
        }
    }
    paths
}

/// Every file of the catalog, in model order: per context its domain, its service, then
/// its events, commands and queries.
pub fn eventcatalog(model: &Model) -> Vec<CatalogFile> {
    let paths = query_paths(model);
    let schemas: BTreeMap<String, SchemaFile> = json_schemas(model)
        .into_iter()
        .map(|file| (file.path.clone(), file))
        .collect();
    let mut files = Vec::new();
    for (index, context) in model.contexts.iter().enumerate() {
        let id = ContextId(index as u32);
        let ctx = &context.name;
        let domain_dir = format!("domains/{ctx}");
        let service_dir = format!("{domain_dir}/services/{}", service_id(ctx));
        files.push(domain(model, id, &domain_dir));
        files.push(service(model, id, &service_dir));
        for aggregate in context.aggregates.iter().map(|a| model.aggregate(*a)) {
            for event_id in &aggregate.events {
                let event = model.event(*event_id);
                let dir = format!("{service_dir}/events/{ctx}.{}", event.name);
                files.push(message_page(model, Message::Event(*event_id), &dir));
                files.push(schema_file(
                    &schemas,
                    &format!("{ctx}/events/{}", event.name),
                    &dir,
                ));
            }
        }
        for aggregate in context.aggregates.iter().map(|a| model.aggregate(*a)) {
            for command_id in &aggregate.commands {
                let command = model.command(*command_id);
                let dir = format!("{service_dir}/commands/{ctx}.{}", command.name);
                files.push(message_page(model, Message::Command(*command_id), &dir));
                files.push(schema_file(
                    &schemas,
                    &format!("{ctx}/commands/{}", command.name),
                    &dir,
                ));
            }
        }
        for read_model_id in &context.read_models {
            let read_model = model.read_model(*read_model_id);
            let dir = format!("{service_dir}/queries/{ctx}.{}", read_model.name);
            let path = paths
                .get(&(ctx.clone(), read_model.name.clone()))
                .map(|segment| format!("/{ctx}/{segment}"));
            files.push(message_page(
                model,
                Message::Query(*read_model_id, path),
                &dir,
            ));
            files.push(schema_file(
                &schemas,
                &format!("{ctx}/read-models/{}", read_model.name),
                &dir,
            ));
        }
    }
    files
}

fn schema_file(schemas: &BTreeMap<String, SchemaFile>, key: &str, dir: &str) -> CatalogFile {
    let contents = schemas
        .get(&format!("{key}.schema.json"))
        .map(SchemaFile::contents)
        .unwrap_or_default();
    CatalogFile {
        path: format!("{dir}/schema.json"),
        contents,
    }
}

/// A `---` fenced YAML frontmatter, then the body.
fn page(path: String, frontmatter: Value, body: &str) -> CatalogFile {
    CatalogFile {
        path,
        contents: format!("---\n{}---\n\n{}", to_yaml(&frontmatter), body),
    }
}

/// A pointer `{id, version}` to a resource.
fn pointer(id: &str, version: &str) -> Value {
    json!({ "id": id, "version": version })
}

/// A one-line summary: the description's first paragraph, or `fallback`.
fn summary(description: &Option<String>, fallback: String) -> String {
    description
        .as_deref()
        .and_then(|d| d.split("\n\n").map(str::trim).find(|p| !p.is_empty()))
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or(fallback)
}

/// Model text in an MDX body: outside code spans, the characters MDX gives a meaning
/// to (`{`, `}`, `<`, `>`) are escaped, so a description never turns into JSX.
fn mdx_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if !in_code && matches!(c, '{' | '}' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The description as body paragraphs, or nothing.
fn description_block(description: &Option<String>) -> String {
    match super::schema::description(description) {
        Some(text) => format!("{}\n\n", mdx_text(&text)),
        None => String::new(),
    }
}

/// A Markdown table of fields, or a line saying there are none. `implicit` describes
/// the field the model adds (an aggregate's id, a read model's key).
fn fields_table(model: &Model, fields: &[Field], implicit: &str) -> String {
    if fields.is_empty() {
        return "No fields.\n".to_owned();
    }
    let mut out = String::from("| Field | Type | Description |\n|---|---|---|\n");
    for field in fields {
        let description = super::schema::description(&field.description)
            .map(|d| {
                mdx_text(&d.split_whitespace().collect::<Vec<_>>().join(" ")).replace('|', "\\|")
            })
            .unwrap_or_default();
        let description = if field.implicit && description.is_empty() {
            implicit.to_owned()
        } else {
            description
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {description} |\n",
            field.name,
            model.type_name(&field.ty).replace('|', "\\|")
        ));
    }
    out
}

/// A bullet list, or `none` on its own line.
fn bullets(items: &[String]) -> String {
    if items.is_empty() {
        return "None.\n".to_owned();
    }
    items.iter().map(|i| format!("- {i}\n")).collect()
}

fn domain(model: &Model, id: ContextId, dir: &str) -> CatalogFile {
    let context = model.context(id);
    let ctx = &context.name;
    let mut frontmatter = Map::new();
    frontmatter.insert("id".into(), json!(ctx));
    frontmatter.insert("name".into(), json!(ctx));
    frontmatter.insert("version".into(), json!(UNVERSIONED));
    frontmatter.insert(
        "summary".into(),
        json!(summary(
            &context.description,
            format!("The `{ctx}` bounded context of {}", model.system)
        )),
    );
    frontmatter.insert(
        "services".into(),
        json!([pointer(&service_id(ctx), UNVERSIONED)]),
    );
    let patterns: Vec<&str> = model.patterns(id).iter().map(|p| p.label()).collect();
    let patterns = if patterns.is_empty() {
        "no event-driven pattern yet".to_owned()
    } else {
        patterns.join(", ")
    };
    let body = format!(
        "{}A bounded context of {}, with one service: `{}`. Event-driven patterns: {patterns}.\n\n<NodeGraph />\n",
        description_block(&context.description),
        model.system,
        service_id(ctx),
    );
    page(
        format!("{dir}/index.mdx"),
        Value::Object(frontmatter),
        &body,
    )
}

fn service(model: &Model, id: ContextId, dir: &str) -> CatalogFile {
    let context = model.context(id);
    let ctx = &context.name;
    let mut sends = Vec::new();
    let mut receives = Vec::new();
    for aggregate in context.aggregates.iter().map(|a| model.aggregate(*a)) {
        for event in aggregate.events.iter().map(|e| model.event(*e)) {
            sends.push(pointer(
                &format!("{ctx}.{}", event.name),
                &event_version(event.version),
            ));
        }
    }
    for aggregate in context.aggregates.iter().map(|a| model.aggregate(*a)) {
        for command in aggregate.commands.iter().map(|c| model.command(*c)) {
            receives.push(pointer(&format!("{ctx}.{}", command.name), UNVERSIONED));
        }
    }
    for read_model in context.read_models.iter().map(|r| model.read_model(*r)) {
        receives.push(pointer(&format!("{ctx}.{}", read_model.name), UNVERSIONED));
    }
    // Other contexts' published events its policies, processes and read models use,
    // once each, in model order.
    let mut foreign = Vec::new();
    let uses = context
        .policies
        .iter()
        .flat_map(|p| model.policy(*p).on.iter())
        .chain(
            context
                .processes
                .iter()
                .flat_map(|p| model.process(*p).handlers.iter().map(|h| &h.event)),
        )
        .chain(
            context
                .read_models
                .iter()
                .flat_map(|r| model.read_model(*r).from.iter()),
        );
    for event_id in uses {
        let event = model.event(*event_id);
        if event.context != id && !foreign.contains(event_id) {
            foreign.push(*event_id);
        }
    }
    foreign.sort();
    for event_id in &foreign {
        let event = model.event(*event_id);
        receives.push(pointer(
            &model.qualified_event(*event_id),
            &event_version(event.version),
        ));
    }
    let mut frontmatter = Map::new();
    frontmatter.insert("id".into(), json!(service_id(ctx)));
    frontmatter.insert("name".into(), json!(format!("{ctx} service")));
    frontmatter.insert("version".into(), json!(UNVERSIONED));
    frontmatter.insert(
        "summary".into(),
        json!(format!(
            "The service of the `{ctx}` context: its commands over HTTP, its events in the event store, its read models' queries"
        )),
    );
    if !sends.is_empty() {
        frontmatter.insert("sends".into(), Value::Array(sends));
    }
    if !receives.is_empty() {
        frontmatter.insert("receives".into(), Value::Array(receives));
    }
    let policies: Vec<String> = context
        .policies
        .iter()
        .map(|p| {
            let policy = model.policy(*p);
            let on: Vec<String> = policy
                .on
                .iter()
                .map(|e| format!("`{}`", model.qualified_event(*e)))
                .collect();
            let mut action = Vec::new();
            if let Some(command) = policy.issues {
                action.push(format!("issues `{}`", model.qualified_command(command)));
            }
            if let Some(external) = policy.calls {
                action.push(format!(
                    "calls `{}`",
                    model.externals[external.index()].name
                ));
            }
            format!(
                "`{}`: on {}, {}",
                policy.name,
                on.join(", "),
                action.join(" and ")
            )
        })
        .collect();
    let body = format!(
        "The generated service of the `{ctx}` bounded context (`stormcraft generate`): commands in at `POST /{ctx}/commands/<Command>`, events appended to its aggregates' streams, queries served from its read models.\n\n## Policies\n\n{}\n<NodeGraph />\n",
        bullets(&policies)
    );
    page(
        format!("{dir}/index.mdx"),
        Value::Object(frontmatter),
        &body,
    )
}

/// The messages a catalog page can be about.
#[derive(Clone)]
enum Message {
    Event(crate::ir::EventId),
    Command(crate::ir::CommandId),
    /// A read model, with the URL path of its queries when the generator knows it.
    Query(crate::ir::ReadModelId, Option<String>),
}

fn message_page(model: &Model, message: Message, dir: &str) -> CatalogFile {
    let mut frontmatter = Map::new();
    let body = match message {
        Message::Event(id) => {
            let event = model.event(id);
            let ctx = &model.context(event.context).name;
            let aggregate = model.aggregate(event.aggregate);
            frontmatter.insert("id".into(), json!(format!("{ctx}.{}", event.name)));
            frontmatter.insert("name".into(), json!(event.name));
            frontmatter.insert("version".into(), json!(event_version(event.version)));
            frontmatter.insert(
                "summary".into(),
                json!(summary(
                    &event.description,
                    format!(
                        "Event `{}` of the aggregate `{}` in `{ctx}`",
                        event.name, aggregate.name
                    )
                )),
            );
            let badge = if event.published {
                json!({"content": "published", "backgroundColor": "orange", "textColor": "orange"})
            } else {
                json!({"content": format!("private to {ctx}"), "backgroundColor": "gray", "textColor": "gray"})
            };
            frontmatter.insert("badges".into(), json!([badge]));
            let producers: Vec<String> = model
                .graph
                .predecessors(NodeRef::Event(id), EdgeKind::Emits)
                .into_iter()
                .filter_map(|n| match n {
                    NodeRef::Command(c) => {
                        Some(format!("command `{}`", model.qualified_command(c)))
                    }
                    _ => None,
                })
                .collect();
            let mut consumers = Vec::new();
            for (edge, kind) in [
                (EdgeKind::Triggers, "policy"),
                (EdgeKind::Feeds, "read model"),
            ] {
                for node in model.graph.successors(NodeRef::Event(id), edge) {
                    let (context, name) = match node {
                        NodeRef::Policy(p) => (model.policy(p).context, &model.policy(p).name),
                        NodeRef::ReadModel(r) => {
                            (model.read_model(r).context, &model.read_model(r).name)
                        }
                        _ => continue,
                    };
                    consumers.push(format!(
                        "{kind} `{}.{name}` (service `{}`)",
                        model.context(context).name,
                        service_id(&model.context(context).name)
                    ));
                }
            }
            let reach = if event.published {
                "Published: other contexts may react to it or project it.".to_owned()
            } else {
                format!("Private to the `{ctx}` context.")
            };
            format!(
                "{}Appended to the streams `{ctx}-{}-<{}>` of the aggregate `{}`, schema version {}. {reach}\n\n## Produced by\n\n{}\n## Consumed by\n\n{}\n## Fields\n\n{}\n<NodeGraph />\n",
                description_block(&event.description),
                aggregate.name,
                aggregate.id.name,
                aggregate.name,
                event.version,
                bullets(&producers),
                bullets(&consumers),
                fields_table(model, &event.fields, &format!("the id of the aggregate `{}`", aggregate.name)),
            )
        }
        Message::Command(id) => {
            let command = model.command(id);
            let ctx = &model.context(command.context).name;
            let aggregate = model.aggregate(command.aggregate);
            frontmatter.insert("id".into(), json!(format!("{ctx}.{}", command.name)));
            frontmatter.insert("name".into(), json!(command.name));
            frontmatter.insert("version".into(), json!(UNVERSIONED));
            frontmatter.insert(
                "summary".into(),
                json!(summary(
                    &command.description,
                    format!(
                        "Command `{}` of the aggregate `{}` in `{ctx}`",
                        command.name, aggregate.name
                    )
                )),
            );
            let path = format!("/{ctx}/commands/{}", command.name);
            frontmatter.insert("operation".into(), json!({"method": "POST", "path": path}));
            let issuers: Vec<String> = model
                .graph
                .predecessors(NodeRef::Command(id), EdgeKind::Issues)
                .into_iter()
                .filter_map(|n| match n {
                    NodeRef::Actor(a) => Some(format!("actor `{}`", model.actors[a.index()].name)),
                    NodeRef::External(e) => Some(format!(
                        "external system `{}`",
                        model.externals[e.index()].name
                    )),
                    NodeRef::Policy(p) => Some(format!(
                        "policy `{}.{}`",
                        model.context(model.policy(p).context).name,
                        model.policy(p).name
                    )),
                    _ => None,
                })
                .collect();
            let emits: Vec<String> = command
                .emits
                .iter()
                .map(|e| format!("event `{}`", model.qualified_event(*e)))
                .collect();
            let errors: Vec<String> = command
                .errors
                .iter()
                .map(|e| match super::schema::description(&e.message) {
                    Some(message) => format!("`{}`: {}", e.name, mdx_text(&message)),
                    None => format!("`{}`", e.name),
                })
                .collect();
            format!(
                "{}Sent as the JSON body of `POST {path}`; handled by the aggregate `{}`.\n\n## Issued by\n\n{}\n## Emits\n\n{}\n## Business errors\n\n{}\n## Fields\n\n{}\n<NodeGraph />\n",
                description_block(&command.description),
                aggregate.name,
                bullets(&issuers),
                bullets(&emits),
                bullets(&errors),
                fields_table(model, &command.fields, &format!("the id of the aggregate `{}`", aggregate.name)),
            )
        }
        Message::Query(id, path) => {
            let read_model = model.read_model(id);
            let ctx = &model.context(read_model.context).name;
            frontmatter.insert("id".into(), json!(format!("{ctx}.{}", read_model.name)));
            frontmatter.insert("name".into(), json!(read_model.name));
            frontmatter.insert("version".into(), json!(UNVERSIONED));
            frontmatter.insert(
                "summary".into(),
                json!(summary(
                    &read_model.description,
                    format!("Query of the read model `{}` in `{ctx}`", read_model.name)
                )),
            );
            if let Some(path) = &path {
                let route = match read_model.key_route() {
                    Some(key) => format!("{path}/{key}"),
                    None => path.clone(),
                };
                frontmatter.insert("operation".into(), json!({"method": "GET", "path": route}));
            }
            let sources: Vec<String> = read_model
                .from
                .iter()
                .map(|e| format!("event `{}`", model.qualified_event(*e)))
                .collect();
            let queries = match &path {
                Some(path) => match read_model.key_route() {
                    Some(key) => format!(
                        ": `GET {path}/{}` returns one row (or 404), `GET {path}` lists rows",
                        key.replace('{', "<").replace('}', ">")
                    ),
                    None => format!(": `GET {path}` lists rows in the order of their events"),
                },
                None => String::new(),
            };
            format!(
                "{}Rows of the read model `{}`, {}{queries}.\n\n## Fed by\n\n{}\n## Row fields\n\n{}\n<NodeGraph />\n",
                description_block(&read_model.description),
                read_model.name,
                read_model.keyed_by(),
                bullets(&sources),
                fields_table(model, &read_model.fields, "the row's key"),
            )
        }
    };
    frontmatter.insert("schemaPath".into(), json!("schema.json"));
    page(
        format!("{dir}/index.mdx"),
        Value::Object(frontmatter),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_text_never_becomes_jsx() {
        assert_eq!(mdx_text("a {b} <c>"), "a \\{b\\} \\<c\\>");
        assert_eq!(mdx_text("`map<string, T>` {x}"), "`map<string, T>` \\{x\\}");
    }

    #[test]
    fn summaries_are_one_line() {
        assert_eq!(
            summary(&Some("one\ntwo\n\nthree".into()), String::new()),
            "one two"
        );
        assert_eq!(summary(&None, "fallback".into()), "fallback");
    }
}
