//! SC083 bad-recovery: an `on_error:` entry names no error of the issued command or no known action.
//!
//! Raised where policies are lowered (`src/check/resolve/lowering.rs`); its findings
//! are built here. A compensating command that does not resolve is SC020.

use super::prelude::*;

/// The rule: its code, name, severity, summary and explanation.
pub const RULE: Rule = Rule {
    code: "SC083",
    slug: "bad-recovery",
    severity: Severity::Error,
    summary: "an `on_error:` entry names no error of the issued command or no known action",
    explanation: Explanation {
        text: r#"Each key of a policy's `on_error:` is a business error of the command the policy issues, and each value one of: `park` (keep the refusal in the rejections, knowingly), `retry` (three more attempts), `{ retry: { times: N, after: 10s } }` (N from 1 to 100, an optional delay before each), `{ issue: Command }` (a compensating command, of any context: `payments.RefundPayment`), or `{ record: Event }` (an event of one of the issuing context's aggregates, appended to that aggregate's stream once per refusal; SC115 when it is another context's).

`on_error:` needs `issue:`: without a command there is nothing to be refused."#,
        bad: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ReserveStock:
            emits: [StockReserved]
            errors: { OutOfStock: not enough stock }
        events:
          OrderPlaced: {}
          StockReserved: {}
    policies:
      ReserveWhenPlaced:
        on: OrderPlaced
        issue: ReserveStock
        on_error:
          OutOfStock: { retry: { times: 0 } }
"#,
        fixed: r#"stormcraft: 2
system: Shop
actors:
  Customer: places orders
contexts:
  ordering:
    aggregates:
      Order:
        id: order_id
        commands:
          PlaceOrder:
            by: Customer
            emits: [OrderPlaced]
          ReserveStock:
            emits: [StockReserved]
            errors: { OutOfStock: not enough stock }
        events:
          OrderPlaced: {}
          StockReserved: {}
    policies:
      ReserveWhenPlaced:
        on: OrderPlaced
        issue: ReserveStock
        on_error:
          OutOfStock: { retry: { times: 3, after: 10m } }
"#,
    },
};

/// `on_error:` on a policy (or a process's reaction) without `issue:`; `owner` names
/// it ("policy `X`"), `span` is the key.
pub fn without_issue(owner: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadRecovery,
        span,
        format!("{owner} has `on_error:` but issues no command"),
    )
    .label("nothing here can be refused")
    .help("add `issue: SomeCommand`, or remove `on_error:`")
}

/// A key of `on_error:` that is not an error of `command`.
pub fn unknown_error(error: &str, command: &str, span: Span, declared: &[String]) -> Diagnostic {
    let help = match crate::suggest::did_you_mean(error, declared.iter().map(String::as_str)) {
        Some(suggestion) => suggestion,
        None if declared.is_empty() => format!(
            "`{command}` declares no business errors: remove this entry, or add `{error}` to its `errors:`"
        ),
        None => format!(
            "the errors of `{command}` are {}",
            declared
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::new(
        Code::BadRecovery,
        span,
        format!("`{error}` is not a business error of `{command}`"),
    )
    .label(format!("not in the `errors` of `{command}`"))
    .help(help)
}

/// The help that lists every recovery.
const EVERY_ACTION: &str = "write `park`, `retry`, `{ retry: { times: 5, after: 10s } }`, `{ issue: SomeCommand }` or `{ record: SomeEvent }`";

/// An action that is none of the known ones; `written` is its word, when it is one.
pub fn unknown_action(error: &str, written: Option<&str>, span: Span) -> Diagnostic {
    let message = match written {
        Some(word) => format!("`{word}` is not a recovery for `{error}`"),
        None => format!("the recovery for `{error}` is not one stormcraft knows"),
    };
    let help = match written {
        Some("record") => "`record` names the event to record: write `{ record: SomeEvent }`".to_owned(),
        Some("issue") => "`issue` names the compensating command: write `{ issue: SomeCommand }`".to_owned(),
        Some(word) => crate::suggest::did_you_mean(word, ["park", "retry", "issue", "record"])
            .unwrap_or_else(|| EVERY_ACTION.to_owned()),
        None => EVERY_ACTION.to_owned(),
    };
    Diagnostic::new(Code::BadRecovery, span, message)
        .label("unknown recovery")
        .help(help)
}

/// `retry` with a count outside 1–100; `span` is `times:` (or the action).
pub fn retry_times(error: &str, times: i64, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadRecovery,
        span,
        format!("the retry of `{error}` asks for {times} attempts"),
    )
    .label("expected 1 to 100")
    .help("retry from 1 to 100 more times; `park` keeps the refusal without retrying")
}

/// `retry: { after: ... }` that is not a duration.
pub fn retry_delay(written: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadRecovery,
        span,
        format!("`{written}` is not a duration"),
    )
    .label("expected a duration such as `10s`, `5m` or `1h30m`")
    .help("write a number and a unit (`d`, `h`, `m`, `s`), largest first: `45s`, `30m`, `1h30m`")
}
