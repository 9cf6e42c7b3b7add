//! The command line: clap definitions and one function per subcommand.

use crate::check::{check, Checked};
use crate::diagnostic::{render_human, to_json, Code, Severity};
use crate::ir::Model;
use crate::model::load::{load, Loaded};
use crate::render::findings::{findings, with_findings, Finding};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit code: the model has errors (or warnings with `--deny-warnings`).
pub const EXIT_MODEL_ERRORS: u8 = 1;
/// Exit code: bad usage, or a file could not be read or written.
pub const EXIT_USAGE: u8 = 2;

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
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a model and report every problem at once.
    #[command(after_help = "\
Example:
  stormcraft check examples/shop
  stormcraft check model.yaml --format json --deny-warnings

Prints every diagnostic, a summary line, and which event-driven patterns each
bounded context uses. Exit code 1 when the model has errors.")]
    Check {
        /// A model file, or a folder of `*.yaml`/`*.yml` files.
        model: PathBuf,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
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
  stormcraft diagram examples/shop --view context-map --format svg -o map.svg
  stormcraft diagram examples/shop --view flow:PlaceOrder --format mermaid")]
    Diagram {
        /// A model file or folder.
        model: PathBuf,
        /// Which view to draw.
        #[arg(long, default_value = "board")]
        view: String,
        /// Output format; svg and png need Graphviz's `dot` on the PATH.
        #[arg(long, value_enum, default_value_t = DiagramFormat::Dot)]
        format: DiagramFormat,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
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

/// Where output goes, and whether it may be coloured.
pub struct Terminal {
    /// ANSI colours on stderr.
    pub color: bool,
    /// Width to wrap diagnostics at.
    pub width: usize,
}

impl Terminal {
    /// Colour only on a terminal, never with `NO_COLOR` (https://no-color.org).
    pub fn detect() -> Terminal {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Terminal {
            color: !no_color && std::io::stderr().is_terminal(),
            width: 100,
        }
    }
}

/// A failure that is not about the model: exit code 2, one line on stderr.
#[derive(Debug)]
pub struct UsageError(pub String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(error: E) -> UsageError {
        UsageError(error.to_string())
    }
}

/// Writes to standard output. A reader that went away (`stormcraft … | head`) is
/// a normal end, not a crash, so a broken pipe is ignored.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli, terminal: &Terminal) -> u8 {
    let result = match cli.command {
        Command::Check {
            model,
            deny_warnings,
            format,
        } => run_check(&model, deny_warnings, format, terminal),
        Command::Diagram {
            model,
            view,
            format,
            output,
        } => run_diagram(&model, &view, format, output.as_deref(), terminal),
        Command::Trace { model, command } => run_trace(&model, &command, terminal),
        Command::Generate {
            model,
            output,
            check,
            templates,
            no_format,
        } => run_generate(
            &model,
            &output,
            check,
            templates.as_deref(),
            !no_format,
            terminal,
        ),
        Command::Templates(TemplatesCommand::Export { dir }) => run_templates_export(&dir),
        Command::Templates(TemplatesCommand::List) => {
            let names: Vec<&str> = crate::templates::Templates::builtin_files()
                .iter()
                .map(|(name, _)| *name)
                .collect();
            out(&format!("{}\n", names.join("\n")));
            Ok(0)
        }
        Command::Schema => {
            out(crate::schema::SCHEMA);
            Ok(0)
        }
        Command::Init { dir } => run_init(&dir),
        Command::Explain { code, list } => run_explain(code.as_deref(), list),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "stormcraft", &mut script);
            out(&String::from_utf8_lossy(&script));
            Ok(0)
        }
    };
    match result {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

/// Loads and checks, printing diagnostics to stderr. Returns the model when it has
/// no errors; otherwise the exit code to stop with.
fn load_checked(
    path: &Path,
    terminal: &Terminal,
) -> Result<Result<(Loaded, Model), u8>, UsageError> {
    match load_drawable(path, terminal, false)? {
        Ok((loaded, model, _)) => Ok(Ok((loaded, model))),
        Err(code) => Ok(Err(code)),
    }
}

/// A loaded model to draw, with the findings to mark on it.
type Drawable = (Loaded, Model, Vec<Finding>);

/// Loads and checks for `diagram` and `trace`. With `flawed_ok`, a model whose names
/// resolve is returned even when flow rules found errors, with its findings (errors and
/// warnings) to mark on the drawing: a team must be able to look at a flawed board.
/// A model without errors comes with no findings, so its drawings do not change.
fn load_drawable(
    path: &Path,
    terminal: &Terminal,
    flawed_ok: bool,
) -> Result<Result<Drawable, u8>, UsageError> {
    let loaded = load(path)?;
    let Checked { model, diagnostics } = check(&loaded);
    let mut stderr = std::io::stderr().lock();
    let sorted = diagnostics.sorted();
    for diagnostic in &sorted {
        if diagnostic.severity == Severity::Error {
            let _ = write!(
                stderr,
                "{}",
                render_human(diagnostic, &loaded.sources, terminal.color, terminal.width)
            );
        }
    }
    let errors = diagnostics.count(Severity::Error);
    match model {
        Some(model) if errors == 0 => Ok(Ok((loaded, model, Vec::new()))),
        Some(model) if flawed_ok => {
            let found = findings(&sorted);
            let _ = writeln!(
                stderr,
                "note: the model has {errors} error(s); drawn anyway with {} finding(s) marked as hotspots (`generate` refuses it until the errors are fixed)",
                found.len()
            );
            Ok(Ok((loaded, model, found)))
        }
        _ => {
            let _ = writeln!(
                stderr,
                "error: the model has {errors} error(s); run `stormcraft check {}` for the full report",
                path.display()
            );
            Ok(Err(EXIT_MODEL_ERRORS))
        }
    }
}

fn run_check(
    path: &Path,
    deny_warnings: bool,
    format: CheckFormat,
    terminal: &Terminal,
) -> Result<u8, UsageError> {
    let loaded = load(path)?;
    let checked = check(&loaded);
    let diagnostics = checked.diagnostics.sorted();
    let errors = checked.diagnostics.count(Severity::Error);
    let warnings = checked.diagnostics.count(Severity::Warning);
    let notes = checked.diagnostics.count(Severity::Note);
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    match format {
        CheckFormat::Json => {
            let report = serde_json::json!({
                "model": path.to_string_lossy().replace('\\', "/"),
                "ok": !failed,
                "errors": errors,
                "warnings": warnings,
                "notes": notes,
                "diagnostics": diagnostics
                    .iter()
                    .map(|d| to_json(d, &loaded.sources))
                    .collect::<Vec<_>>(),
                "contexts": checked.clean_model().map(|model| {
                    model
                        .contexts
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            serde_json::json!({
                                "name": c.name,
                                "patterns": model
                                    .patterns(crate::ir::ContextId(i as u32))
                                    .iter()
                                    .map(|p| p.label())
                                    .collect::<Vec<_>>(),
                            })
                        })
                        .collect::<Vec<_>>()
                }),
            });
            let text = serde_json::to_string_pretty(&report)?;
            out(&format!("{text}\n"));
        }
        CheckFormat::Human => {
            let mut stderr = std::io::stderr().lock();
            for (index, diagnostic) in diagnostics.iter().enumerate() {
                if index > 0 {
                    let _ = writeln!(stderr);
                }
                let _ = write!(
                    stderr,
                    "{}",
                    render_human(diagnostic, &loaded.sources, terminal.color, terminal.width)
                );
            }
            drop(stderr);
            out(&summary(
                path,
                checked.clean_model(),
                errors,
                warnings,
                notes,
            ));
        }
    }
    Ok(if failed { EXIT_MODEL_ERRORS } else { 0 })
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{count} {stem}ies")
    } else {
        format!("{count} {word}s")
    }
}

/// The summary line and the per-context pattern list printed after `check`.
pub fn summary(
    path: &Path,
    model: Option<&Model>,
    errors: usize,
    warnings: usize,
    notes: usize,
) -> String {
    let mut out = String::new();
    let findings = format!(
        "{}, {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notes, "note")
    );
    match model {
        Some(model) => {
            out.push_str(&format!(
                "{}: {} — {}, {}, {}, {}, {}, {}: {findings}\n",
                path.display(),
                model.system,
                plural(model.contexts.len(), "context"),
                plural(model.aggregates.len(), "aggregate"),
                plural(model.commands.len(), "command"),
                plural(model.events.len(), "event"),
                plural(model.policies.len(), "policy"),
                plural(model.read_models.len(), "read model"),
            ));
            for (index, context) in model.contexts.iter().enumerate() {
                let patterns: Vec<&str> = model
                    .patterns(crate::ir::ContextId(index as u32))
                    .iter()
                    .map(|p| p.label())
                    .collect();
                let patterns = if patterns.is_empty() {
                    "no event-driven pattern yet".to_owned()
                } else {
                    patterns.join(", ")
                };
                out.push_str(&format!("  {}: {patterns}\n", context.name));
            }
        }
        None => out.push_str(&format!("{}: {findings}\n", path.display())),
    }
    out
}

fn run_diagram(
    path: &Path,
    view: &str,
    format: DiagramFormat,
    output: Option<&Path>,
    terminal: &Terminal,
) -> Result<u8, UsageError> {
    let (_, model, found) = match load_drawable(path, terminal, true)? {
        Ok(ok) => ok,
        Err(code) => return Ok(code),
    };
    let model = if found.is_empty() {
        model
    } else {
        with_findings(&model, &found)
    };
    let view = crate::render::diagram::View::parse(view, &model).map_err(UsageError)?;
    let bytes: Vec<u8> = match format {
        DiagramFormat::Dot => crate::render::diagram::dot(&model, &view).into_bytes(),
        DiagramFormat::Mermaid => crate::render::diagram::mermaid(&model, &view).into_bytes(),
        DiagramFormat::Svg => {
            crate::render::graphviz::run_dot(&crate::render::diagram::dot(&model, &view), "svg")
                .map_err(UsageError)?
        }
        DiagramFormat::Png => {
            crate::render::graphviz::run_dot(&crate::render::diagram::dot(&model, &view), "png")
                .map_err(UsageError)?
        }
    };
    match output {
        Some(file) => crate::output::write_file_atomic(file, &bytes)
            .map_err(|e| UsageError(format!("cannot write `{}`: {e}", file.display())))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(UsageError(format!("cannot write to standard output: {e}")));
                }
                _ => {}
            }
        }
    }
    Ok(0)
}

fn run_trace(path: &Path, command: &str, terminal: &Terminal) -> Result<u8, UsageError> {
    let (_, model, found) = match load_drawable(path, terminal, true)? {
        Ok(ok) => ok,
        Err(code) => return Ok(code),
    };
    let id = model.command_by_name(command).map_err(|candidates| {
        if candidates.is_empty() {
            let all: Vec<String> = (0..model.commands.len())
                .map(|i| model.qualified_command(crate::ir::CommandId(i as u32)))
                .collect();
            let bare = command.rsplit('.').next().unwrap_or(command);
            let names: Vec<&str> = model.commands.iter().map(|c| c.name.as_str()).collect();
            match crate::suggest::did_you_mean(bare, names) {
                Some(help) => UsageError(format!("no command `{command}` in the model; {help}")),
                None => UsageError(format!(
                    "no command `{command}` in the model; the commands are: {}",
                    all.join(", ")
                )),
            }
        } else {
            UsageError(format!(
                "`{command}` is ambiguous; write one of: {}",
                candidates.join(", ")
            ))
        }
    })?;
    out(&crate::render::trace::trace_marked(&model, id, &found));
    Ok(0)
}

fn run_init(dir: &Path) -> Result<u8, UsageError> {
    let file = dir.join("model.yaml");
    if file.exists() {
        return Err(UsageError(format!(
            "`{}` already exists; stormcraft init never overwrites a file — pick another folder",
            file.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| UsageError(format!("cannot create `{}`: {e}", dir.display())))?;
    crate::output::write_new_file(&file, crate::init::STARTER_MODEL.as_bytes())
        .map_err(|e| UsageError(format!("cannot write `{}`: {e}", file.display())))?;
    out(&format!(
        "wrote {}\nnext: stormcraft check {}\n",
        file.display(),
        dir.display()
    ));
    Ok(0)
}

fn run_explain(code: Option<&str>, list: bool) -> Result<u8, UsageError> {
    if list {
        let mut text = String::new();
        for code in Code::ALL {
            text.push_str(&format!(
                "{}  {:<8} {:<27} {}\n",
                code.as_str(),
                format!("{:?}", code.severity()).to_lowercase(),
                code.slug(),
                code.summary()
            ));
        }
        out(&text);
        return Ok(0);
    }
    let text = code.unwrap_or_default();
    let Some(code) = Code::parse(text) else {
        let candidates: Vec<&str> = Code::ALL.iter().map(|c| c.slug()).collect();
        let help = crate::suggest::did_you_mean(text, candidates)
            .unwrap_or_else(|| "run `stormcraft explain --list` to see every code".to_owned());
        return Err(UsageError(format!(
            "unknown diagnostic code `{text}`; {help}"
        )));
    };
    out(&crate::check::explain::explain(code));
    Ok(0)
}

fn run_generate(
    path: &Path,
    output: &Path,
    check: bool,
    templates: Option<&Path>,
    format: bool,
    terminal: &Terminal,
) -> Result<u8, UsageError> {
    // Templates first: a broken override is reported before any model work.
    let templates = match templates {
        Some(dir) => crate::templates::Templates::with_overrides(dir)?,
        None => crate::templates::Templates::builtin(),
    };
    // Only the model's own name goes into the headers: the full path depends on the
    // folder the command ran from, and `--check` must not.
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let model_path = absolute
        .file_name()
        .map_or_else(|| absolute.to_string_lossy(), |name| name.to_string_lossy())
        .into_owned();
    // The same inputs as the last run on an untouched tree: nothing to load or render.
    let fingerprint = crate::generate::fingerprint(path, &model_path, &templates, format);
    let unchanged = fingerprint.and_then(|f| crate::generate::nothing_to_do(output, f));
    let report = match unchanged {
        Some(report) => report,
        None => {
            let (_, model) = match load_checked(path, terminal)? {
                Ok(ok) => ok,
                Err(code) => return Ok(code),
            };
            let files = crate::generate::workspace_files(&model, &model_path, &templates)
                .map_err(UsageError)?;
            let report = crate::generate::run(output, &files, check, format, fingerprint)
                .map_err(UsageError)?;
            // The process ends right after: freeing the model and tens of megabytes of
            // rendered text piece by piece is work nobody needs; the OS takes it back.
            std::mem::forget(files);
            std::mem::forget(model);
            report
        }
    };
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    let mut text = String::new();
    if check {
        if report.is_up_to_date() {
            text.push_str(&format!(
                "{} is up to date with {}\n",
                output.display(),
                path.display()
            ));
            out(&text);
            return Ok(0);
        }
        let mut lines = Vec::new();
        lines.extend(report.written.iter().map(|p| format!("  differs:   {p}")));
        lines.extend(
            report
                .created_user_files
                .iter()
                .map(|p| format!("  missing:   {p}")),
        );
        lines.extend(report.removed.iter().map(|p| format!("  obsolete:  {p}")));
        lines.extend(
            report
                .foreign
                .iter()
                .map(|p| format!("  edited by hand (no header): {p}")),
        );
        eprintln!(
            "error: {} is stale; run `stormcraft generate {} -o {}`:\n{}",
            output.display(),
            path.display(),
            output.display(),
            lines.join("\n")
        );
        return Ok(EXIT_MODEL_ERRORS);
    }
    text.push_str(&format!(
        "generated {}: {} file(s) written, {} unchanged, {} rule file(s) created, {} kept, {} removed\n",
        output.display(),
        report.written.len(),
        report.unchanged.len(),
        report.created_user_files.len(),
        report.kept_user_files.len(),
        report.removed.len()
    ));
    for file in &report.created_user_files {
        text.push_str(&format!("  yours to edit: {file}\n"));
    }
    for file in &report.removed {
        text.push_str(&format!("  removed (no longer generated): {file}\n"));
    }
    text.push_str(&format!(
        "next: cd {} && cargo run   # all contexts in one process on one SQLite file\n",
        output.display()
    ));
    out(&text);
    Ok(0)
}

fn run_templates_export(dir: &Path) -> Result<u8, UsageError> {
    let files = crate::templates::Templates::builtin_files();
    let existing: Vec<String> = files
        .iter()
        .filter(|(name, _)| dir.join(name).exists())
        .map(|(name, _)| name.to_string())
        .collect();
    if !existing.is_empty() {
        return Err(UsageError(format!(
            "{} template file(s) already exist in `{}` ({}); export never overwrites — pick an empty folder",
            existing.len(),
            dir.display(),
            existing.join(", ")
        )));
    }
    for (name, text) in &files {
        let target = dir.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| UsageError(format!("cannot create `{}`: {e}", parent.display())))?;
        }
        crate::output::write_new_file(&target, text.as_bytes())
            .map_err(|e| UsageError(format!("cannot write `{}`: {e}", target.display())))?;
    }
    out(&format!(
        "wrote {} templates to {}\nedit them, then: stormcraft generate MODEL -o OUT --templates {}\n",
        files.len(),
        dir.display(),
        dir.display()
    ));
    Ok(0)
}
