//! Decodes the spanned YAML tree of one file into its [`FileAst`], reporting every
//! unknown key, wrong value type and missing key of the file together.

use crate::check::rules::{
    sc002_unknown_key, sc003_wrong_type, sc004_missing_key, sc005_format_version,
    sc030_bad_type_expression, sc080_outcome_shape,
};
use crate::diagnostic::Diagnostics;
use crate::model::ast::*;
use crate::model::yaml::{Node, SpannedNode};
use crate::source::Span;
use serde_saphyr::Spanned;

/// The highest format version this build reads (it reads every version from 1).
pub const FORMAT_VERSION: i64 = 2;

/// The format versions this build reads.
pub const SUPPORTED_VERSIONS: [i64; 2] = [1, 2];

type Entries = [(Spanned<String>, SpannedNode)];

struct Decoder<'d> {
    file: u32,
    /// The file's format version; a missing or unsupported one counts as the
    /// newest, so its keys are not reported twice (SC005 already says so).
    version: i64,
    diagnostics: &'d mut Diagnostics,
}

/// Decodes one parsed file. Problems go to `diagnostics`; what could be read is returned.
pub fn decode_file(file: u32, root: &SpannedNode, diagnostics: &mut Diagnostics) -> FileAst {
    let mut decoder = Decoder {
        file,
        version: FORMAT_VERSION,
        diagnostics,
    };
    decoder.file_ast(root)
}

impl Decoder<'_> {
    fn span(&self, node: &SpannedNode) -> Span {
        Span::from_location(self.file, &node.referenced)
    }

    fn key_span(&self, key: &Spanned<String>) -> Span {
        Span::from_location(self.file, &key.referenced)
    }

    fn key_name(&self, key: &Spanned<String>) -> Name {
        Sp::new(key.value.clone(), self.key_span(key))
    }

    fn wrong_type(&mut self, node: &SpannedNode, what: &str, expected: &str) {
        let span = self.span(node);
        self.diagnostics.push(sc003_wrong_type::diagnostic(
            what,
            expected,
            &node.value,
            span,
        ));
    }

    /// The entries of a mapping; `null` counts as an empty mapping.
    fn mapping<'n>(&mut self, node: &'n SpannedNode, what: &str) -> &'n Entries {
        match &node.value {
            Node::Map(entries) => entries,
            Node::Null => &[],
            _ => {
                self.wrong_type(node, what, "a mapping");
                &[]
            }
        }
    }

    /// Checks the keys of a mapping: reports unknown ones (with did-you-mean) and
    /// missing required ones (at `owner`), and returns the values by allowed key.
    fn keys<'n, const N: usize>(
        &mut self,
        entries: &'n Entries,
        allowed: [&'static str; N],
        required: &[&'static str],
        owner: Span,
        what: &str,
    ) -> [Option<&'n SpannedNode>; N] {
        let mut found: [Option<&'n SpannedNode>; N] = [None; N];
        for (key, value) in entries {
            match allowed.iter().position(|k| *k == key.value) {
                Some(index) => found[index] = Some(value),
                None => self.diagnostics.push(sc002_unknown_key::diagnostic(
                    &key.value,
                    what,
                    &allowed,
                    self.key_span(key),
                )),
            }
        }
        for key in required {
            if let Some(index) = allowed.iter().position(|k| k == key) {
                if found[index].is_none() {
                    self.diagnostics
                        .push(sc004_missing_key::diagnostic(what, key, owner));
                }
            }
        }
        found
    }

    /// Reports each of `keys` written in `entries` of a format-1 file: they need
    /// format 2, and a format-1 file must mean what it meant before.
    fn format_2_keys(&mut self, entries: &Entries, keys: &[&str], what: &str) {
        if self.version >= 2 {
            return;
        }
        for (key, _) in entries {
            if keys.contains(&key.value.as_str()) {
                self.diagnostics.push(sc005_format_version::needs_format_2(
                    &key.value,
                    what,
                    self.key_span(key),
                ));
            }
        }
    }

    /// Where `key` is written in `entries`, if it is.
    fn key_of(&self, entries: &Entries, key: &str) -> Option<Span> {
        entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(k, _)| self.key_span(k))
    }

    fn string(&mut self, node: &SpannedNode, what: &str) -> Option<Sp<String>> {
        let span = self.span(node);
        match &node.value {
            Node::Str(s) => Some(Sp::new(s.clone(), span)),
            // Numbers and booleans written where text is expected are almost always
            // meant as text (a version `1.0` in a description, say), except for names.
            Node::Int(i) => Some(Sp::new(i.to_string(), span)),
            Node::Float(f) => Some(Sp::new(f.to_string(), span)),
            Node::Bool(b) => Some(Sp::new(b.to_string(), span)),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    /// A name or reference: must be a string scalar.
    fn name(&mut self, node: &SpannedNode, what: &str) -> Option<Name> {
        let span = self.span(node);
        match &node.value {
            Node::Str(s) => Some(Sp::new(s.clone(), span)),
            _ => {
                self.wrong_type(node, what, "a name");
                None
            }
        }
    }

    fn opt_string(&mut self, node: Option<&SpannedNode>, what: &str) -> Option<Sp<String>> {
        node.and_then(|n| match n.value {
            Node::Null => None,
            _ => self.string(n, what),
        })
    }

    /// One name or a list of names.
    fn names(&mut self, node: Option<&SpannedNode>, what: &str) -> Vec<Name> {
        let Some(node) = node else { return Vec::new() };
        match &node.value {
            Node::Null => Vec::new(),
            Node::Str(_) => self.name(node, what).into_iter().collect(),
            Node::Seq(items) => items.iter().filter_map(|i| self.name(i, what)).collect(),
            _ => {
                self.wrong_type(node, what, "a name or a list of names");
                Vec::new()
            }
        }
    }

    fn int(&mut self, node: &SpannedNode, what: &str) -> Option<Sp<i64>> {
        match node.value {
            Node::Int(i) => Some(Sp::new(i, self.span(node))),
            _ => {
                self.wrong_type(node, what, "an integer");
                None
            }
        }
    }

    fn boolean(&mut self, node: &SpannedNode, what: &str) -> Option<Sp<bool>> {
        match node.value {
            Node::Bool(b) => Some(Sp::new(b, self.span(node))),
            _ => {
                self.wrong_type(node, what, "`true` or `false`");
                None
            }
        }
    }

    fn list<'n>(&mut self, node: Option<&'n SpannedNode>, what: &str) -> &'n [SpannedNode] {
        let Some(node) = node else { return &[] };
        match &node.value {
            Node::Seq(items) => items,
            Node::Null => &[],
            _ => {
                self.wrong_type(node, what, "a list");
                &[]
            }
        }
    }

    fn file_ast(&mut self, root: &SpannedNode) -> FileAst {
        let mut ast = FileAst {
            file: self.file,
            ..FileAst::default()
        };
        let root_span = Span {
            file: self.file,
            start: 0,
            len: 0,
        };
        if let Node::Null = root.value {
            self.diagnostics
                .push(sc005_format_version::empty_file(root_span));
            return ast;
        }
        let entries = self.mapping(root, "a model file");
        let [format, system, description, actors, externals, contexts, hotspots] = self.keys(
            entries,
            [
                "stormcraft",
                "system",
                "description",
                "actors",
                "externals",
                "contexts",
                "hotspots",
            ],
            &[],
            root_span,
            "a model file",
        );
        match format {
            None if matches!(root.value, Node::Map(_)) => self
                .diagnostics
                .push(sc005_format_version::no_version(root_span)),
            None => {}
            Some(node) => {
                if let Some(version) = self.int(node, "`stormcraft` (the format version)") {
                    if SUPPORTED_VERSIONS.contains(&version.value) {
                        self.version = version.value;
                    } else {
                        self.diagnostics.push(sc005_format_version::unsupported(
                            version.value,
                            version.span,
                        ));
                    }
                    ast.format = Some(version);
                }
            }
        }
        ast.system = system.and_then(|n| self.name(n, "`system`"));
        ast.description = self.opt_string(description, "`description`");
        if let Some(actors) = actors {
            for (key, value) in self.mapping(actors, "`actors`") {
                let description = self.described(value, "an actor");
                ast.actors.push(ActorAst {
                    name: self.key_name(key),
                    description,
                });
            }
        }
        if let Some(externals) = externals {
            for (key, value) in self.mapping(externals, "`externals`") {
                let description = self.described(value, "an external system");
                ast.externals.push(ExternalAst {
                    name: self.key_name(key),
                    description,
                });
            }
        }
        if let Some(contexts) = contexts {
            for (key, value) in self.mapping(contexts, "`contexts`") {
                let context = self.context(key, value);
                ast.contexts.push(context);
            }
        }
        ast.hotspots = self.hotspots(hotspots);
        ast
    }

    /// An element whose only key is `description`; a bare string is its description.
    fn described(&mut self, node: &SpannedNode, what: &str) -> Option<Sp<String>> {
        match &node.value {
            Node::Null => None,
            Node::Str(_) => self.string(node, what),
            Node::Seq(_) => {
                self.wrong_type(node, what, "a description or a mapping with `description`");
                None
            }
            _ => {
                let span = self.span(node);
                let entries = self.mapping(node, what);
                let [description] = self.keys(entries, ["description"], &[], span, what);
                self.opt_string(description, "`description`")
            }
        }
    }

    fn hotspots(&mut self, node: Option<&SpannedNode>) -> Vec<HotspotAst> {
        let mut hotspots = Vec::new();
        for item in self.list(node, "`hotspots`") {
            match &item.value {
                Node::Str(_) => {
                    if let Some(text) = self.string(item, "a hotspot") {
                        hotspots.push(HotspotAst { text, on: None });
                    }
                }
                _ => {
                    let span = self.span(item);
                    let entries = self.mapping(item, "a hotspot");
                    let [text, on] =
                        self.keys(entries, ["text", "on"], &["text"], span, "a hotspot");
                    let on = on.and_then(|n| self.name(n, "`on`"));
                    if let Some(text) = text.and_then(|t| self.string(t, "`text`")) {
                        hotspots.push(HotspotAst { text, on });
                    }
                }
            }
        }
        hotspots
    }

    fn context(&mut self, key: &Spanned<String>, node: &SpannedNode) -> ContextAst {
        let name = self.key_name(key);
        let what = format!("context `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, types, aggregates, policies, processes, read_models, scenarios, hotspots] =
            self.keys(
                entries,
                [
                    "description",
                    "types",
                    "aggregates",
                    "policies",
                    "processes",
                    "read_models",
                    "scenarios",
                    "hotspots",
                ],
                &[],
                name.span,
                &what,
            );
        self.format_2_keys(entries, &["processes"], &what);
        let mut context = ContextAst {
            description: self.opt_string(description, "`description`"),
            name,
            types: Vec::new(),
            aggregates: Vec::new(),
            policies: Vec::new(),
            processes: Vec::new(),
            read_models: Vec::new(),
            scenarios: Vec::new(),
            hotspots: Vec::new(),
        };
        if let Some(types) = types {
            for (key, value) in self.mapping(types, "`types`") {
                if let Some(ty) = self.named_type(key, value) {
                    context.types.push(ty);
                }
            }
        }
        if let Some(aggregates) = aggregates {
            for (key, value) in self.mapping(aggregates, "`aggregates`") {
                let aggregate = self.aggregate(key, value);
                context.aggregates.push(aggregate);
            }
        }
        if let Some(policies) = policies {
            for (key, value) in self.mapping(policies, "`policies`") {
                let policy = self.policy(key, value);
                context.policies.push(policy);
            }
        }
        if let Some(processes) = processes {
            for (key, value) in self.mapping(processes, "`processes`") {
                let process = self.process(key, value);
                context.processes.push(process);
            }
        }
        if let Some(read_models) = read_models {
            for (key, value) in self.mapping(read_models, "`read_models`") {
                let read_model = self.read_model(key, value);
                context.read_models.push(read_model);
            }
        }
        for item in self.list(scenarios, "`scenarios`") {
            if let Some(scenario) = self.scenario(item) {
                context.scenarios.push(scenario);
            }
        }
        context.hotspots = self.hotspots(hotspots);
        context
    }

    fn named_type(&mut self, key: &Spanned<String>, node: &SpannedNode) -> Option<TypeAst> {
        let name = self.key_name(key);
        let what = format!("type `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, fields, variants] = self.keys(
            entries,
            ["description", "fields", "enum"],
            &[],
            name.span,
            &what,
        );
        let description = self.opt_string(description, "`description`");
        let kind = match (fields, variants) {
            (Some(_), Some(variants)) => {
                let span = self.span(variants);
                self.diagnostics
                    .push(sc002_unknown_key::record_and_enum(&what, span));
                return None;
            }
            (Some(fields), None) => TypeKindAst::Record(self.fields_of(Some(fields), &what, false)),
            (None, Some(variants)) => {
                let span = self.span(variants);
                let items = self.list(Some(variants), "`enum`");
                let names = items
                    .iter()
                    .filter_map(|i| self.name(i, "an enum variant"))
                    .collect();
                TypeKindAst::Enum(names, span)
            }
            (None, None) => {
                self.diagnostics
                    .push(sc004_missing_key::record_or_enum(&what, name.span));
                return None;
            }
        };
        Some(TypeAst {
            name,
            description,
            kind,
        })
    }

    fn fields(&mut self, node: Option<&SpannedNode>, owner: &str) -> Vec<FieldAst> {
        self.fields_of(node, owner, true)
    }

    /// The fields of a mapping; `computed` says whether a field may be declared
    /// `computed:` (a message's, state's or read model's field may; a record's
    /// cannot: a rule computes a message, not the parts of a value type).
    fn fields_of(
        &mut self,
        node: Option<&SpannedNode>,
        owner: &str,
        computed: bool,
    ) -> Vec<FieldAst> {
        let Some(node) = node else { return Vec::new() };
        let mut fields = Vec::new();
        let what = format!("the fields of {owner}");
        for (key, value) in self.mapping(node, &what) {
            let name = self.key_name(key);
            let field_what = format!("field `{}`", key.value);
            let (ty, description, computed) = match &value.value {
                Node::Map(entries) if computed => {
                    let [ty, description, how] = self.keys(
                        entries,
                        ["type", "description", "computed"],
                        &["type"],
                        name.span,
                        &field_what,
                    );
                    self.format_2_keys(entries, &["computed"], &field_what);
                    let how = if self.version >= 2 {
                        self.opt_string(how, "`computed`")
                    } else {
                        None
                    };
                    (
                        ty.and_then(|t| self.type_expression(t)),
                        self.opt_string(description, "`description`"),
                        how,
                    )
                }
                Node::Map(entries) => {
                    let [ty, description] = self.keys(
                        entries,
                        ["type", "description"],
                        &["type"],
                        name.span,
                        &field_what,
                    );
                    (
                        ty.and_then(|t| self.type_expression(t)),
                        self.opt_string(description, "`description`"),
                        None,
                    )
                }
                _ => (self.type_expression(value), None, None),
            };
            if let Some(ty) = ty {
                fields.push(FieldAst {
                    name,
                    ty,
                    description,
                    computed,
                });
            }
        }
        fields
    }

    /// A type expression: a string, or YAML's flow list `[T]` read back as a list type.
    fn type_expression(&mut self, node: &SpannedNode) -> Option<Sp<String>> {
        match &node.value {
            Node::Str(s) => Some(Sp::new(s.clone(), self.span(node))),
            Node::Seq(items) if items.len() == 1 => {
                let inner = self.type_expression(&items[0])?;
                Some(Sp::new(format!("[{}]", inner.value), inner.span))
            }
            Node::Null => {
                let span = self.span(node);
                self.diagnostics
                    .push(sc030_bad_type_expression::no_type(span));
                None
            }
            _ => {
                self.wrong_type(
                    node,
                    "a field type",
                    "a type expression such as `string` or `[Line]`",
                );
                None
            }
        }
    }

    fn aggregate(&mut self, key: &Spanned<String>, node: &SpannedNode) -> AggregateAst {
        let name = self.key_name(key);
        let what = format!("aggregate `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, id, persistence, state, commands, events] = self.keys(
            entries,
            [
                "description",
                "id",
                "persistence",
                "state",
                "commands",
                "events",
            ],
            &[],
            name.span,
            &what,
        );
        let id = self.id(id, name.span);
        let persistence = match persistence {
            None => Sp::new(Persistence::EventSourced, name.span),
            Some(node) => {
                let span = self.span(node);
                match &node.value {
                    Node::Str(s) if s == "event-sourced" => {
                        Sp::new(Persistence::EventSourced, span)
                    }
                    Node::Str(s) if s == "state-stored" => Sp::new(Persistence::StateStored, span),
                    _ => {
                        let written = match &node.value {
                            Node::Str(s) => Some(s.as_str()),
                            _ => None,
                        };
                        self.diagnostics
                            .push(sc003_wrong_type::unknown_persistence(written, span));
                        Sp::new(Persistence::EventSourced, span)
                    }
                }
            }
        };
        let mut aggregate = AggregateAst {
            description: self.opt_string(description, "`description`"),
            state: self.fields(state, &format!("the state of {what}")),
            name,
            id,
            persistence,
            commands: Vec::new(),
            events: Vec::new(),
        };
        if let Some(commands) = commands {
            for (key, value) in self.mapping(commands, "`commands`") {
                let command = self.command(key, value);
                aggregate.commands.push(command);
            }
        }
        if let Some(events) = events {
            for (key, value) in self.mapping(events, "`events`") {
                let event = self.event(key, value);
                aggregate.events.push(event);
            }
        }
        aggregate
    }

    fn id(&mut self, node: Option<&SpannedNode>, owner: Span) -> IdAst {
        let default = IdAst {
            name: Sp::new("id".to_owned(), owner),
            ty: Sp::new("uuid".to_owned(), owner),
        };
        let Some(node) = node else { return default };
        match &node.value {
            Node::Str(_) => match self.name(node, "`id`") {
                Some(name) => IdAst {
                    ty: Sp::new("uuid".to_owned(), name.span),
                    name,
                },
                None => default,
            },
            _ => {
                let span = self.span(node);
                let entries = self.mapping(node, "`id`");
                let [name, ty] = self.keys(entries, ["name", "type"], &[], span, "`id`");
                let name = name.and_then(|n| self.name(n, "the id's `name`"));
                let ty = ty.and_then(|t| self.type_expression(t));
                IdAst {
                    name: name.unwrap_or(default.name),
                    ty: ty.unwrap_or(default.ty),
                }
            }
        }
    }

    fn command(&mut self, key: &Spanned<String>, node: &SpannedNode) -> CommandAst {
        let name = self.key_name(key);
        let what = format!("command `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, by, fields, emits, outcomes, errors] = self.keys(
            entries,
            ["description", "by", "fields", "emits", "outcomes", "errors"],
            &[],
            name.span,
            &what,
        );
        self.format_2_keys(entries, &["outcomes"], &what);
        CommandAst {
            description: self.opt_string(description, "`description`"),
            by: self.names(by, "`by`"),
            fields: self.fields(fields, &what),
            emits: self.names(emits, "`emits`"),
            emits_key: self.key_of(entries, "emits"),
            outcomes: self.outcomes(outcomes),
            outcomes_key: self.key_of(entries, "outcomes"),
            errors: self.errors(errors),
            name,
        }
    }

    /// `outcomes:`: a mapping of outcome name to its events, written as a list
    /// (`[A, B?]`) or as `{ events: [...], failure: true }`.
    fn outcomes(&mut self, node: Option<&SpannedNode>) -> Vec<OutcomeAst> {
        let Some(node) = node else { return Vec::new() };
        let mut outcomes = Vec::new();
        for (key, value) in self.mapping(node, "`outcomes`") {
            let name = self.key_name(key);
            let what = format!("outcome `{}`", key.value);
            let (events, failure) = match &value.value {
                Node::Map(entries) => {
                    let [events, failure] = self.keys(
                        entries,
                        ["events", "failure"],
                        &["events"],
                        name.span,
                        &what,
                    );
                    let failure = failure.and_then(|f| match f.value {
                        Node::Bool(b) => Some(Sp::new(b, self.span(f))),
                        _ => {
                            let span = self.span(f);
                            self.diagnostics
                                .push(sc080_outcome_shape::failure_not_bool(&key.value, span));
                            None
                        }
                    });
                    (self.names(events, "the events of an outcome"), failure)
                }
                _ => (self.names(Some(value), "the events of an outcome"), None),
            };
            let events = events
                .into_iter()
                .map(|event| match event.value.strip_suffix('?') {
                    Some(bare) => OutcomeEventAst {
                        name: Sp::new(bare.to_owned(), event.span),
                        optional: true,
                    },
                    None => OutcomeEventAst {
                        name: event,
                        optional: false,
                    },
                })
                .collect();
            outcomes.push(OutcomeAst {
                name,
                events,
                failure,
            });
        }
        outcomes
    }

    /// `errors:` as a list of names or a mapping of name to message.
    fn errors(&mut self, node: Option<&SpannedNode>) -> Vec<ErrorAst> {
        let Some(node) = node else { return Vec::new() };
        match &node.value {
            Node::Map(entries) => entries
                .iter()
                .map(|(key, value)| ErrorAst {
                    name: self.key_name(key),
                    message: match value.value {
                        Node::Null => None,
                        _ => self.string(value, "an error message"),
                    },
                })
                .collect(),
            _ => self
                .names(Some(node), "`errors`")
                .into_iter()
                .map(|name| ErrorAst {
                    name,
                    message: None,
                })
                .collect(),
        }
    }

    fn event(&mut self, key: &Spanned<String>, node: &SpannedNode) -> EventAst {
        let name = self.key_name(key);
        let what = format!("event `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, version, published, fields, previous] = self.keys(
            entries,
            ["description", "version", "published", "fields", "previous"],
            &[],
            name.span,
            &what,
        );
        self.format_2_keys(entries, &["previous"], &what);
        let previous = previous
            .map(|node| self.previous_versions(node, &what))
            .unwrap_or_default();
        let version = match version.and_then(|v| self.int(v, "`version`")) {
            Some(v) if v.value < 1 => {
                self.diagnostics
                    .push(sc003_wrong_type::version_below_one(v.span));
                Sp::new(1, v.span)
            }
            Some(v) => v,
            None => Sp::new(1, name.span),
        };
        EventAst {
            description: self.opt_string(description, "`description`"),
            version,
            published: published
                .and_then(|p| self.boolean(p, "`published`"))
                .unwrap_or(Sp::new(false, name.span)),
            fields: self.fields(fields, &what),
            previous,
            name,
        }
    }

    /// `previous:` — a mapping from an older version number to `{ fields: … }`.
    fn previous_versions(&mut self, node: &SpannedNode, owner: &str) -> Vec<PreviousAst> {
        let what = format!("the previous versions of {owner}");
        let mut versions = Vec::new();
        for (key, value) in self.mapping(node, &what) {
            let span = self.key_span(key);
            let Ok(version) = key.value.trim().parse::<i64>() else {
                self.diagnostics
                    .push(sc003_wrong_type::previous_version_key(&key.value, span));
                continue;
            };
            let version_what = format!("version {version} of {owner}");
            let entries = self.mapping(value, &version_what);
            let [description, fields] =
                self.keys(entries, ["description", "fields"], &[], span, &version_what);
            // A description of the old shape is for readers of the YAML only.
            let _ = self.opt_string(description, "`description`");
            versions.push(PreviousAst {
                version: Sp::new(version, span),
                fields: self.fields(fields, &version_what),
            });
        }
        versions
    }

    fn policy(&mut self, key: &Spanned<String>, node: &SpannedNode) -> PolicyAst {
        let name = self.key_name(key);
        let what = format!("policy `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, on, issue, call, condition, on_error, after, unless, correlate, every, for_each, reads] =
            self.keys(
                entries,
                [
                    "description",
                    "on",
                    "issue",
                    "call",
                    "if",
                    "on_error",
                    "after",
                    "unless",
                    "correlate",
                    "every",
                    "for_each",
                    "reads",
                ],
                &[],
                name.span,
                &what,
            );
        // A schedule (`every:`) is the one policy without `on:`; a deadline without
        // one is SC085's to explain.
        if on.is_none() && every.is_none() && after.is_none() {
            self.diagnostics
                .push(sc004_missing_key::diagnostic(&what, "on", name.span));
        }
        self.format_2_keys(
            entries,
            &[
                "if",
                "on_error",
                "after",
                "unless",
                "correlate",
                "every",
                "for_each",
                "reads",
            ],
            &what,
        );
        // `on: { rejected: .. }` is a mapping; every other `on:` names events.
        let (on, rejected) = match on {
            Some(node) if matches!(node.value, Node::Map(_)) => {
                (Vec::new(), self.rejected(node, &what))
            }
            on => (self.names(on, "`on`"), None),
        };
        PolicyAst {
            reads: reads.and_then(|r| self.reads(r, &what)),
            description: self.opt_string(description, "`description`"),
            on,
            rejected,
            on_key: self.key_of(entries, "on"),
            issue: issue.and_then(|n| self.name(n, "`issue`")),
            call: call.and_then(|n| self.name(n, "`call`")),
            condition: self.opt_string(condition, "`if` (a condition in words)"),
            on_error: self.on_error(on_error),
            on_error_key: self.key_of(entries, "on_error"),
            after: self.opt_string(after, "`after` (a duration such as `30m`)"),
            unless: self.names(unless, "`unless`"),
            unless_key: self.key_of(entries, "unless"),
            correlate: correlate.and_then(|n| self.name(n, "`correlate`")),
            every: self.opt_string(every, "`every` (a duration or `day at HH:MM`)"),
            for_each: for_each.and_then(|n| self.name(n, "`for_each`")),
            name,
        }
    }

    /// A policy's `on: { rejected: Command, error: Error }` (format 2).
    fn rejected(&mut self, node: &SpannedNode, what: &str) -> Option<RejectedAst> {
        let span = self.span(node);
        let of = format!("`on` of {what}");
        let entries = self.mapping(node, &of);
        self.format_2_keys(entries, &["rejected", "error"], &of);
        let [command, error] = self.keys(entries, ["rejected", "error"], &["rejected"], span, &of);
        Some(RejectedAst {
            command: self.name(command?, "`rejected` (a command)")?,
            error: error.and_then(|e| self.name(e, "`error` (a business error)")),
            span,
        })
    }

    /// A policy's `reads:`: a read model's name, or `{ read_model, key }`.
    fn reads(&mut self, node: &SpannedNode, what: &str) -> Option<ReadsAst> {
        let span = self.span(node);
        if let Node::Str(_) = node.value {
            return Some(ReadsAst {
                read_model: self.name(node, "`reads` (a read model)")?,
                key: Vec::new(),
                span,
            });
        }
        let of = format!("`reads` of {what}");
        let entries = self.mapping(node, &of);
        let [read_model, key] =
            self.keys(entries, ["read_model", "key"], &["read_model"], span, &of);
        Some(ReadsAst {
            read_model: self.name(read_model?, "`read_model`")?,
            key: self.field_pairs(key, "`key` (row key field: event field)"),
            span,
        })
    }

    fn process(&mut self, key: &Spanned<String>, node: &SpannedNode) -> ProcessAst {
        let name = self.key_name(key);
        let what = format!("process `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, key_field, state, on, deadlines] = self.keys(
            entries,
            ["description", "key", "state", "on", "deadlines"],
            &["key", "on"],
            name.span,
            &what,
        );
        let mut reactions = Vec::new();
        if let Some(on) = on {
            for (event, value) in self.mapping(on, "the `on` of a process") {
                let reaction = self.process_reaction(event, value);
                reactions.push(reaction);
            }
        }
        let mut timers = Vec::new();
        if let Some(deadlines) = deadlines {
            for (deadline, value) in self.mapping(deadlines, "`deadlines`") {
                let deadline = self.process_deadline(deadline, value);
                timers.push(deadline);
            }
        }
        ProcessAst {
            description: self.opt_string(description, "`description`"),
            key: key_field.and_then(|k| self.name(k, "`key`")),
            state: self.fields(state, &what),
            on: reactions,
            deadlines: timers,
            name,
        }
    }

    /// One entry of a process's `on:`: `Event: { start, complete, key, issue, if, on_error }`.
    fn process_reaction(
        &mut self,
        key: &Spanned<String>,
        node: &SpannedNode,
    ) -> ProcessReactionAst {
        let event = self.key_name(key);
        let what = format!("the reaction to `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [start, complete, key_field, issue, condition, on_error] = self.keys(
            entries,
            ["start", "complete", "key", "issue", "if", "on_error"],
            &[],
            event.span,
            &what,
        );
        ProcessReactionAst {
            start: start.and_then(|s| self.boolean(s, "`start`")),
            complete: complete.and_then(|c| self.boolean(c, "`complete`")),
            key: key_field.and_then(|k| self.name(k, "`key`")),
            issue: issue.and_then(|n| self.name(n, "`issue`")),
            condition: self.opt_string(condition, "`if` (a condition in words)"),
            on_error: self.on_error(on_error),
            on_error_key: self.key_of(entries, "on_error"),
            event,
        }
    }

    /// One entry of a process's `deadlines:`: `Name: { after, unless, issue, if, on_error }`.
    fn process_deadline(
        &mut self,
        key: &Spanned<String>,
        node: &SpannedNode,
    ) -> ProcessDeadlineAst {
        let name = self.key_name(key);
        let what = format!("deadline `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [after, unless, issue, condition, on_error] = self.keys(
            entries,
            ["after", "unless", "issue", "if", "on_error"],
            &["after", "issue"],
            name.span,
            &what,
        );
        ProcessDeadlineAst {
            after: self.opt_string(after, "`after` (a duration such as `30m`)"),
            unless: self.names(unless, "`unless`"),
            issue: issue.and_then(|n| self.name(n, "`issue`")),
            condition: self.opt_string(condition, "`if` (a condition in words)"),
            on_error: self.on_error(on_error),
            on_error_key: self.key_of(entries, "on_error"),
            name,
        }
    }

    /// `on_error:`: a mapping of business error to `park`, `retry`,
    /// `{ retry: { times, after } }`, `{ issue: Command }` or `{ record: Event }`.
    fn on_error(&mut self, node: Option<&SpannedNode>) -> Vec<RecoveryAst> {
        let Some(node) = node else { return Vec::new() };
        let mut recoveries = Vec::new();
        for (key, value) in self.mapping(node, "`on_error`") {
            let span = self.span(value);
            let action = match &value.value {
                Node::Str(word) if word == "park" => RecoveryActionAst::Park,
                Node::Str(word) if word == "retry" => RecoveryActionAst::Retry {
                    times: None,
                    after: None,
                    span,
                },
                Node::Str(word) => RecoveryActionAst::Unknown(Some(word.clone()), span),
                Node::Map(entries) if entries.len() == 1 && entries[0].0.value == "issue" => {
                    match self.name(&entries[0].1, "the compensating command of `issue`") {
                        Some(command) => RecoveryActionAst::Issue(command),
                        None => continue,
                    }
                }
                Node::Map(entries) if entries.len() == 1 && entries[0].0.value == "record" => {
                    match self.name(&entries[0].1, "the event of `record`") {
                        Some(event) => RecoveryActionAst::Record(event),
                        None => continue,
                    }
                }
                Node::Map(entries) if entries.len() == 1 && entries[0].0.value == "retry" => {
                    let retry = &entries[0].1;
                    let retry_span = self.span(retry);
                    let retry_entries = self.mapping(retry, "`retry`");
                    let [times, after] = self.keys(
                        retry_entries,
                        ["times", "after"],
                        &[],
                        retry_span,
                        "`retry`",
                    );
                    RecoveryActionAst::Retry {
                        times: times.and_then(|t| self.int(t, "`times`")),
                        after: self.opt_string(after, "`after` (a duration such as `10s`)"),
                        span,
                    }
                }
                Node::Map(entries) if entries.len() == 1 => {
                    RecoveryActionAst::Unknown(Some(entries[0].0.value.clone()), span)
                }
                _ => RecoveryActionAst::Unknown(None, span),
            };
            recoveries.push(RecoveryAst {
                error: self.key_name(key),
                action,
            });
        }
        recoveries
    }

    fn read_model(&mut self, key: &Spanned<String>, node: &SpannedNode) -> ReadModelAst {
        let name = self.key_name(key);
        let what = format!("read model `{}`", key.value);
        let entries = self.mapping(node, &what);
        let [description, key_field, history, filters, from, fields] = self.keys(
            entries,
            ["description", "key", "history", "filters", "from", "fields"],
            &[],
            name.span,
            &what,
        );
        self.format_2_keys(entries, &["history", "filters"], &what);
        let history = history.and_then(|h| self.boolean(h, "`history`"));
        // A history read model has no key (SC099 when it has one); every other needs one.
        if key_field.is_none() && !history.as_ref().is_some_and(|h| h.value) {
            self.diagnostics
                .push(sc004_missing_key::diagnostic(&what, "key", name.span));
        }
        let key = match key_field {
            Some(k) if matches!(k.value, Node::Seq(_)) => {
                if self.version < 2 {
                    let span = self.span(k);
                    self.diagnostics.push(sc005_format_version::needs_format_2(
                        "key",
                        &format!("{what} (a composite key, a list)"),
                        span,
                    ));
                }
                self.names(Some(k), "`key`")
            }
            Some(k) => self.name(k, "`key`").into_iter().collect(),
            None => Vec::new(),
        };
        ReadModelAst {
            description: self.opt_string(description, "`description`"),
            key,
            key_span: self.key_of(entries, "key"),
            history,
            filters: self.names(filters, "`filters`"),
            from_span: from.map_or(name.span, |f| self.span(f)),
            from: self.sources(from, &what),
            fields: self.fields(fields, &what),
            name,
        }
    }

    /// `from:`: an event reference, a list of them, or (format 2) a mapping of event
    /// reference to what the event does to the rows.
    fn sources(&mut self, node: Option<&SpannedNode>, what: &str) -> Vec<SourceAst> {
        let Some(node) = node else { return Vec::new() };
        let Node::Map(entries) = &node.value else {
            return self
                .names(Some(node), "`from`")
                .into_iter()
                .map(SourceAst::plain)
                .collect();
        };
        if self.version < 2 {
            let span = self.span(node);
            self.diagnostics.push(sc005_format_version::needs_format_2(
                "from",
                &format!("{what} (a mapping of events)"),
                span,
            ));
        }
        let mut sources = Vec::new();
        for (key, value) in entries {
            let event = self.key_name(key);
            let of = format!("the source `{}` of {what}", key.value);
            let source_entries = self.mapping(value, &of);
            let [key_map, set, matching, delete] = self.keys(
                source_entries,
                ["key", "set", "where", "delete"],
                &[],
                event.span,
                &of,
            );
            sources.push(SourceAst {
                key: self.field_pairs(key_map, "`key` (row key field: event field)"),
                set: self.field_pairs(set, "`set` (row field: event field)"),
                matching: self.field_pairs(matching, "`where` (row field: event field)"),
                where_span: self.key_of(source_entries, "where"),
                delete: delete.and_then(|d| self.boolean(d, "`delete`")),
                event,
            });
        }
        sources
    }

    /// A mapping of row field to event field, `{ order_id: source_id }`.
    fn field_pairs(&mut self, node: Option<&SpannedNode>, what: &str) -> Vec<(Name, Name)> {
        let Some(node) = node else { return Vec::new() };
        let mut pairs = Vec::new();
        for (key, value) in self.mapping(node, what) {
            if let Some(field) = self.name(value, what) {
                pairs.push((self.key_name(key), field));
            }
        }
        pairs
    }

    fn scenario(&mut self, node: &SpannedNode) -> Option<ScenarioAst> {
        let span = self.span(node);
        let entries = self.mapping(node, "a scenario");
        if entries.is_empty() && !matches!(node.value, Node::Map(_)) {
            return None;
        }
        let [name, aggregate, given, when, then, error, outcome, policy, process, after, completes] =
            self.keys(
                entries,
                [
                    "name",
                    "aggregate",
                    "given",
                    "when",
                    "then",
                    "error",
                    "outcome",
                    "policy",
                    "process",
                    "after",
                    "completes",
                ],
                &["name"],
                span,
                "a scenario",
            );
        self.format_2_keys(
            entries,
            &["outcome", "policy", "process", "after", "completes"],
            "a scenario",
        );
        // A reaction scenario (of a policy or a process) has no command to send.
        if when.is_none() && policy.is_none() && process.is_none() {
            self.diagnostics
                .push(sc004_missing_key::diagnostic("a scenario", "when", span));
        }
        let name = name.and_then(|n| self.string(n, "a scenario's `name`"))?;
        let mut timeline = Vec::new();
        for item in self.list(given, "`given`") {
            match self.time_step(item) {
                Some(Some(time)) => timeline.push(TimelineAst::After(time)),
                // `{after: ...}` whose value is no text: reported, not read as an event.
                Some(None) => {}
                None => timeline.extend(self.step(item).map(TimelineAst::Event)),
            }
        }
        let given = timeline
            .iter()
            .filter_map(|item| match item {
                TimelineAst::Event(step) => Some(step.clone()),
                TimelineAst::After(_) => None,
            })
            .collect();
        let then = then.map(|t| {
            self.list(Some(t), "`then`")
                .iter()
                .filter_map(|s| self.step(s))
                .collect()
        });
        Some(ScenarioAst {
            span: name.span,
            name,
            aggregate: aggregate.and_then(|a| self.name(a, "`aggregate`")),
            given,
            when: when.and_then(|w| self.step(w)),
            then,
            error: error.and_then(|e| self.name(e, "`error`")),
            outcome: outcome.and_then(|o| self.name(o, "`outcome`")),
            policy: policy.and_then(|p| self.name(p, "`policy`")),
            process: process.and_then(|p| self.name(p, "`process`")),
            timeline,
            after: after.and_then(|a| self.string(a, "`after`")),
            completes: completes.and_then(|c| self.boolean(c, "`completes`")),
        })
    }

    /// A `given:` item `{after: 19m}`: time passing (no event is named `after`, names of
    /// events being PascalCase). `None`: not a time step; `Some(None)`: one whose value
    /// is not text (reported).
    fn time_step(&mut self, node: &SpannedNode) -> Option<Option<Sp<String>>> {
        let Node::Map(entries) = &node.value else {
            return None;
        };
        let [(key, value)] = entries.as_slice() else {
            return None;
        };
        if key.value != "after" {
            return None;
        }
        Some(self.string(value, "`after`"))
    }

    /// A scenario step: `Name`, or `{Name: {field: value, ...}}`.
    fn step(&mut self, node: &SpannedNode) -> Option<StepAst> {
        match &node.value {
            Node::Str(_) => self.name(node, "a scenario step").map(|name| StepAst {
                name,
                values: Vec::new(),
            }),
            Node::Map(entries) if entries.len() == 1 => {
                let (key, value) = &entries[0];
                let name = self.key_name(key);
                let mut values = Vec::new();
                for (field, field_value) in
                    self.mapping(value, &format!("the values of `{}`", key.value))
                {
                    values.push((
                        self.key_name(field),
                        Sp::new(field_value.value.clone(), self.span(field_value)),
                    ));
                }
                Some(StepAst { name, values })
            }
            _ => {
                self.wrong_type(
                    node,
                    "a scenario step",
                    "a name, or a one-entry mapping `Name: {field: value}`",
                );
                None
            }
        }
    }
}
