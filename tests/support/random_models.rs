//! Random models for property tests: a grammar-driven generator of format-1 models
//! (valid and broken on purpose) and textual mutations of valid models. Shared by
//! `no_panic.rs` (no input panics) and `check_generate.rs` (what check accepts,
//! generate builds).

#![allow(dead_code)] // each test file uses a different part of this module

use proptest::prelude::*;
use proptest::sample::Index;
use stormcraft::synth::{synth_model, SynthSpec};

/// A valid model written by hand (a copy of the starter model used across the team).
pub const SEED: &str = include_str!("../fixtures/no_panic/seed.yaml");

// ---------------------------------------------------------------------------------
// Structured random models: a small deterministic generator driven by a seed that
// proptest picks. It writes YAML from the format's own keys, with names and
// references drawn from small pools so that references often resolve and the run
// reaches the later checker phases, and with type expressions both valid and broken.

/// SplitMix64: tiny, good enough to pick among alternatives, and stable forever.
/// `noise` is the percentage of choices that go wrong on purpose; a model with no
/// noise gets past the shape phase, so its names and flow are checked too.
struct Rng {
    state: u64,
    noise: u64,
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut rng = Rng {
            state: seed,
            noise: 0,
        };
        rng.noise = [0, 0, 2, 5, 15][rng.below(5)];
        rng
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// True when this choice should go wrong.
    fn noisy(&mut self) -> bool {
        self.chance(self.noise)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `good` most of the time, one of `bad` when the choice goes wrong.
    fn pick_noisy<'a>(&mut self, good: &[&'a str], bad: &[&'a str]) -> &'a str {
        if self.noisy() {
            self.pick(bad)
        } else {
            self.pick(good)
        }
    }
}

/// A YAML value, written out by [`write_yaml`].
enum Yaml {
    Scalar(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

const ELEMENT_NAMES: &[&str] = &[
    "Order",
    "OrderPlaced",
    "PlaceOrder",
    "OrderCancelled",
    "CancelOrder",
    "Money",
    "Status",
    "Payment",
    "PaymentFailed",
    "RequestPayment",
    "Summary",
    "Charge",
    "Line",
];
const BAD_NAMES: &[&str] = &[
    "order",
    "Order_Placed",
    "",
    "9Lives",
    "Ärger",
    "a b",
    "Order.Placed",
    "x.y.z",
    "~",
    "null",
    "true",
    "123",
    "Ünïcödé😀",
];
const CONTEXT_NAMES: &[&str] = &["ordering", "payments", "shipping"];
const BAD_CONTEXT_NAMES: &[&str] = &["Ordering", "order-ing", "_x", "a__b", "x_", ""];
const PARTICIPANTS: &[&str] = &["Customer", "Clerk", "PaymentGateway", "Mailer"];
const FIELD_NAMES: &[&str] = &[
    "order_id", "total", "lines", "status", "id", "amount", "note", "ref_id",
];
const BAD_FIELD_NAMES: &[&str] = &["orderId", "Total", "a__b", "_x", "", "é"];
const PRIMITIVES: &[&str] = &[
    "string",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "f64",
    "decimal",
    "uuid",
    "timestamp",
    "date",
    "bytes",
    "json",
];
const BROKEN_TYPES: &[&str] = &[
    "[",
    "]",
    "[]",
    "map<",
    "map<string,",
    "map<u32, Money>",
    "map<string Money>",
    "T??",
    "Money??",
    "?",
    "[Money",
    "Money]",
    "Money x",
    "",
    " ",
    "ordering.Money",
    "map<string, [Money?]>?",
    "<>",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[string]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[string",
    "map<string, map<string, map<string, map<string, map<string, Öl>>>>>",
    "strïng",
    "😀",
];

impl Rng {
    fn name(&mut self) -> String {
        self.pick_noisy(ELEMENT_NAMES, BAD_NAMES).to_owned()
    }

    fn context_name(&mut self) -> String {
        self.pick_noisy(CONTEXT_NAMES, BAD_CONTEXT_NAMES).to_owned()
    }

    fn field_name(&mut self) -> String {
        self.pick_noisy(FIELD_NAMES, BAD_FIELD_NAMES).to_owned()
    }

    /// A reference: bare, `context.Name`, or something malformed.
    fn reference(&mut self) -> String {
        if self.noisy() {
            return self
                .pick(&[".Order", "ordering.", "a.b.c", "ordering..Order", "."])
                .to_owned();
        }
        if self.chance(60) {
            self.name()
        } else {
            format!("{}.{}", self.context_name(), self.name())
        }
    }

    fn references(&mut self) -> Yaml {
        if self.chance(40) {
            Yaml::Scalar(self.reference())
        } else {
            let n = self.below(4);
            Yaml::Seq((0..n).map(|_| Yaml::Scalar(self.reference())).collect())
        }
    }

    /// A type expression, valid or not, possibly deeply nested.
    fn type_expression(&mut self, depth: u32) -> String {
        if self.noisy() {
            return self.pick(BROKEN_TYPES).to_owned();
        }
        match (depth, self.below(8)) {
            (0, _) | (_, 0..=2) => self.pick(PRIMITIVES).to_owned(),
            (_, 3) => self.name(),
            (_, 4) => format!("[{}]", self.type_expression(depth - 1)),
            (_, 5) => format!("{}?", self.type_expression(depth - 1)),
            (_, 6) => format!("map<string, {}>", self.type_expression(depth - 1)),
            _ => format!(
                "map<{}, {}>",
                self.type_expression(0),
                self.type_expression(depth - 1)
            ),
        }
    }

    fn fields(&mut self) -> Yaml {
        let n = self.below(4);
        Yaml::Map(
            (0..n)
                .map(|_| {
                    let name = self.field_name();
                    let ty = self.type_expression(4);
                    let value = match self.below(6) {
                        0 => Yaml::Map(vec![
                            ("type".to_owned(), Yaml::Scalar(ty)),
                            (
                                "description".to_owned(),
                                Yaml::Scalar("some text".to_owned()),
                            ),
                        ]),
                        // YAML's own flow list, which the loader reads back as `[T]`.
                        1 => Yaml::Seq(vec![Yaml::Scalar(ty)]),
                        _ => Yaml::Scalar(ty),
                    };
                    (name, value)
                })
                .collect(),
        )
    }

    fn scalar_value(&mut self) -> Yaml {
        Yaml::Scalar(
            self.pick(&[
                "x",
                "1",
                "-1",
                "1.5",
                "true",
                "null",
                "~",
                "\"quoted\"",
                "2024-01-01",
                "é",
            ])
            .to_owned(),
        )
    }

    fn step(&mut self) -> Yaml {
        if self.chance(50) {
            Yaml::Scalar(self.reference())
        } else {
            let n = self.below(3);
            let values = (0..n)
                .map(|_| (self.field_name(), self.scalar_value()))
                .collect();
            Yaml::Map(vec![(self.name(), Yaml::Map(values))])
        }
    }

    /// A mapping from the keys of one element kind; keys are sometimes dropped,
    /// misspelt, or replaced by a key of another kind.
    fn element(&mut self, entries: Vec<(&str, Yaml)>) -> Yaml {
        let mut out = Vec::new();
        for (key, value) in entries {
            if !self.noisy() {
                out.push((key.to_owned(), value));
                continue;
            }
            match self.below(3) {
                0 => {}
                1 => out.push((format!("{key}s"), value)),
                _ => out.push((self.pick(ALL_KEYS).to_owned(), value)),
            }
        }
        Yaml::Map(out)
    }

    fn named_map(&mut self, max: usize, mut item: impl FnMut(&mut Rng) -> Yaml) -> Yaml {
        let n = self.below(max + 1);
        Yaml::Map((0..n).map(|_| (self.name(), item(self))).collect())
    }

    fn aggregate(&mut self) -> Yaml {
        let id = if self.chance(70) {
            Yaml::Scalar(self.field_name())
        } else {
            Yaml::Map(vec![
                ("name".to_owned(), Yaml::Scalar(self.field_name())),
                ("type".to_owned(), Yaml::Scalar(self.type_expression(2))),
            ])
        };
        let persistence =
            self.pick_noisy(&["event-sourced", "state-stored"], &["event-sorced", "1"]);
        let commands = self.named_map(3, |r| {
            let by = r.references();
            let fields = r.fields();
            let emits = r.references();
            let errors = if r.chance(50) {
                r.named_map(2, |r| {
                    Yaml::Scalar(r.pick(&["cannot", "refused", "~"]).to_owned())
                })
            } else {
                r.references()
            };
            r.element(vec![
                ("by", by),
                ("fields", fields),
                ("emits", emits),
                ("errors", errors),
            ])
        });
        let events = self.named_map(3, |r| {
            let published =
                Yaml::Scalar(r.pick_noisy(&["true", "false"], &["yes", "1"]).to_owned());
            let version = Yaml::Scalar(r.pick_noisy(&["1", "2"], &["0", "-3", "x"]).to_owned());
            let fields = r.fields();
            r.element(vec![
                ("published", published),
                ("version", version),
                ("fields", fields),
            ])
        });
        let state = self.fields();
        self.element(vec![
            ("id", id),
            ("persistence", Yaml::Scalar(persistence.to_owned())),
            ("state", state),
            ("commands", commands),
            ("events", events),
        ])
    }

    fn context(&mut self) -> Yaml {
        let types = self.named_map(3, |r| {
            if r.chance(60) {
                let fields = r.fields();
                r.element(vec![("fields", fields)])
            } else {
                let n = r.below(3);
                let variants = (0..n).map(|_| Yaml::Scalar(r.name())).collect();
                r.element(vec![("enum", Yaml::Seq(variants))])
            }
        });
        let aggregates = self.named_map(2, Rng::aggregate);
        let policies = self.named_map(3, |r| {
            let on = r.references();
            let issue = Yaml::Scalar(r.reference());
            let call = Yaml::Scalar(r.pick(PARTICIPANTS).to_owned());
            let mut entries = vec![("on", on), ("issue", issue)];
            if r.chance(30) {
                entries.push(("call", call));
            }
            r.element(entries)
        });
        let read_models = self.named_map(2, |r| {
            let key = Yaml::Scalar(r.field_name());
            let from = r.references();
            let fields = r.fields();
            r.element(vec![("key", key), ("from", from), ("fields", fields)])
        });
        let n = self.below(3);
        let scenarios = Yaml::Seq(
            (0..n)
                .map(|_| {
                    let given = Yaml::Seq((0..self.below(3)).map(|_| self.step()).collect());
                    let when = self.step();
                    let mut entries = vec![
                        ("name", Yaml::Scalar("a scenario".to_owned())),
                        ("given", given),
                        ("when", when),
                    ];
                    if self.chance(70) {
                        let then = Yaml::Seq((0..self.below(3)).map(|_| self.step()).collect());
                        entries.push(("then", then));
                    }
                    if self.chance(30) {
                        entries.push(("error", Yaml::Scalar(self.name())));
                    }
                    if self.chance(20) {
                        entries.push(("aggregate", Yaml::Scalar(self.reference())));
                    }
                    self.element(entries)
                })
                .collect(),
        );
        self.element(vec![
            ("types", types),
            ("aggregates", aggregates),
            ("policies", policies),
            ("read_models", read_models),
            ("scenarios", scenarios),
        ])
    }

    fn model(&mut self) -> Yaml {
        let version = self.pick_noisy(&["1"], &["2", "one", "1.0"]).to_owned();
        let actors = Yaml::Map(
            (0..self.below(3))
                .map(|_| {
                    let name = self.pick(PARTICIPANTS).to_owned();
                    (name, Yaml::Scalar("someone".to_owned()))
                })
                .collect(),
        );
        let externals = Yaml::Map(
            (0..self.below(3))
                .map(|_| {
                    let name = self.pick(PARTICIPANTS).to_owned();
                    let description = Yaml::Map(vec![(
                        "description".to_owned(),
                        Yaml::Scalar("a system".to_owned()),
                    )]);
                    (name, description)
                })
                .collect(),
        );
        let contexts = Yaml::Map(
            (0..self.below(4))
                .map(|_| (self.context_name(), self.context()))
                .collect(),
        );
        let hotspots = Yaml::Seq(
            (0..self.below(2))
                .map(|_| {
                    if self.chance(50) {
                        Yaml::Scalar("why?".to_owned())
                    } else {
                        Yaml::Map(vec![
                            ("text".to_owned(), Yaml::Scalar("why?".to_owned())),
                            ("on".to_owned(), Yaml::Scalar(self.reference())),
                        ])
                    }
                })
                .collect(),
        );
        let system = Yaml::Scalar(self.name());
        self.element(vec![
            ("stormcraft", Yaml::Scalar(version)),
            ("system", system),
            ("actors", actors),
            ("externals", externals),
            ("contexts", contexts),
            ("hotspots", hotspots),
        ])
    }
}

const ALL_KEYS: &[&str] = &[
    "stormcraft",
    "system",
    "description",
    "actors",
    "externals",
    "contexts",
    "hotspots",
    "types",
    "aggregates",
    "policies",
    "read_models",
    "scenarios",
    "fields",
    "enum",
    "id",
    "persistence",
    "state",
    "commands",
    "events",
    "by",
    "emits",
    "errors",
    "version",
    "published",
    "on",
    "issue",
    "call",
    "key",
    "from",
    "name",
    "aggregate",
    "given",
    "when",
    "then",
    "error",
    "text",
    "type",
];

/// A scalar as YAML text: plain when that reads back as the same string, else quoted.
fn scalar(text: &str, rng: &mut Rng) -> String {
    let plain_safe = !text.is_empty()
        && !text.starts_with(|c: char| "[]{}&*!|>'\"%@`#,?:-~ ".contains(c))
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with([':', ' ']);
    // Values that look like numbers or booleans stay plain on purpose: the format
    // has to cope with `1` where a name is expected.
    if plain_safe && !rng.noisy() {
        text.to_owned()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn write_yaml(out: &mut String, value: &Yaml, indent: usize, rng: &mut Rng) {
    let pad = " ".repeat(indent);
    match value {
        Yaml::Scalar(s) => {
            out.push(' ');
            out.push_str(&scalar(s, rng));
            out.push('\n');
        }
        Yaml::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Yaml::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Yaml::Seq(items) if items.iter().all(|i| matches!(i, Yaml::Scalar(_))) => {
            let items: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Yaml::Scalar(s) => scalar(s, rng),
                    _ => unreachable!("all items are scalars"),
                })
                .collect();
            // Flow lists may hold only plain scalars without flow indicators.
            if items.iter().all(|i| !i.contains([',', '[', ']', '{', '}'])) {
                out.push_str(&format!(" [{}]\n", items.join(", ")));
            } else {
                out.push('\n');
                for item in items {
                    out.push_str(&format!("{pad}- {item}\n"));
                }
            }
        }
        Yaml::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}-"));
                match item {
                    // A mapping in a list item starts on the dash's line.
                    Yaml::Map(entries) if !entries.is_empty() => {
                        let mut first = true;
                        for (key, value) in entries {
                            if first {
                                out.push(' ');
                                first = false;
                            } else {
                                out.push_str(&format!("{pad}  "));
                            }
                            out.push_str(&scalar(key, rng));
                            out.push(':');
                            write_yaml(out, value, indent + 4, rng);
                        }
                    }
                    _ => write_yaml(out, item, indent + 2, rng),
                }
            }
        }
        Yaml::Map(entries) => {
            out.push('\n');
            for (key, value) in entries {
                out.push_str(&pad);
                out.push_str(&scalar(key, rng));
                out.push(':');
                write_yaml(out, value, indent + 2, rng);
            }
        }
    }
}

/// The text of a random model for `seed`.
pub fn random_model(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let model = rng.model();
    let mut out = String::new();
    match &model {
        Yaml::Map(entries) => {
            for (key, value) in entries {
                out.push_str(&scalar(key, &mut rng));
                out.push(':');
                write_yaml(&mut out, value, 2, &mut rng);
            }
        }
        other => write_yaml(&mut out, other, 0, &mut rng),
    }
    out
}

// ---------------------------------------------------------------------------------
// Mutations of valid models.

/// One edit of a model's text; positions are proptest indexes so they shrink.
#[derive(Clone, Debug)]
pub enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Indent(Index, i8),
    ReplaceToken(Index, &'static str),
    InsertGarbage(Index, &'static str),
    Truncate(Index),
}

const TOKENS: &[&str] = &[
    "Order",
    "ordering.OrderPlaced",
    "payments.PaymentFailed",
    "context.Nope",
    "[",
    "map<",
    "T??",
    "[[[[string]]]]",
    "published: true",
    "on:",
    "issue: PlaceOrder",
    "fields: {}",
    "- x",
    "~",
    "''",
    "{",
    "&a",
    "*a",
    "<<: *a",
    "!!binary",
    "é",
    "😀",
    "",
];
const GARBAGE: &[&str] = &[
    "\t",
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "#",
    "&x ",
    "*x",
    "!tag ",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "\"",
    "'",
    "|",
    ">",
    "?",
    "\0",
    "\r",
    "\u{feff}",
    "é",
    "😀",
    "\n  ",
    "\\u",
    "@",
];

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), -6i8..=6).prop_map(|(a, d)| Mutation::Indent(a, d)),
        (any::<Index>(), proptest::sample::select(TOKENS))
            .prop_map(|(a, t)| Mutation::ReplaceToken(a, t)),
        (any::<Index>(), proptest::sample::select(GARBAGE))
            .prop_map(|(a, g)| Mutation::InsertGarbage(a, g)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// The largest char boundary at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let join = |lines: Vec<String>| lines.join("\n") + "\n";
    if lines.is_empty() {
        return text.to_owned();
    }
    match mutation {
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
            join(lines)
        }
        Mutation::DuplicateLine(i) => {
            let i = i.index(lines.len());
            lines.insert(i, lines[i].clone());
            join(lines)
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            join(lines)
        }
        Mutation::Indent(i, delta) => {
            let i = i.index(lines.len());
            let line = &lines[i];
            lines[i] = if *delta >= 0 {
                format!("{}{line}", " ".repeat(*delta as usize))
            } else {
                let strip = (delta.unsigned_abs() as usize)
                    .min(line.len() - line.trim_start_matches(' ').len());
                line[strip..].to_owned()
            };
            join(lines)
        }
        Mutation::ReplaceToken(i, token) => {
            // Tokens are the words of the line, split at spaces, `:` and flow markers.
            let i = i.index(lines.len());
            let line = lines[i].clone();
            let words: Vec<(usize, &str)> = line
                .match_indices(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
                .collect();
            let Some(&(start, _)) = words.first() else {
                return join(lines);
            };
            let end = line[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .map_or(line.len(), |e| start + e);
            lines[i] = format!("{}{token}{}", &line[..start], &line[end..]);
            join(lines)
        }
        Mutation::InsertGarbage(at, garbage) => {
            let at = floor_boundary(text, at.index(text.len() + 1));
            format!("{}{garbage}{}", &text[..at], &text[at..])
        }
        Mutation::Truncate(at) => {
            let at = floor_boundary(text, at.index(text.len() + 1));
            text[..at].to_owned()
        }
    }
}

/// The valid models that mutations start from.
pub fn bases() -> Vec<String> {
    vec![
        SEED.to_owned(),
        // Format 2: outcomes, conditions, every recovery, a command sent to another
        // context, deadlines and schedules, so mutations of them are held to
        // "what check accepts, generate builds" too.
        include_str!("../fixtures/generate/flows.yaml").to_owned(),
        include_str!("../fixtures/generate/time.yaml").to_owned(),
        // Previous versions of events: a chain, a pending step, a reader of another
        // context's versioned event.
        include_str!("../fixtures/generate/versions.yaml").to_owned(),
        // Format 2 read-model shapes: mapped keys, a composite key, deletes, `where:`,
        // a history and filters.
        include_str!("../fixtures/generate/read_models.yaml").to_owned(),
        // Processes: state, a mapped key, reactions across contexts, a deadline, a
        // compensation and a retry.
        include_str!("../fixtures/generate/process.yaml").to_owned(),
        include_str!("../fixtures/diagram/claims.yaml").to_owned(),
        include_str!("../fixtures/generate/process_pending.yaml").to_owned(),
        synth_model(&SynthSpec::new(1, 1, 2)),
        synth_model(&SynthSpec::new(2, 2, 2)),
        synth_model(&SynthSpec::new(3, 1, 3)),
    ]
}
