//! End to end: the committed, generated hotel workspace (`examples/hotel/service`, with
//! the hotel's business rules in its user-owned files) is built and its app binary (both
//! contexts in one process on one SQLite file) is driven over HTTP on a manual clock
//! (`--manual-clock`): holds that expire after 20 minutes and not before, a paid one that
//! does not, a charge captured after its hold expired refunded through payments' inbox
//! (booking's refusal listed at `/booking/rejections`), and the nightly no-show job; then
//! all of it again after a restart and after a kill -9, with nothing fired twice.
//!
//! It compiles the workspace in the shared `target/generated` folder (the shop's e2e
//! compiles the same dependencies there); `STORMCRAFT_SKIP_COMPILE_TESTS=1` skips it.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{cargo, generated_target_dir, http, poll_until, repo_root, Service};

const PATIENCE: Duration = Duration::from_secs(60);
const MINUTE: u64 = 60;
const DAY: u64 = 24 * 60 * 60;

fn service_dir() -> PathBuf {
    repo_root().join("examples/hotel/service")
}

fn binary(name: &str) -> PathBuf {
    generated_target_dir().join("debug").join(name)
}

/// Posts a command to the app, expecting it accepted; returns the recorded events.
fn post(app: &str, path: &str, body: &str) -> serde_json::Value {
    let response = http(app, "POST", path, Some(body));
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    response.json()
}

/// The app's manual clock, in seconds since the Unix epoch.
fn clock(app: &str) -> u64 {
    let read = http(app, "GET", "/clock", None);
    assert_eq!(read.status, 200, "{}", read.body);
    read.json()["now_unix_ms"]
        .as_u64()
        .unwrap_or_else(|| panic!("no clock reading: {}", read.body))
        / 1000
}

/// Moves the app's manual clock forward.
fn advance_clock(app: &str, seconds: u64) {
    let moved = http(
        app,
        "POST",
        "/clock/advance",
        Some(&format!(r#"{{"seconds":{seconds}}}"#)),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
}

/// Moves the app's manual clock forward to `at` (seconds since the Unix epoch).
fn advance_clock_to(app: &str, at: u64) {
    let now = clock(app);
    assert!(at > now, "the clock is at {now}, past {at}");
    advance_clock(app, at - now);
}

/// The calendar date (`YYYY-MM-DD`, UTC) of a time in seconds since the Unix epoch
/// (Howard Hinnant's days-to-civil algorithm; the tests need no date crate).
fn date(seconds: u64) -> String {
    let days = (seconds / DAY) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Places a hold; returns the type of the event it recorded (`HoldPlaced` or
/// `HoldUnavailable`).
fn place_hold(app: &str, hold: &str, room: &str, check_in: &str, guests: u32) -> String {
    let events = post(
        app,
        "/booking/commands/PlaceHold",
        &format!(
            r#"{{"hold_id":"{hold}","room":"{room}","guest_name":"Ada Lovelace",
                "check_in":"{check_in}","nights":2,"guests":{guests}}}"#
        ),
    );
    events["events"][0]["type"]
        .as_str()
        .unwrap_or_else(|| panic!("no event recorded: {events}"))
        .to_owned()
}

/// Waits until payments has requested the hold's charge; returns the payment id.
fn requested_payment(app: &str, hold: &str) -> String {
    let row = poll_until(
        app,
        &format!("/payments/hold-payments/{hold}"),
        PATIENCE,
        |r| r.status == 200 && r.json()["status"] == "Requested",
    );
    assert_eq!(
        row.status, 200,
        "no charge requested for {hold}: {}",
        row.body
    );
    let row = row.json();
    assert_eq!(row["status"], "Requested", "{row}");
    // The price is booking's: room 101-102 cost 120.00 a night, 201 155.00, 301 210.00.
    assert_eq!(row["amount"]["currency"], "EUR", "{row}");
    row["payment_id"].as_str().expect("a payment id").to_owned()
}

/// The card processor's webhook settles a charge: captured with an authorization code,
/// or declined with a decline code.
fn settle(app: &str, payment: &str, authorization: Option<&str>, decline_code: Option<&str>) {
    let text = |value: Option<&str>| value.map_or("null".to_owned(), |v| format!(r#""{v}""#));
    post(
        app,
        "/payments/commands/SettleCharge",
        &format!(
            r#"{{"payment_id":"{payment}","authorization":{},"decline_code":{}}}"#,
            text(authorization),
            text(decline_code)
        ),
    );
}

/// Waits until the guest's page of `hold` shows `wanted`; returns the row.
fn hold_status(app: &str, hold: &str, wanted: &str) -> serde_json::Value {
    let row = poll_until(app, &format!("/booking/holds/{hold}"), PATIENCE, |r| {
        r.status == 200 && r.json()["status"] == wanted
    });
    assert_eq!(row.status, 200, "{}", row.body);
    let row = row.json();
    assert_eq!(row["status"], wanted, "hold {hold}: {row}");
    row
}

/// Waits until payments shows the hold's charge as `wanted`; returns the row.
fn payment_status(app: &str, hold: &str, wanted: &str) -> serde_json::Value {
    let row = poll_until(
        app,
        &format!("/payments/hold-payments/{hold}"),
        PATIENCE,
        |r| r.status == 200 && r.json()["status"] == wanted,
    );
    assert_eq!(row.status, 200, "{}", row.body);
    let row = row.json();
    assert_eq!(row["status"], wanted, "the charge of hold {hold}: {row}");
    row
}

/// The rejections booking lists (`GET /booking/rejections`) of `command` refused with
/// `error`, about `hold` (its body's `hold_id`), or about any hold when `hold` is `None`.
fn rejections_of(app: &str, command: &str, error: &str, hold: Option<&str>) -> usize {
    let listed = http(app, "GET", "/booking/rejections?limit=1000", None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", listed.body))
        .iter()
        .filter(|r| {
            r["command"] == command
                && r["error"] == error
                && hold.is_none_or(|hold| r["body"]["hold_id"] == hold)
        })
        .count()
}

/// A hold nobody pays: it expires 20 minutes after it was placed.
const UNPAID: &str = "5f0c6a4e-8d2b-4c51-9a57-2f1f0e3d9b11";
/// A hold whose charge the processor captures only after it expired: refunded.
const LATE: &str = "9d5e2f10-3b7c-4e8a-8f21-6c0d4b3a2e19";
/// A hold paid in time, for a stay from today; the guest never comes: a no-show.
const PAID: &str = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
/// A hold paid in time, for a stay from today; the guest checks in.
const ARRIVED: &str = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d";
/// A hold whose card is declined: cancelled at once.
const DECLINED: &str = "6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e";

/// The flows on a freshly started app, whose manual clock reads `start`.
fn run_flows(app: &str, start: u64) {
    let today = date(start);
    let next_week = date(start + 7 * DAY);

    // Outcomes: a room the hotel does not let, or too small for the party, is unavailable.
    let unknown_room = "7e57e57e-0000-4000-8000-000000000001";
    assert_eq!(
        place_hold(app, unknown_room, "999", &next_week, 2),
        "HoldUnavailable"
    );
    let row = hold_status(app, unknown_room, "Unavailable");
    assert!(
        row["unavailable_because"]
            .as_str()
            .is_some_and(|why| why.contains("999")),
        "{row}"
    );
    let crowded = "7e57e57e-0000-4000-8000-000000000002";
    assert_eq!(
        place_hold(app, crowded, "101", &next_week, 5),
        "HoldUnavailable"
    );
    let zero = http(
        app,
        "POST",
        "/booking/commands/PlaceHold",
        Some(
            r#"{"hold_id":"7e57e57e-0000-4000-8000-000000000003","room":"101","guest_name":"Ada",
                "check_in":"2030-01-01","nights":0,"guests":1}"#,
        ),
    );
    assert_eq!(zero.status, 422, "{}", zero.body);
    assert_eq!(zero.json()["error"], "NoNights");

    for (hold, room, check_in) in [
        (UNPAID, "101", next_week.as_str()),
        (LATE, "102", next_week.as_str()),
        (PAID, "201", today.as_str()),
        (ARRIVED, "301", today.as_str()),
        (DECLINED, "101", today.as_str()),
    ] {
        assert_eq!(place_hold(app, hold, room, check_in, 2), "HoldPlaced");
    }
    let row = hold_status(app, PAID, "Held");
    assert_eq!(
        row["amount"]["amount"], "310.00",
        "2 nights of room 201: {row}"
    );
    let late_payment = requested_payment(app, LATE);
    requested_payment(app, UNPAID);
    for hold in [PAID, ARRIVED] {
        let payment = requested_payment(app, hold);
        settle(app, &payment, Some("AUTH-31337"), None);
        hold_status(app, hold, "Confirmed");
        // On the front desk's list, which the night audit goes through.
        let listed = poll_until(
            app,
            &format!("/booking/confirmed-stays/{hold}"),
            PATIENCE,
            |r| r.status == 200 && r.json()["status"] == "Confirmed",
        );
        assert_eq!(listed.json()["check_in"], today, "{}", listed.body);
    }
    post(
        app,
        "/booking/commands/CheckIn",
        &format!(r#"{{"hold_id":"{ARRIVED}"}}"#),
    );
    hold_status(app, ARRIVED, "CheckedIn");
    // A declined card gives the room up at once (the policy's condition: still held).
    let declined = requested_payment(app, DECLINED);
    settle(app, &declined, None, Some("insufficient_funds"));
    hold_status(app, DECLINED, "Cancelled");
    payment_status(app, DECLINED, "Declined");
    // A settlement is one of captured or declined, once.
    let twice = http(
        app,
        "POST",
        "/payments/commands/SettleCharge",
        Some(&format!(
            r#"{{"payment_id":"{declined}","authorization":"AUTH-1","decline_code":null}}"#
        )),
    );
    assert_eq!(twice.status, 422, "{}", twice.body);
    assert_eq!(twice.json()["error"], "PaymentAlreadySettled");

    // The deadline: not a minute early...
    let health = http(app, "GET", "/booking/health", None).json();
    assert!(
        health["timers_pending"].as_u64().unwrap_or(0) >= 2,
        "no deadline pending: {health}"
    );
    advance_clock(app, 19 * MINUTE);
    std::thread::sleep(Duration::from_secs(1));
    hold_status(app, UNPAID, "Held");
    hold_status(app, LATE, "Held");
    // ...and expired once 20 minutes have passed; the paid holds do not expire.
    advance_clock(app, 2 * MINUTE);
    hold_status(app, UNPAID, "Expired");
    hold_status(app, LATE, "Expired");
    hold_status(app, PAID, "Confirmed");

    // Recovery across contexts: the charge captured after its hold expired is refused by
    // booking, whose recovery sends RefundPayment to payments' inbox: the money goes back.
    settle(app, &late_payment, Some("AUTH-LATE"), None);
    let refunded = payment_status(app, LATE, "Refunded");
    assert!(
        refunded["refund_reason"]
            .as_str()
            .is_some_and(|why| why.contains("expired")),
        "{refunded}"
    );
    assert_eq!(
        rejections_of(app, "ConfirmHold", "HoldExpired", Some(LATE)),
        1,
        "the refusal is listed once"
    );
    hold_status(app, LATE, "Expired");
    assert_hold_list_queries(app);

    // The night audit: at 03:00 UTC the day after check-in, the confirmed stay whose guest
    // never came is a no-show; the guest who checked in is not. (Two steps, so a tick due
    // today at 03:00, when the test starts before it, fires on its own.)
    let tomorrow = start - start % DAY + DAY;
    advance_clock_to(app, tomorrow + 2 * 60 * MINUTE + 59 * MINUTE);
    std::thread::sleep(Duration::from_secs(1));
    hold_status(app, PAID, "Confirmed");
    advance_clock(app, 2 * MINUTE);
    hold_status(app, PAID, "NoShow");
    hold_status(app, ARRIVED, "CheckedIn");
    assert_nothing_fired_twice(app);
}

/// The list query of `Holds` (`filters: [status, room]`): rows by status, by status and
/// room, a page at a time with the cursor, and a client's mistakes answered with a 400
/// that names the filters.
fn assert_hold_list_queries(app: &str) {
    let holds_of = |query: &str| -> Vec<String> {
        let response = http(app, "GET", &format!("/booking/holds?{query}"), None);
        assert_eq!(response.status, 200, "{query}: {}", response.body);
        let page = response.json();
        page["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("no rows: {page}"))
            .iter()
            .map(|row| row["hold_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let mut expired = vec![UNPAID.to_owned(), LATE.to_owned()];
    expired.sort();
    assert_eq!(holds_of("status=Expired"), expired);
    assert_eq!(holds_of("status=Expired&room=102"), [LATE]);
    assert_eq!(holds_of("status=Confirmed&room=999"), Vec::<String>::new());
    // One row a page: the cursor of the first page leads to the second, then no more.
    let first = http(app, "GET", "/booking/holds?status=Expired&limit=1", None).json();
    assert_eq!(first["rows"].as_array().map(Vec::len), Some(1), "{first}");
    let next = first["next"]
        .as_str()
        .unwrap_or_else(|| panic!("no cursor: {first}"));
    let second = http(
        app,
        "GET",
        &format!("/booking/holds?status=Expired&limit=1&after={next}"),
        None,
    )
    .json();
    assert_eq!(second["rows"].as_array().map(Vec::len), Some(1), "{second}");
    assert_eq!(second["next"], serde_json::Value::Null, "{second}");
    let paged = [&first["rows"][0]["hold_id"], &second["rows"][0]["hold_id"]];
    assert_eq!(
        paged.map(|id| id.as_str().unwrap_or_default().to_owned()),
        [expired[0].clone(), expired[1].clone()]
    );
    for query in [
        "guest_name=Ada",
        "limit=5000",
        "limit=0",
        "after=not-a-cursor",
    ] {
        let refused = http(app, "GET", &format!("/booking/holds?{query}"), None);
        assert_eq!(refused.status, 400, "{query}: {}", refused.body);
        assert_eq!(
            refused.json()["filters"],
            serde_json::json!(["status", "room"]),
            "{query}"
        );
    }
}

/// Every deadline and tick that fired did so once, and every command was handled once:
/// a second firing or handling would be refused, and listed.
fn assert_nothing_fired_twice(app: &str) {
    assert_eq!(
        rejections_of(app, "ExpireHold", "HoldNotHeld", None),
        0,
        "a deadline fired for a hold no longer held"
    );
    assert_eq!(
        rejections_of(app, "MarkNoShow", "StayNotConfirmed", None),
        0,
        "a no-show was marked twice"
    );
    assert_eq!(
        rejections_of(app, "RefundPayment", "NothingToRefund", None),
        0,
        "a refund was handled twice"
    );
    assert_eq!(
        rejections_of(app, "ConfirmHold", "HoldExpired", Some(LATE)),
        1
    );
}

/// After a restart or a crash: every flow's outcome is there, once.
fn assert_flows_held(app: &str) {
    hold_status(app, UNPAID, "Expired");
    hold_status(app, LATE, "Expired");
    payment_status(app, LATE, "Refunded");
    hold_status(app, PAID, "NoShow");
    hold_status(app, ARRIVED, "CheckedIn");
    hold_status(app, DECLINED, "Cancelled");
    // Far past every deadline: nothing that fired fires again.
    advance_clock(app, 2 * 60 * MINUTE);
    std::thread::sleep(Duration::from_secs(2));
    assert_nothing_fired_twice(app);
}

#[test]
fn the_app_runs_the_hotel_end_to_end_and_survives_a_restart_and_a_kill() {
    if support::skip_compile_tests() {
        return;
    }
    cargo(
        &service_dir(),
        &["build", "-p", "hotel-app", "--bin", "hotel-app"],
    );
    let data = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", data.path().join("hotel.db").display());
    let args = [
        "--store",
        &store,
        "--listen",
        "127.0.0.1:0",
        "--manual-clock",
    ];
    let app = Service::start(&binary("hotel-app"), &args, &[]);
    run_flows(&app.address, clock(&app.address));
    app.stop();

    // Started again on the same file (its manual clock at the wall clock again).
    let app = Service::start(&binary("hotel-app"), &args, &[]);
    assert_flows_held(&app.address);

    // Killed (SIGKILL) right as a hold's deadline falls due: on restart it fires, once.
    let start = clock(&app.address);
    let unpaid = "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091";
    assert_eq!(
        place_hold(&app.address, unpaid, "102", &date(start + 7 * DAY), 1),
        "HoldPlaced"
    );
    requested_payment(&app.address, unpaid);
    advance_clock(&app.address, 21 * MINUTE);
    app.kill();
    let app = Service::start(&binary("hotel-app"), &args, &[]);
    advance_clock(&app.address, 21 * MINUTE);
    hold_status(&app.address, unpaid, "Expired");
    assert_flows_held(&app.address);
    // The night audit still has its next tick after both restarts: it is the one timer
    // left pending. (That a restart keeps it at its time, even with the clock set back
    // before a tick that fired, is the generated `booking/tests/timers.rs`'s check.)
    let health = http(&app.address, "GET", "/booking/health", None);
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["timers_pending"], 1, "{}", health.body);
    app.stop();
}

#[test]
fn the_committed_hotel_workspace_is_up_to_date() {
    // `generate --check` against the committed output: the model and the generated
    // workspace cannot drift apart, and the user-owned rule files are not touched.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stormcraft"))
        .args([
            "generate",
            "examples/hotel",
            "-o",
            "examples/hotel/service",
            "--check",
        ])
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "examples/hotel/service is stale; run `stormcraft generate examples/hotel -o examples/hotel/service`:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(Path::new(&service_dir().join("booking/src/rules/room_hold.rs")).is_file());
}
