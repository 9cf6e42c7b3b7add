//! The clap derive types: the command line's syntax, its help texts and examples.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Exit codes and where to read more, under every `--help`.
const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 the model has errors, 2 usage or I/O error.
Colour is used on a terminal only, and never when NO_COLOR is set.
Documentation of the model format: MODEL.md; of a diagnostic: `stormcraft explain CODE`.";

/// Event Storming models as code: check them, draw them, trace them.
#[derive(Parser, Debug)]
#[command(name = "stormcraft", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    /// Rendered diagnostics with source excerpts.
    Human,
    /// One JSON document with every diagnostic (for editors and CI).
    Json,
}

/// Output format of `diagram`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiagramFormat {
    /// Graphviz DOT source.
    Dot,
    /// Mermaid flowchart (renders in Markdown on GitHub and GitLab).
    Mermaid,
    /// SVG, drawn by Graphviz `dot`.
    Svg,
    /// PNG, drawn by Graphviz `dot`.
    Png,
    /// PDF, drawn by Graphviz `dot`.
    Pdf,
}

/// Output format of `export asyncapi`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    /// YAML, as AsyncAPI documents are usually written.
    Yaml,
    /// JSON.
    Json,
}

/// `diff --mode`: which directions of compatibility every message must keep.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffMode {
    /// Readers of the new shape read old data (stored events, old clients' bodies).
    Backward,
    /// Readers of the old shape read new data (consumers not yet redeployed).
    Forward,
    /// Both.
    Full,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a model and report every problem at once.
    #[command(after_help = "\
Example:
  stormcraft check examples/shop
  stormcraft check model.yaml --format json --deny-warnings
  stormcraft check examples/shop --coverage

Prints every diagnostic, a summary line, which event-driven patterns each bounded
context uses, and how many events and business errors the scenarios cover (with
`--coverage`: a table of them, per command). Exit code 1 when the model has errors.")]
    Check {
        /// A model file, or a folder of `*.yaml`/`*.yml` files.
        model: PathBuf,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Print which scenarios cover each command's events and errors, and note
        /// (SC057) every one that no scenario covers.
        #[arg(long)]
        coverage: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Draw a model as Graphviz, Mermaid, SVG or PNG.
    #[command(after_help = "\
Views:
  board          the whole Event Storming board, one cluster per context
  context-map    contexts and the published events between them
  context:NAME   one bounded context and its neighbours
  flow:COMMAND   everything that follows from one command (`Name` or `context.Name`)

Example:
  stormcraft diagram examples/shop --view context-map -o map.svg
  stormcraft diagram examples/shop --view flow:PlaceOrder --format mermaid")]
    Diagram {
        /// A model file or folder.
        model: PathBuf,
        /// Which view to draw.
        #[arg(long, default_value = "board")]
        view: String,
        /// Output format; svg, png and pdf need Graphviz's `dot` on the PATH.
        /// Default: from the extension of `-o` (.dot/.gv, .mmd/.mermaid, .svg, .png,
        /// .pdf), else dot.
        #[arg(long, value_enum)]
        format: Option<DiagramFormat>,
        /// Write to this file instead of standard output; its extension names the
        /// format unless `--format` does (they must agree).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Export the model's contracts as AsyncAPI, JSON Schema or EventCatalog content.
    #[command(
        subcommand,
        after_help = "\
Example:
  stormcraft export asyncapi examples/shop -o asyncapi.yaml
  stormcraft export asyncapi examples/shop --context ordering --format json
  stormcraft export json-schema examples/shop -o schemas
  stormcraft export eventcatalog examples/shop -o my-catalog"
    )]
    Export(ExportCommand),
    /// Compare two versions of a model: what changed, and what it breaks.
    #[command(after_help = "\
Example:
  stormcraft diff old-model new-model
  stormcraft diff examples/shop --against origin/main      # in CI, on a pull request
  stormcraft diff model.yaml --against HEAD~3 --format json

Every change is a named rule (`stormcraft explain --list`, codes D001…): breaking for
stored events (the new code can no longer read events already in the store), breaking
for consumers (another context, or a client of the HTTP API), or compatible. Modes as
in Confluent Schema Registry: backward (new readers read old data), forward (old
readers read new data), full (both); by default full for published events, backward
for private events and command bodies, forward for read-model rows.

Exit code 1 when a change breaks something, 0 otherwise, 2 when a model cannot be
read, has unresolved names, or git cannot show it.")]
    Diff {
        /// The old model (file or folder); with `--against`, the model to compare.
        #[arg(value_name = "OLD")]
        model: PathBuf,
        /// The new model (file or folder).
        #[arg(value_name = "NEW", required_unless_present = "against")]
        new: Option<PathBuf>,
        /// Compare the model with itself at this git revision (commit, branch or tag).
        #[arg(long, value_name = "REV", conflicts_with = "new")]
        against: Option<String>,
        /// Which directions every message must keep (default: per message, see below).
        #[arg(long, value_enum)]
        mode: Option<DiffMode>,
        /// Also compare each event with every older version it keeps under `previous:`.
        #[arg(long)]
        transitive: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Print the causal chain that one command sets off.
    #[command(after_help = "\
Example:
  stormcraft trace examples/shop PlaceOrder
  stormcraft trace examples/shop ordering.CancelOrder

Follows command → events → policies → commands (in any context) → … → read
models, marking cycles, so a reviewer can read what one action sets off.")]
    Trace {
        /// A model file or folder.
        model: PathBuf,
        /// The command: `Name`, or `context.Name` when the name is not unique.
        command: String,
    },
    /// Generate a Cargo workspace of event-driven services from a model.
    #[command(after_help = "\
Example:
  stormcraft generate examples/shop -o shop && cd shop && cargo run
  stormcraft generate examples/shop -o shop --check      # in CI: is the output up to date?
  stormcraft generate examples/shop -o shop --templates my-templates

Generated files start with an `@generated` header and are rewritten on every run.
Files that hold your business rules (src/rules/*.rs, src/adapters.rs) are created
once and never touched again. A file at a generated path without the header is
never overwritten: the command stops and lists it. A model with errors generates
nothing.")]
    Generate {
        /// A model file or folder.
        model: PathBuf,
        /// The folder of the generated workspace.
        #[arg(short, long)]
        output: PathBuf,
        /// Write nothing; exit 1 and list the files that differ when the output is stale.
        #[arg(long)]
        check: bool,
        /// A folder whose templates override the built-in ones by relative path
        /// (start from `stormcraft templates export DIR`).
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Write the generated Rust as rendered, without the rustfmt pass.
        #[arg(long)]
        no_format: bool,
    },
    /// Work with the code generator's templates.
    #[command(
        subcommand,
        after_help = "\
Example:
  stormcraft templates list
  stormcraft templates export my-templates"
    )]
    Templates(TemplatesCommand),
    /// Print the JSON Schema of the model format (for YAML editors).
    #[command(after_help = "\
Example:
  stormcraft schema > stormcraft.schema.json
  # then, first line of a model file, for the YAML language server:
  # yaml-language-server: $schema=./stormcraft.schema.json")]
    Schema,
    /// Write a small, valid starter model that explains itself.
    #[command(after_help = "\
Example:
  stormcraft init my-model && stormcraft check my-model

Never overwrites a file: it stops if the target already exists.")]
    Init {
        /// The folder to create the model in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Explain a diagnostic code, with a bad and a fixed example.
    #[command(after_help = "\
Example:
  stormcraft explain SC020
  stormcraft explain policy-cycle
  stormcraft explain --list")]
    Explain {
        /// A code like `SC020`, or a rule name like `unresolved-reference`.
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// List every code with its summary.
        #[arg(long)]
        list: bool,
    },
    /// Print a shell completion script.
    #[command(after_help = "\
Example:
  stormcraft completions bash > ~/.local/share/bash-completion/completions/stormcraft
  stormcraft completions zsh > ~/.zfunc/_stormcraft")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `stormcraft export …`.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Write an AsyncAPI 3.0 document of the generated app: event channels and command endpoints.
    #[command(after_help = "\
Example:
  stormcraft export asyncapi examples/shop -o asyncapi.yaml
  stormcraft export asyncapi examples/shop --context ordering --format json

One document for the whole system (the generated app), or with --context for one
context: its published events (send), the other contexts' events it uses (receive)
and its commands (receive, over HTTP). Event channels are the aggregates' stream
categories in the event store, `<context>-<Aggregate>`; command channels are the
endpoints `POST /<context>/commands/<Command>`.")]
    Asyncapi {
        /// A model file or folder.
        model: PathBuf,
        /// Only this bounded context (and the foreign events it uses).
        #[arg(long)]
        context: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Yaml)]
        format: ExportFormat,
        /// `info.version` of the document (the model declares no API version).
        #[arg(long, default_value = "unversioned")]
        api_version: String,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write one JSON Schema (2020-12) per command, event and read-model row.
    #[command(after_help = "\
Example:
  stormcraft export json-schema examples/shop -o schemas

Writes DIR/<context>/commands/<Command>.schema.json, DIR/<context>/events/<Event>.schema.json
and DIR/<context>/read-models/<ReadModel>.schema.json, each with the named types it
uses under `$defs`. Files are replaced; files of elements no longer in the model are
left alone, so export into a folder of its own.")]
    JsonSchema {
        /// A model file or folder.
        model: PathBuf,
        /// The folder to write the schemas to.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write EventCatalog content: a domain per context, its service, its messages.
    #[command(after_help = "\
Example:
  stormcraft export eventcatalog examples/shop -o my-catalog

Writes DIR/domains/<context>/index.mdx, its service at
DIR/domains/<context>/services/<context>-service/index.mdx, and under that service
events/, commands/ and queries/ (read models), one folder per message with an
index.mdx and its JSON Schema as schema.json. Point it at an EventCatalog project's
root. Files are replaced; files of elements no longer in the model are left alone.")]
    Eventcatalog {
        /// A model file or folder.
        model: PathBuf,
        /// The catalog folder to write to (an EventCatalog project's root).
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// `stormcraft templates …`.
#[derive(Subcommand, Debug)]
pub enum TemplatesCommand {
    /// Write the built-in templates to a folder, to customise them.
    #[command(after_help = "\
Example:
  stormcraft templates export my-templates
  # edit my-templates/context/service.rs.jinja, then:
  stormcraft generate examples/shop -o shop --templates my-templates

Never overwrites a file: it stops if any template file already exists there.
Delete the files you do not change; the built-in ones are used for them.")]
    Export {
        /// The folder to write them to.
        dir: PathBuf,
    },
    /// List the built-in templates.
    #[command(after_help = "\
Example:
  stormcraft templates list")]
    List,
}
