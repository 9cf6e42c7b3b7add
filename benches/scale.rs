//! How load, check and diagrams scale with model size.
//!
//! Run with `cargo bench --bench scale`. For each synthetic model (see
//! `stormcraft::synth`, in the one-file-per-context layout of a model folder) it
//! times loading every file, `check`, `dot` and `mermaid` of the
//! board view (median of several runs; generating the text is not timed), reports the
//! time per element so linear growth shows as a flat column, and the peak memory of a
//! fresh process that loads, checks and draws the model once.
//!
//! Peak memory needs a process of its own per size: the bench re-runs its own binary
//! with `STORMCRAFT_SCALE_CHILD=<row>`, and that child reports `VmHWM` from
//! `/proc/self/status` (Linux; elsewhere the column says `n/a`).
//!
//! A second table splits loading into its two halves: parsing YAML into the spanned
//! tree (serde-saphyr) and everything else (decoding the tree into the syntax tree).
//!
//! `cargo bench --bench scale -- cli` instead times the real binary on the 100-context
//! model (a folder of one file per context): a fresh `generate` (with the rustfmt pass
//! when rustfmt is installed), the same `generate` with nothing changed, one after a
//! change to one context, `generate --check`, and `check`; medians of a few runs.
//! `cargo bench --bench scale -- write-model DIR` writes that model into `DIR`, for
//! profiling the binary by hand.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use stormcraft::check::check;
use stormcraft::model::load::Loaded;
use stormcraft::model::yaml::SpannedNode;
use stormcraft::render::diagram::{dot, mermaid, View};
use stormcraft::synth::{synth_files, SynthSpec};

const CHILD_ENV: &str = "STORMCRAFT_SCALE_CHILD";

/// One measured model.
struct Row {
    label: &'static str,
    spec: SynthSpec,
    runs: usize,
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            label: "~1k elements",
            spec: SynthSpec::new(3, 10, 10),
            runs: 21,
        },
        Row {
            label: "~10k elements",
            spec: SynthSpec::new(30, 10, 10),
            runs: 9,
        },
        Row {
            label: "100 contexts, 10,000 events",
            spec: SynthSpec::new(100, 10, 10),
            runs: 5,
        },
        Row {
            label: "~100k elements",
            spec: SynthSpec::new(300, 10, 10),
            runs: 5,
        },
    ]
}

/// Median durations of the phases of one model.
struct Timings {
    load: Duration,
    check: Duration,
    dot: Duration,
    mermaid: Duration,
    generate: Duration,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Loads the files of a model the way a folder load does, without the disk.
fn load(files: &[(String, String)]) -> Loaded {
    // As `stormcraft check FOLDER` loads: every file at once, parsed on every core.
    let mut loaded = Loaded::default();
    loaded.add_texts(
        files
            .iter()
            .map(|(name, text)| (name.clone(), name.into(), text.clone()))
            .collect(),
    );
    loaded
}

/// The parse options of the loader (`src/model/load.rs`), for the load breakdown.
/// One thread, so this is the parse's CPU time rather than its wall time.
fn parse_only(files: &[(String, String)]) {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
        strict_booleans: true,
    };
    for (_, text) in files {
        let node = serde_saphyr::from_str_with_options::<SpannedNode>(text, options.clone());
        black_box(node.expect("the synthetic model is valid YAML"));
    }
}

fn measure(files: &[(String, String)], runs: usize) -> Timings {
    let (mut loads, mut checking, mut dots, mut mermaids, mut generates) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let start = Instant::now();
        let loaded = load(black_box(files));
        loads.push(start.elapsed());

        let start = Instant::now();
        let checked = check(&loaded);
        checking.push(start.elapsed());
        let findings: Vec<String> = checked
            .diagnostics
            .sorted()
            .iter()
            .take(5)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(
            findings.is_empty(),
            "the synthetic model has findings: {findings:#?}"
        );
        let model = checked.model.expect("a model with no findings is checked");
        let view = View::parse("board", &model).expect("the board view exists");

        let start = Instant::now();
        black_box(dot(&model, &view));
        dots.push(start.elapsed());

        let start = Instant::now();
        black_box(mermaid(&model, &view));
        mermaids.push(start.elapsed());

        // Rendering the generated workspace in memory (writing it is the disk's time).
        let templates = stormcraft::templates::Templates::builtin();
        let start = Instant::now();
        let files = stormcraft::render::service::generate(&model, "synth", &templates)
            .expect("the synthetic model generates");
        generates.push(start.elapsed());
        black_box(files);
    }
    Timings {
        load: median(loads),
        check: median(checking),
        dot: median(dots),
        mermaid: median(mermaids),
        generate: median(generates),
    }
}

/// The peak resident set of this process so far, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The child: one pass over one model, then its peak memory on stdout.
fn child(row: &Row) {
    let files = synth_files(&row.spec);
    let loaded = load(&files);
    let checked = check(&loaded);
    let model = checked.model.expect("the synthetic model checks");
    let view = View::parse("board", &model).expect("the board view exists");
    black_box(dot(&model, &view));
    black_box(mermaid(&model, &view));
    match peak_rss_kib() {
        Some(kib) => println!("{kib}"),
        None => println!("n/a"),
    }
}

/// Runs the child for row `index` and returns its peak memory in MiB, as text.
fn peak_memory(index: usize) -> String {
    let output = std::env::current_exe()
        .and_then(|exe| Command::new(exe).env(CHILD_ENV, index.to_string()).output());
    match output {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            match text.trim().parse::<u64>() {
                Ok(kib) => format!("{:.1}", kib as f64 / 1024.0),
                Err(_) => "n/a".to_owned(),
            }
        }
        _ => "failed".to_owned(),
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1e3)
}

fn per_element_ns(duration: Duration, elements: usize) -> f64 {
    duration.as_secs_f64() * 1e9 / elements as f64
}

/// Median wall time of `runs` runs of the binary with `args` in `dir`, each after
/// `before` (not timed).
fn time_binary(dir: &Path, args: &[&str], runs: usize, mut before: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs {
        before();
        let start = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_stormcraft"))
            .args(args)
            .current_dir(dir)
            .output()
            .expect("stormcraft runs");
        times.push(start.elapsed());
        assert!(
            output.status.success(),
            "stormcraft {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    median(times)
}

/// The real binary on the 100-context model, as a user runs it.
fn cli() {
    let spec = SynthSpec::new(100, 10, 10);
    let temp = std::env::temp_dir().join(format!("stormcraft-bench-{}", std::process::id()));
    let model = temp.join("model");
    std::fs::create_dir_all(&model).unwrap();
    let files = synth_files(&spec);
    for (name, text) in &files {
        std::fs::write(model.join(name), text).unwrap();
    }
    // The last context: no other context consumes its events.
    let (last_name, last_text) = files.last().expect("one file per context").clone();
    let runs = 3;
    let out = temp.join("out");
    let fresh = time_binary(&temp, &["generate", "model", "-o", "out"], runs, || {
        let _ = std::fs::remove_dir_all(&out);
    });
    let unchanged = time_binary(&temp, &["generate", "model", "-o", "out"], runs, || {});
    // Alternate between two versions of one context's file, so every run sees a change.
    let mut flip = false;
    let one_changed = time_binary(&temp, &["generate", "model", "-o", "out"], runs, || {
        flip = !flip;
        let text = if flip {
            last_text.replace("synthetic bounded context", "changed bounded context")
        } else {
            last_text.clone()
        };
        std::fs::write(model.join(&last_name), text).unwrap();
    });
    let check_output = time_binary(
        &temp,
        &["generate", "model", "-o", "out", "--check"],
        runs,
        || {},
    );
    let check = time_binary(&temp, &["check", "model"], runs, || {});
    let written = walk_size(&out);
    let _ = std::fs::remove_dir_all(&temp);
    println!(
        "100 contexts × 10 aggregates × 10 events, {} files, {:.0} MB written; rustfmt: {}",
        written.0,
        written.1 as f64 / 1e6,
        if stormcraft::render::service::rustfmt::Rustfmt::find().is_some() {
            "yes"
        } else {
            "not installed"
        }
    );
    println!();
    println!("| run | ms (median of {runs}) |");
    println!("|---|---:|");
    for (label, time) in [
        ("`generate`, fresh", fresh),
        ("`generate`, nothing changed", unchanged),
        ("`generate`, one context changed", one_changed),
        ("`generate --check`", check_output),
        ("`check`", check),
    ] {
        println!("| {label} | {} |", ms(time));
    }
}

/// Number of files and bytes under `dir`.
fn walk_size(dir: &Path) -> (usize, u64) {
    let mut total = (0, 0);
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                total.0 += 1;
                total.1 += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `-- write-model DIR`: the 100-context model as files, to profile the binary on.
    if let Some(at) = args.iter().position(|a| a == "write-model") {
        let dir = Path::new(args.get(at + 1).expect("write-model DIR"));
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in synth_files(&SynthSpec::new(100, 10, 10)) {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    if args.iter().any(|a| a == "cli") {
        cli();
        return;
    }
    let rows = rows();
    if let Ok(index) = std::env::var(CHILD_ENV) {
        let index: usize = index.parse().expect("a row index");
        child(&rows[index]);
        return;
    }
    println!(
        "| model | contexts × aggregates × events | elements | YAML | load ms | check ms | load+check ms | dot ms | mermaid ms | generate ms | load+check ns/element | ratio to first | dot+mermaid ns/element | ratio to first | peak memory MiB |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut baseline: Option<(f64, f64)> = None;
    let mut breakdown = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let files = synth_files(&row.spec);
        let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
        let elements = row.spec.elements();
        let timings = measure(&files, row.runs);
        let parse = median(
            (0..row.runs)
                .map(|_| {
                    let start = Instant::now();
                    parse_only(&files);
                    start.elapsed()
                })
                .collect(),
        );
        breakdown.push((row.label, bytes, timings.load, parse));
        let load_check = timings.load + timings.check;
        let diagrams = timings.dot + timings.mermaid;
        let per_check = per_element_ns(load_check, elements);
        let per_diagram = per_element_ns(diagrams, elements);
        let (base_check, base_diagram) = *baseline.get_or_insert((per_check, per_diagram));
        println!(
            "| {} | {} × {} × {} | {} | {:.1} MiB | {} | {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.0} | {:.2} | {} |",
            row.label,
            row.spec.contexts,
            row.spec.aggregates_per_context,
            row.spec.events_per_aggregate,
            elements,
            bytes as f64 / (1024.0 * 1024.0),
            ms(timings.load),
            ms(timings.check),
            ms(load_check),
            ms(timings.dot),
            ms(timings.mermaid),
            ms(timings.generate),
            per_check,
            per_check / base_check,
            per_diagram,
            per_diagram / base_diagram,
            peak_memory(index),
        );
    }
    println!();
    println!(
        "| model | YAML | load ms | of which YAML parse ms | parse MiB/s | decode and rest ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (label, bytes, load, parse) in breakdown {
        println!(
            "| {label} | {:.1} MiB | {} | {} | {:.1} | {} |",
            bytes as f64 / (1024.0 * 1024.0),
            ms(load),
            ms(parse),
            bytes as f64 / (1024.0 * 1024.0) / parse.as_secs_f64(),
            ms(load.saturating_sub(parse)),
        );
    }
}
