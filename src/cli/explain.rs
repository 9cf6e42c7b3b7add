//! `stormcraft explain`: what a diagnostic means, with a bad and a fixed example.

use super::{out, CliError};
use crate::diagnostic::Code;

/// Prints the explanation of `code` (a code or a rule name), or with `list` one line
/// per code.
pub(super) fn run_explain(code: Option<&str>, list: bool) -> Result<u8, CliError> {
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
        return Err(CliError::UnknownCode {
            code: text.to_owned(),
            help,
        });
    };
    out(&crate::check::explain::explain(code));
    Ok(0)
}
