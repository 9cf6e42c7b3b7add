//! Synthetic models of any size, for benchmarks and robustness tests.
//!
//! [`synth_model`] writes the text of a valid format-1 model (it checks with no
//! diagnostics at all) whose size is set by a [`SynthSpec`]. The shape exercises every
//! part of the pipeline the way a real board does: record and enum types, aggregates
//! of both persistence kinds, commands issued by an actor, an external system and
//! policies, published events consumed across contexts by policies (event
//! notification) and read models (event-carried state transfer), local read models
//! keyed by the aggregate id, and scenarios with events and with errors.
//!
//! The output is a pure function of the spec: no randomness, so a benchmark or a
//! failing test can always be reproduced.
//!
//! How the flow stays free of warnings:
//! - every aggregate's first command is issued by the actor `User` (and the external
//!   `Ledger`); command `n > 0` is issued by a policy, so every command is issued;
//! - contexts form a chain: context `c > 0` consumes the published events of context
//!   `c - 1`. Its command 1 is issued by a policy on the upstream first event, command
//!   `n ≥ 2` (and command 1 in context 0) by a local policy on event `n - 1`. Events
//!   issued by actors start each chain and no policy issues a first command, so no
//!   policy cycle can form;
//! - every context but the last publishes the first and last events of each
//!   aggregate, and the next context keeps a read model of both, keyed by `ref_id`, a
//!   field every event carries explicitly (the aggregate id is implicit, and differs
//!   per aggregate).

use std::fmt::Write;

/// The size and shape of a synthetic model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthSpec {
    /// Number of bounded contexts (at least 1).
    pub contexts: usize,
    /// Aggregates in each context (at least 1).
    pub aggregates_per_context: usize,
    /// Events of each aggregate, each with one command emitting it (at least 1).
    pub events_per_aggregate: usize,
    /// Extra scalar fields on every command and event, to grow the text per element.
    pub extra_fields: usize,
}

impl SynthSpec {
    /// A spec with no extra fields.
    pub fn new(
        contexts: usize,
        aggregates_per_context: usize,
        events_per_aggregate: usize,
    ) -> SynthSpec {
        SynthSpec {
            contexts,
            aggregates_per_context,
            events_per_aggregate,
            extra_fields: 0,
        }
    }

    /// Number of aggregates in the whole model.
    pub fn aggregates(&self) -> usize {
        self.contexts.max(1) * self.aggregates_per_context.max(1)
    }

    /// Number of events (and of commands) in the whole model.
    pub fn events(&self) -> usize {
        self.aggregates() * self.events_per_aggregate.max(1)
    }

    /// Number of policies: one per command that no actor issues.
    pub fn policies(&self) -> usize {
        self.aggregates() * (self.events_per_aggregate.max(1) - 1)
    }

    /// Number of read models: one local per aggregate, plus, in every context but
    /// the first, one per aggregate fed by the previous context.
    pub fn read_models(&self) -> usize {
        self.aggregates() + (self.contexts.max(1) - 1) * self.aggregates_per_context.max(1)
    }

    /// Number of scenarios: two per aggregate (one expecting events, one an error).
    pub fn scenarios(&self) -> usize {
        self.aggregates() * 2
    }

    /// Number of named types: three per context.
    pub fn types(&self) -> usize {
        self.contexts.max(1) * TYPES_PER_CONTEXT
    }

    /// Every element of the model: actors, externals, contexts, types, aggregates,
    /// commands, events, policies, read models and scenarios.
    pub fn elements(&self) -> usize {
        2 + self.contexts.max(1)
            + self.types()
            + self.aggregates()
            + 2 * self.events()
            + self.policies()
            + self.read_models()
            + self.scenarios()
    }
}

const TYPES_PER_CONTEXT: usize = 3;

/// Writes the text of the model described by `spec`. Counts below 1 are read as 1.
pub fn synth_model(spec: &SynthSpec) -> String {
    let spec = normalized(spec);
    // Roughly 330 bytes per event with its command, policy and share of the rest.
    let mut out = String::with_capacity(spec.events() * (330 + 40 * spec.extra_fields) + 512);
    let _ = write_model(&mut out, &spec);
    out
}

/// Writes the same model as [`synth_model`] in the folder layout: one file with the
/// system and its participants, then one file per context, as `(file name, text)` in
/// the order a folder load reads them (sorted by name).
///
/// Large models need this layout: a single file of a 10,000-event model holds more
/// YAML nodes than the parser's default budget allows.
pub fn synth_files(spec: &SynthSpec) -> Vec<(String, String)> {
    let spec = normalized(spec);
    let mut files = Vec::with_capacity(spec.contexts + 1);
    let mut header = String::new();
    let _ = write_header(&mut header, &spec);
    files.push(("000_system.yaml".to_owned(), header));
    for context in 0..spec.contexts {
        let mut out = String::with_capacity(
            spec.aggregates_per_context
                * spec.events_per_aggregate
                * (330 + 40 * spec.extra_fields)
                + 256,
        );
        let _ = writeln!(out, "stormcraft: 1");
        let _ = writeln!(out, "contexts:");
        let _ = write_context(&mut out, &spec, context);
        files.push((format!("{}.yaml", context_name(context)), out));
    }
    files
}

fn normalized(spec: &SynthSpec) -> SynthSpec {
    SynthSpec {
        contexts: spec.contexts.max(1),
        aggregates_per_context: spec.aggregates_per_context.max(1),
        events_per_aggregate: spec.events_per_aggregate.max(1),
        extra_fields: spec.extra_fields,
    }
}

/// Zero-padded, so that sorting files by name keeps the contexts in model order.
fn context_name(context: usize) -> String {
    format!("context_{context:06}")
}

/// Writing into a `String` cannot fail; the `fmt::Result`s only keep `?` usable.
fn write_model(out: &mut String, spec: &SynthSpec) -> std::fmt::Result {
    write_header(out, spec)?;
    writeln!(out, "contexts:")?;
    for context in 0..spec.contexts {
        write_context(out, spec, context)?;
    }
    Ok(())
}

fn write_header(out: &mut String, spec: &SynthSpec) -> std::fmt::Result {
    writeln!(out, "stormcraft: 1")?;
    writeln!(out, "system: Synthetic")?;
    writeln!(
        out,
        "description: generated by stormcraft::synth ({} contexts x {} aggregates x {} events)",
        spec.contexts, spec.aggregates_per_context, spec.events_per_aggregate
    )?;
    writeln!(out, "actors:")?;
    writeln!(out, "  User: a person using the system")?;
    writeln!(out, "externals:")?;
    writeln!(out, "  Ledger:")?;
    writeln!(out, "    description: an external bookkeeping system")?;
    Ok(())
}

fn write_context(out: &mut String, spec: &SynthSpec, context: usize) -> std::fmt::Result {
    let last = spec.events_per_aggregate - 1;
    // The context whose published events this one consumes; none for the first.
    let upstream = context.checked_sub(1).map(context_name);
    writeln!(out, "  {}:", context_name(context))?;
    writeln!(out, "    description: synthetic bounded context {context}")?;
    writeln!(out, "    types:")?;
    writeln!(out, "      Money:")?;
    writeln!(out, "        fields:")?;
    writeln!(out, "          amount: decimal")?;
    writeln!(out, "          currency: string")?;
    writeln!(out, "      Status:")?;
    writeln!(out, "        enum: [Open, Closed]")?;
    writeln!(out, "      Line:")?;
    writeln!(out, "        fields:")?;
    writeln!(out, "          sku: string")?;
    writeln!(out, "          quantity: u32")?;
    writeln!(out, "          price: Money")?;
    writeln!(out, "    aggregates:")?;
    for aggregate in 0..spec.aggregates_per_context {
        write_aggregate(out, spec, context, aggregate)?;
    }
    if spec.events_per_aggregate > 1 {
        writeln!(out, "    policies:")?;
        for aggregate in 0..spec.aggregates_per_context {
            for event in 1..spec.events_per_aggregate {
                writeln!(out, "      Aggregate{aggregate}Step{event}:")?;
                match (&upstream, event) {
                    (Some(upstream), 1) => {
                        writeln!(out, "        on: {upstream}.Aggregate{aggregate}Event0")?;
                        // One policy per aggregate also has a side effect.
                        writeln!(out, "        call: Ledger")?;
                    }
                    _ => writeln!(out, "        on: Aggregate{aggregate}Event{}", event - 1)?,
                }
                writeln!(out, "        issue: Aggregate{aggregate}Command{event}")?;
            }
        }
    }
    writeln!(out, "    read_models:")?;
    for aggregate in 0..spec.aggregates_per_context {
        writeln!(out, "      Aggregate{aggregate}Summary:")?;
        writeln!(out, "        key: aggregate{aggregate}_id")?;
        write!(out, "        from: [")?;
        for event in 0..spec.events_per_aggregate {
            let separator = if event == 0 { "" } else { ", " };
            write!(out, "{separator}Aggregate{aggregate}Event{event}")?;
        }
        writeln!(out, "]")?;
        writeln!(out, "        fields:")?;
        writeln!(out, "          total: Money?")?;
        writeln!(out, "          lines: [Line]")?;
        if let Some(upstream) = &upstream {
            writeln!(out, "      Upstream{aggregate}Copy:")?;
            writeln!(out, "        key: ref_id")?;
            if last == 0 {
                writeln!(out, "        from: {upstream}.Aggregate{aggregate}Event0")?;
            } else {
                writeln!(
                    out,
                    "        from: [{upstream}.Aggregate{aggregate}Event0, {upstream}.Aggregate{aggregate}Event{last}]"
                )?;
            }
            writeln!(out, "        fields:")?;
            writeln!(out, "          note: string?")?;
        }
    }
    writeln!(out, "    scenarios:")?;
    for aggregate in 0..spec.aggregates_per_context {
        // With one event only the first command exists, and nothing can come before it.
        let (given, when) = if last == 0 { (0, 0) } else { (0, 1) };
        writeln!(out, "      - name: aggregate {aggregate} reacts")?;
        if when > 0 {
            writeln!(out, "        given: [Aggregate{aggregate}Event{given}]")?;
        }
        writeln!(out, "        when:")?;
        writeln!(out, "          Aggregate{aggregate}Command{when}:")?;
        writeln!(
            out,
            "            ref_id: \"00000000-0000-0000-0000-{:012}\"",
            aggregate
        )?;
        writeln!(out, "        then: [Aggregate{aggregate}Event{when}]")?;
        writeln!(out, "      - name: aggregate {aggregate} rejects")?;
        writeln!(out, "        aggregate: Aggregate{aggregate}")?;
        writeln!(out, "        when: Aggregate{aggregate}Command0")?;
        writeln!(out, "        error: Aggregate{aggregate}Rejected")?;
    }
    Ok(())
}

fn write_aggregate(
    out: &mut String,
    spec: &SynthSpec,
    context: usize,
    aggregate: usize,
) -> std::fmt::Result {
    let last = spec.events_per_aggregate - 1;
    // The last context has no downstream to publish to.
    let publishes = context + 1 < spec.contexts;
    writeln!(out, "      Aggregate{aggregate}:")?;
    writeln!(out, "        description: synthetic aggregate {aggregate}")?;
    writeln!(out, "        id: aggregate{aggregate}_id")?;
    if aggregate % 2 == 1 {
        writeln!(out, "        persistence: state-stored")?;
    }
    writeln!(out, "        state:")?;
    writeln!(out, "          status: Status")?;
    writeln!(out, "          total: Money?")?;
    writeln!(out, "        commands:")?;
    for event in 0..spec.events_per_aggregate {
        writeln!(out, "          Aggregate{aggregate}Command{event}:")?;
        if event == 0 {
            writeln!(out, "            by: [User, Ledger]")?;
            writeln!(out, "            errors:")?;
            writeln!(
                out,
                "              Aggregate{aggregate}Rejected: the request is refused"
            )?;
        }
        writeln!(out, "            fields:")?;
        writeln!(out, "              ref_id: uuid")?;
        writeln!(out, "              total: Money")?;
        write_extra_fields(out, spec)?;
        writeln!(out, "            emits: Aggregate{aggregate}Event{event}")?;
    }
    writeln!(out, "        events:")?;
    for event in 0..spec.events_per_aggregate {
        writeln!(out, "          Aggregate{aggregate}Event{event}:")?;
        if publishes && (event == 0 || event == last) {
            writeln!(out, "            published: true")?;
        }
        writeln!(out, "            fields:")?;
        writeln!(out, "              ref_id: uuid")?;
        writeln!(out, "              total: Money")?;
        writeln!(out, "              lines: [Line]")?;
        writeln!(out, "              note: string?")?;
        writeln!(out, "              attributes: map<string, Status>")?;
        write_extra_fields(out, spec)?;
    }
    Ok(())
}

fn write_extra_fields(out: &mut String, spec: &SynthSpec) -> std::fmt::Result {
    for field in 0..spec.extra_fields {
        writeln!(out, "              extra_{field}: string")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::model::load::load_str;

    /// Checks the model of `spec` and asserts it has no finding at all and the
    /// element counts the spec promises.
    fn assert_clean(spec: SynthSpec) {
        let text = synth_model(&spec);
        let loaded = load_str("synth.yaml", &text);
        let checked = check(&loaded);
        let findings: Vec<String> = checked
            .diagnostics
            .sorted()
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(findings.is_empty(), "{spec:?} has findings: {findings:#?}");
        let model = checked.model.expect("a clean model is checked");
        assert_eq!(model.contexts.len(), spec.contexts.max(1));
        assert_eq!(model.types.len(), spec.types());
        assert_eq!(model.aggregates.len(), spec.aggregates());
        assert_eq!(model.commands.len(), spec.events());
        assert_eq!(model.events.len(), spec.events());
        assert_eq!(model.policies.len(), spec.policies());
        assert_eq!(model.read_models.len(), spec.read_models());
        assert_eq!(model.scenarios.len(), spec.scenarios());
        let elements = model.actors.len()
            + model.externals.len()
            + model.contexts.len()
            + model.types.len()
            + model.aggregates.len()
            + model.commands.len()
            + model.events.len()
            + model.policies.len()
            + model.read_models.len()
            + model.scenarios.len();
        assert_eq!(elements, spec.elements());
    }

    #[test]
    fn smallest_model_checks_clean() {
        assert_clean(SynthSpec::new(1, 1, 1));
    }

    #[test]
    fn zero_counts_are_read_as_one() {
        assert_clean(SynthSpec::new(0, 0, 0));
        assert_eq!(
            synth_model(&SynthSpec::new(0, 0, 0)),
            synth_model(&SynthSpec::new(1, 1, 1))
        );
    }

    #[test]
    fn one_context_chains_locally() {
        assert_clean(SynthSpec::new(1, 3, 4));
    }

    #[test]
    fn two_contexts_with_single_event_aggregates_check_clean() {
        assert_clean(SynthSpec::new(2, 2, 1));
    }

    #[test]
    fn chain_of_contexts_checks_clean() {
        assert_clean(SynthSpec::new(3, 2, 2));
        assert_clean(SynthSpec::new(7, 4, 5));
    }

    #[test]
    fn extra_fields_check_clean() {
        assert_clean(SynthSpec {
            extra_fields: 3,
            ..SynthSpec::new(2, 2, 3)
        });
    }

    #[test]
    fn files_layout_checks_clean_and_matches_the_single_file() {
        let spec = SynthSpec::new(4, 2, 3);
        let mut loaded = crate::model::load::Loaded::default();
        for (name, text) in synth_files(&spec) {
            loaded.add_text(name.clone(), name.into(), text);
        }
        let checked = check(&loaded);
        assert!(
            checked.diagnostics.is_empty(),
            "{:?}",
            checked.diagnostics.sorted()
        );
        let model = checked.model.expect("checks");
        let single = check(&load_str("synth.yaml", &synth_model(&spec)))
            .model
            .expect("checks");
        assert_eq!(model.events.len(), single.events.len());
        assert_eq!(model.graph.edges().len(), single.graph.edges().len());
        let names: Vec<&str> = model.contexts.iter().map(|c| c.name.as_str()).collect();
        let single_names: Vec<&str> = single.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, single_names);
    }

    #[test]
    fn output_is_deterministic() {
        let spec = SynthSpec::new(4, 3, 3);
        assert_eq!(synth_model(&spec), synth_model(&spec));
    }

    #[test]
    fn chain_has_no_policy_cycle() {
        let text = synth_model(&SynthSpec::new(5, 2, 3));
        let checked = check(&load_str("synth.yaml", &text));
        let model = checked.model.expect("checks");
        assert!(model.graph.policy_cycles().is_empty());
    }
}
