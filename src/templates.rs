//! The template set: the built-in templates embedded at build time, optionally
//! overridden one by one from a folder of the user's.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};

use crate::embedded::BUILTIN;

/// Where a template's text comes from, for error messages.
#[derive(Debug, Clone)]
struct Source {
    /// The text.
    text: String,
    /// What an error names: the built-in name, or the override's real path.
    origin: String,
}

/// The templates `generate` renders: the built-in set, each possibly overridden.
#[derive(Debug, Clone)]
pub struct Templates {
    sources: BTreeMap<String, Source>,
}

/// A broken template: which file, which line, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The override's real path, or the built-in template's name.
    pub file: String,
    /// The line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "template `{}` line {line}: {}", self.file, self.message),
            None => write!(f, "template `{}`: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

impl Templates {
    /// The built-in set.
    pub fn builtin() -> Templates {
        Templates {
            sources: BUILTIN
                .iter()
                .map(|(name, text)| {
                    (
                        (*name).to_owned(),
                        Source {
                            text: (*text).to_owned(),
                            origin: (*name).to_owned(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// The built-in set with every template found under `dir` (by its relative path,
    /// e.g. `context/service.rs.jinja`) replacing the built-in one. A file that matches
    /// no built-in template is an error: it is most likely a misspelt name, which would
    /// otherwise be silently ignored.
    pub fn with_overrides(dir: &Path) -> Result<Templates, TemplateError> {
        let mut templates = Templates::builtin();
        let walker = walkdir::WalkDir::new(dir).sort_by_file_name();
        for entry in walker {
            let entry = entry.map_err(|e| TemplateError {
                file: dir.display().to_string(),
                line: None,
                message: format!("cannot read the templates folder: {e}"),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let Ok(relative) = path.strip_prefix(dir) else {
                continue;
            };
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if !name.ends_with(".jinja") {
                continue;
            }
            let origin = path.display().to_string();
            let Some(slot) = templates.sources.get_mut(&name) else {
                return Err(TemplateError {
                    file: origin,
                    line: None,
                    message: format!(
                        "no built-in template is called `{name}`; run `stormcraft templates export DIR` to see their names"
                    ),
                });
            };
            let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
                file: origin.clone(),
                line: None,
                message: format!("cannot read the file: {e}"),
            })?;
            *slot = Source { text, origin };
        }
        Ok(templates)
    }

    /// Every template of this set (name, text, overrides applied), sorted by name.
    pub fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sources
            .iter()
            .map(|(name, source)| (name.as_str(), source.text.as_str()))
    }

    /// Every built-in template (path, text), sorted by path.
    pub fn builtin_files() -> Vec<(&'static str, &'static str)> {
        let mut files = BUILTIN.to_vec();
        files.sort_by_key(|(name, _)| *name);
        files
    }

    /// A minijinja environment holding every template, configured so that templates
    /// only lay out text: blocks trim their own lines, and an undefined variable is an
    /// error rather than an empty string.
    pub fn environment(&self) -> Result<Environment<'_>, TemplateError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in &self.sources {
            env.add_template(name, &source.text)
                .map_err(|e| self.error(&e))?;
        }
        Ok(env)
    }

    /// The template error of a minijinja error, naming the file the user can open.
    pub fn error(&self, error: &minijinja::Error) -> TemplateError {
        let name = error.name().unwrap_or("?");
        let file = self
            .sources
            .get(name)
            .map_or_else(|| name.to_owned(), |s| s.origin.clone());
        let message = match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        };
        TemplateError {
            file,
            line: error.line(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_set_parses() {
        Templates::builtin().environment().unwrap();
        let files = Templates::builtin_files();
        assert!(files.iter().any(|(n, _)| *n == "context/service.rs.jinja"));
        assert!(files.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_broken_override_names_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("context")).unwrap();
        let path = dir.path().join("context/service.rs.jinja");
        std::fs::write(&path, "line one\n{% if %}\n").unwrap();
        let templates = Templates::with_overrides(dir.path()).unwrap();
        let error = templates.environment().unwrap_err();
        assert_eq!(error.file, path.display().to_string());
        assert_eq!(error.line, Some(2));
        assert!(
            error.to_string().starts_with(&format!(
                "template `{}` line 2: syntax error",
                path.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_filter_is_reported_when_rendering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("workspace/gitignore.jinja");
        std::fs::create_dir(dir.path().join("workspace")).unwrap();
        std::fs::write(&path, "line one\n{{ header | nosuchfilter }}\n").unwrap();
        let templates = Templates::with_overrides(dir.path()).unwrap();
        let env = templates.environment().unwrap();
        let rendered = env
            .get_template("workspace/gitignore.jinja")
            .and_then(|t| t.render(minijinja::context! { header => "#" }));
        let error = templates.error(&rendered.unwrap_err());
        assert_eq!(
            error.to_string(),
            format!(
                "template `{}` line 2: unknown filter: filter nosuchfilter is unknown",
                path.display()
            )
        );
    }

    #[test]
    fn an_override_with_an_unknown_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("servce.rs.jinja"), "x").unwrap();
        let error = Templates::with_overrides(dir.path()).unwrap_err();
        assert!(error.message.contains("`servce.rs.jinja`"), "{error}");
    }
}
