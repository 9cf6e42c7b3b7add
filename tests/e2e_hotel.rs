//! End to end: the committed, generated hotel workspace (`examples/hotel/service`, with
//! the hotel's business rules in its user-owned files) is built and driven over HTTP on
//! manual clocks (`--manual-clock`). Booking's `StayPayment` process runs the payment
//! saga across the two contexts: a hold still held at 19 minutes and expired at 21, a
//! paid one that does not expire, a charge captured after its hold expired (or after
//! the guest gave it up) refunded through payments' inbox, and a charge payments refuses
//! (over its online limit) reaching the process's recovery, which releases the hold —
//! each refusal listed once at booking's rejections.
//!
//! - On the embedded store: the app binary (both contexts in one process on one SQLite
//!   file) runs those flows and the nightly no-show job, then is stopped and started
//!   again, then killed (SIGKILL) in the middle of each flow, and every outcome is there
//!   once: nothing lost, no timer fired twice, no command handled twice.
//! - Scale-out: each context's own binary (`hotel-booking`, `hotel-payments`) runs as a
//!   separate process on one throwaway PostgreSQL server, and runs the same
//!   cross-context and deadline flows.
//!
//! Both compile the workspace in the shared `target/generated` folder (the shop's e2e
//! compiles the same dependencies there); `STORMCRAFT_SKIP_COMPILE_TESTS=1` skips them.

mod support;

#[allow(unused_imports)]
#[path = "../templates/runtime/tests/common/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{cargo, generated_target_dir, http, poll_until, repo_root, Response, Service};

const PATIENCE: Duration = Duration::from_secs(60);
const MINUTE: u64 = 60;
const DAY: u64 = 24 * 60 * 60;

fn service_dir() -> PathBuf {
    repo_root().join("examples/hotel/service")
}

fn binary(name: &str) -> PathBuf {
    generated_target_dir().join("debug").join(name)
}

/// Where each context of the hotel answers: the app serves both under `/booking` and
/// `/payments`; each context's own binary serves its context at the root. Booking's
/// clock is the one that runs the deadlines and the night audit.
struct Hotel {
    booking: String,
    booking_prefix: &'static str,
    payments: String,
    payments_prefix: &'static str,
}

impl Hotel {
    /// Both contexts in the app at `address`.
    fn app(address: &str) -> Hotel {
        Hotel {
            booking: address.to_owned(),
            booking_prefix: "/booking",
            payments: address.to_owned(),
            payments_prefix: "/payments",
        }
    }

    /// Each context in a process of its own.
    fn apart(booking: &str, payments: &str) -> Hotel {
        Hotel {
            booking: booking.to_owned(),
            booking_prefix: "",
            payments: payments.to_owned(),
            payments_prefix: "",
        }
    }

    /// `GET` or `POST` to booking.
    fn booking(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        http(
            &self.booking,
            method,
            &format!("{}{path}", self.booking_prefix),
            body,
        )
    }

    /// `GET` or `POST` to payments.
    fn payments(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        http(
            &self.payments,
            method,
            &format!("{}{path}", self.payments_prefix),
            body,
        )
    }

    /// Polls booking's `path` until `done`.
    fn poll_booking(&self, path: &str, done: impl Fn(&Response) -> bool) -> Response {
        poll_until(
            &self.booking,
            &format!("{}{path}", self.booking_prefix),
            PATIENCE,
            done,
        )
    }

    /// Polls payments' `path` until `done`.
    fn poll_payments(&self, path: &str, done: impl Fn(&Response) -> bool) -> Response {
        poll_until(
            &self.payments,
            &format!("{}{path}", self.payments_prefix),
            PATIENCE,
            done,
        )
    }
}

/// Expects a command accepted (200); returns the recorded events.
fn accepted(path: &str, response: Response) -> serde_json::Value {
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    response.json()
}

/// Booking's manual clock, in seconds since the Unix epoch.
fn clock(hotel: &Hotel) -> u64 {
    let read = http(&hotel.booking, "GET", "/clock", None);
    assert_eq!(read.status, 200, "{}", read.body);
    read.json()["now_unix_ms"]
        .as_u64()
        .unwrap_or_else(|| panic!("no clock reading: {}", read.body))
        / 1000
}

/// Moves booking's manual clock forward (the app's one clock is booking's too).
fn advance_clock(hotel: &Hotel, seconds: u64) {
    let moved = http(
        &hotel.booking,
        "POST",
        "/clock/advance",
        Some(&format!(r#"{{"seconds":{seconds}}}"#)),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
}

/// Moves booking's manual clock forward to `at` (seconds since the Unix epoch).
fn advance_clock_to(hotel: &Hotel, at: u64) {
    let now = clock(hotel);
    assert!(at > now, "the clock is at {now}, past {at}");
    advance_clock(hotel, at - now);
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

/// Places a hold for `nights` nights; returns the type of the event it recorded
/// (`HoldPlaced` or `HoldUnavailable`).
fn place_hold(
    hotel: &Hotel,
    hold: &str,
    room: &str,
    check_in: &str,
    nights: u32,
    guests: u32,
) -> String {
    let path = "/commands/PlaceHold";
    let events = accepted(
        path,
        hotel.booking(
            "POST",
            path,
            Some(&format!(
                r#"{{"hold_id":"{hold}","room":"{room}","guest_name":"Ada Lovelace",
                    "check_in":"{check_in}","nights":{nights},"guests":{guests}}}"#
            )),
        ),
    );
    events["events"][0]["type"]
        .as_str()
        .unwrap_or_else(|| panic!("no event recorded: {events}"))
        .to_owned()
}

/// The guest gives a hold up.
fn cancel_hold(hotel: &Hotel, hold: &str) {
    let path = "/commands/CancelHold";
    accepted(
        path,
        hotel.booking("POST", path, Some(&format!(r#"{{"hold_id":"{hold}"}}"#))),
    );
}

/// Waits until payments has requested the hold's charge (sent by booking's process to
/// payments' inbox); returns the payment id.
fn requested_payment(hotel: &Hotel, hold: &str) -> String {
    let row = payment_status(hotel, hold, "Requested");
    // The price is booking's: room 101-102 cost 120.00 a night, 201 155.00, 301 210.00.
    assert_eq!(row["amount"]["currency"], "EUR", "{row}");
    row["payment_id"].as_str().expect("a payment id").to_owned()
}

/// The card processor's webhook settles a charge: captured with an authorization code,
/// or declined with a decline code.
fn settle(hotel: &Hotel, payment: &str, authorization: Option<&str>, decline_code: Option<&str>) {
    let text = |value: Option<&str>| value.map_or("null".to_owned(), |v| format!(r#""{v}""#));
    let path = "/commands/SettleCharge";
    accepted(
        path,
        hotel.payments(
            "POST",
            path,
            Some(&format!(
                r#"{{"payment_id":"{payment}","authorization":{},"decline_code":{}}}"#,
                text(authorization),
                text(decline_code)
            )),
        ),
    );
}

/// Waits until the guest's page of `hold` shows `wanted`; returns the row.
fn hold_status(hotel: &Hotel, hold: &str, wanted: &str) -> serde_json::Value {
    let row = hotel.poll_booking(&format!("/holds/{hold}"), |r| {
        r.status == 200 && r.json()["status"] == wanted
    });
    assert_eq!(row.status, 200, "{}", row.body);
    let row = row.json();
    assert_eq!(row["status"], wanted, "hold {hold}: {row}");
    row
}

/// Waits until payments shows the hold's charge as `wanted`; returns the row.
fn payment_status(hotel: &Hotel, hold: &str, wanted: &str) -> serde_json::Value {
    let row = hotel.poll_payments(&format!("/hold-payments/{hold}"), |r| {
        r.status == 200 && r.json()["status"] == wanted
    });
    assert_eq!(row.status, 200, "{}", row.body);
    let row = row.json();
    assert_eq!(row["status"], wanted, "the charge of hold {hold}: {row}");
    row
}

/// The rejections booking lists (`GET /rejections`) of `command` refused with `error`,
/// about `hold` (its body's `hold_id`), or about any hold when `hold` is `None`.
fn rejections_of(hotel: &Hotel, command: &str, error: &str, hold: Option<&str>) -> usize {
    rejections(hotel)
        .iter()
        .filter(|r| {
            r["command"] == command
                && r["error"] == error
                && hold.is_none_or(|hold| r["body"]["hold_id"] == hold)
        })
        .count()
}

/// Every rejection booking lists.
fn rejections(hotel: &Hotel) -> Vec<serde_json::Value> {
    let listed = hotel.booking("GET", "/rejections?limit=1000", None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", listed.body))
        .clone()
}

/// Waits until booking lists exactly `count` rejections of `command` with `error` for
/// `hold`.
fn await_rejections(hotel: &Hotel, command: &str, error: &str, hold: &str, count: usize) {
    let listed = hotel.poll_booking("/rejections?limit=1000", |r| {
        r.status == 200
            && r.json().as_array().is_some_and(|all| {
                all.iter()
                    .filter(|r| {
                        r["command"] == command
                            && r["error"] == error
                            && r["body"]["hold_id"] == hold
                    })
                    .count()
                    == count
            })
    });
    assert_eq!(
        rejections_of(hotel, command, error, Some(hold)),
        count,
        "{command} refused with {error} for {hold}: {}",
        listed.body
    );
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
/// Five nights in room 301 (1050.00): over payments' online limit, so the charge is
/// refused and the process's recovery releases the hold.
const OVER_LIMIT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// A hold the guest gives up before its charge is captured: the capture is refunded.
const WITHDRAWN: &str = "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b";

/// The payment saga on a freshly started hotel, whose booking clock reads `start`:
/// outcomes, the capture, the decline, the refusal across contexts and its recovery,
/// the deadline at 19 and 21 minutes, and the refunds of captures that came too late.
fn run_payment_flows(hotel: &Hotel, start: u64) {
    let today = date(start);
    let next_week = date(start + 7 * DAY);

    // Outcomes: a room the hotel does not let, or too small for the party, is unavailable.
    let unknown_room = "7e57e57e-0000-4000-8000-000000000001";
    assert_eq!(
        place_hold(hotel, unknown_room, "999", &next_week, 2, 2),
        "HoldUnavailable"
    );
    let row = hold_status(hotel, unknown_room, "Unavailable");
    assert!(
        row["unavailable_because"]
            .as_str()
            .is_some_and(|why| why.contains("999")),
        "{row}"
    );
    let crowded = "7e57e57e-0000-4000-8000-000000000002";
    assert_eq!(
        place_hold(hotel, crowded, "101", &next_week, 2, 5),
        "HoldUnavailable"
    );
    let zero = hotel.booking(
        "POST",
        "/commands/PlaceHold",
        Some(
            r#"{"hold_id":"7e57e57e-0000-4000-8000-000000000003","room":"101","guest_name":"Ada",
                "check_in":"2030-01-01","nights":0,"guests":1}"#,
        ),
    );
    assert_eq!(zero.status, 422, "{}", zero.body);
    assert_eq!(zero.json()["error"], "NoNights");

    for (hold, room, check_in, nights) in [
        (UNPAID, "101", next_week.as_str(), 2),
        (LATE, "102", next_week.as_str(), 2),
        (PAID, "201", today.as_str(), 2),
        (ARRIVED, "301", today.as_str(), 2),
        (DECLINED, "101", today.as_str(), 2),
        (OVER_LIMIT, "301", next_week.as_str(), 5),
        (WITHDRAWN, "102", next_week.as_str(), 1),
    ] {
        assert_eq!(
            place_hold(hotel, hold, room, check_in, nights, 2),
            "HoldPlaced"
        );
    }
    let row = hold_status(hotel, PAID, "Held");
    assert_eq!(
        row["amount"]["amount"], "310.00",
        "2 nights of room 201: {row}"
    );
    let late_payment = requested_payment(hotel, LATE);
    requested_payment(hotel, UNPAID);
    for hold in [PAID, ARRIVED] {
        let payment = requested_payment(hotel, hold);
        settle(hotel, &payment, Some("AUTH-31337"), None);
        hold_status(hotel, hold, "Confirmed");
        // On the front desk's list, which the night audit goes through.
        let listed = hotel.poll_booking(&format!("/confirmed-stays/{hold}"), |r| {
            r.status == 200 && r.json()["status"] == "Confirmed"
        });
        assert_eq!(listed.json()["check_in"], today, "{}", listed.body);
    }
    let path = "/commands/CheckIn";
    accepted(
        path,
        hotel.booking("POST", path, Some(&format!(r#"{{"hold_id":"{ARRIVED}"}}"#))),
    );
    hold_status(hotel, ARRIVED, "CheckedIn");
    // A declined card gives the room up at once.
    let declined = requested_payment(hotel, DECLINED);
    settle(hotel, &declined, None, Some("insufficient_funds"));
    hold_status(hotel, DECLINED, "Cancelled");
    payment_status(hotel, DECLINED, "Declined");
    // A settlement is one of captured or declined, once.
    let twice = hotel.payments(
        "POST",
        "/commands/SettleCharge",
        Some(&format!(
            r#"{{"payment_id":"{declined}","authorization":"AUTH-1","decline_code":null}}"#
        )),
    );
    assert_eq!(twice.status, 422, "{}", twice.body);
    assert_eq!(twice.json()["error"], "PaymentAlreadySettled");

    // The refusal across contexts: payments refuses the 1050.00 charge, the refusal comes
    // back to booking's rejections under the process's reaction, and its recovery
    // releases the hold at once.
    hold_status(hotel, OVER_LIMIT, "Cancelled");
    await_rejections(hotel, "RequestPayment", "ChargeOverLimit", OVER_LIMIT, 1);
    let refusal = rejections(hotel)
        .into_iter()
        .find(|r| r["error"] == "ChargeOverLimit")
        .expect("the refusal is listed");
    assert_eq!(refusal["policy"], "StayPaymentOnHoldPlaced", "{refusal}");
    assert_eq!(refusal["context"], "payments", "{refusal}");
    assert_eq!(refusal["body"]["amount"]["amount"], "1050.00", "{refusal}");
    let no_charge = hotel.payments("GET", &format!("/hold-payments/{OVER_LIMIT}"), None);
    assert_eq!(
        no_charge.status, 404,
        "nothing was charged: {}",
        no_charge.body
    );

    // The guest gives a hold up while its charge is pending.
    let withdrawn_payment = requested_payment(hotel, WITHDRAWN);
    cancel_hold(hotel, WITHDRAWN);
    hold_status(hotel, WITHDRAWN, "Cancelled");

    // The deadline: not a minute early...
    let health = hotel.booking("GET", "/health", None).json();
    assert!(
        health["timers_pending"].as_u64().unwrap_or(0) >= 2,
        "no deadline pending: {health}"
    );
    advance_clock(hotel, 19 * MINUTE);
    std::thread::sleep(Duration::from_secs(1));
    hold_status(hotel, UNPAID, "Held");
    hold_status(hotel, LATE, "Held");
    // ...and expired once 20 minutes have passed; the paid holds do not expire, nor
    // does one that was released or given up.
    advance_clock(hotel, 2 * MINUTE);
    hold_status(hotel, UNPAID, "Expired");
    hold_status(hotel, LATE, "Expired");
    hold_status(hotel, PAID, "Confirmed");
    hold_status(hotel, OVER_LIMIT, "Cancelled");
    hold_status(hotel, WITHDRAWN, "Cancelled");

    // Recovery across contexts: the charge captured after its hold expired is refused by
    // booking, whose process's recovery sends RefundPayment to payments' inbox: the money
    // goes back. The same for the charge of the hold the guest gave up.
    settle(hotel, &late_payment, Some("AUTH-LATE"), None);
    let refunded = payment_status(hotel, LATE, "Refunded");
    assert!(
        refunded["refund_reason"]
            .as_str()
            .is_some_and(|why| why.contains("expired")),
        "{refunded}"
    );
    await_rejections(hotel, "ConfirmHold", "HoldExpired", LATE, 1);
    hold_status(hotel, LATE, "Expired");
    settle(hotel, &withdrawn_payment, Some("AUTH-GONE"), None);
    let refunded = payment_status(hotel, WITHDRAWN, "Refunded");
    assert!(
        refunded["refund_reason"]
            .as_str()
            .is_some_and(|why| why.contains("cancelled")),
        "{refunded}"
    );
    await_rejections(hotel, "ConfirmHold", "HoldWithdrawn", WITHDRAWN, 1);
    assert_nothing_done_twice(hotel);
}

/// The night audit: at 03:00 UTC the day after check-in, the confirmed stay whose guest
/// never came is a no-show; the guest who checked in is not. (Two steps, so a tick due
/// today at 03:00, when the test starts before it, fires on its own.)
fn run_night_audit(hotel: &Hotel, start: u64) {
    let tomorrow = start - start % DAY + DAY;
    advance_clock_to(hotel, tomorrow + 2 * 60 * MINUTE + 59 * MINUTE);
    std::thread::sleep(Duration::from_secs(1));
    hold_status(hotel, PAID, "Confirmed");
    advance_clock(hotel, 2 * MINUTE);
    hold_status(hotel, PAID, "NoShow");
    hold_status(hotel, ARRIVED, "CheckedIn");
    assert_nothing_done_twice(hotel);
}

/// The list query of `Holds` (`filters: [status, room]`): rows by status, by status and
/// room, a page at a time with the cursor, and a client's mistakes answered with a 400
/// that names the filters.
fn assert_hold_list_queries(hotel: &Hotel) {
    let holds_of = |query: &str| -> Vec<String> {
        let response = hotel.booking("GET", &format!("/holds?{query}"), None);
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
    let first = hotel
        .booking("GET", "/holds?status=Expired&limit=1", None)
        .json();
    assert_eq!(first["rows"].as_array().map(Vec::len), Some(1), "{first}");
    let next = first["next"]
        .as_str()
        .unwrap_or_else(|| panic!("no cursor: {first}"));
    let second = hotel
        .booking(
            "GET",
            &format!("/holds?status=Expired&limit=1&after={next}"),
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
        let refused = hotel.booking("GET", &format!("/holds?{query}"), None);
        assert_eq!(refused.status, 400, "{query}: {}", refused.body);
        assert_eq!(
            refused.json()["filters"],
            serde_json::json!(["status", "room"]),
            "{query}"
        );
    }
}

/// Every deadline and tick that fired did so once, and every command was handled once:
/// a second firing or handling would be refused, and listed; each refusal of the flows
/// is listed once.
fn assert_nothing_done_twice(hotel: &Hotel) {
    for (command, error, what) in [
        (
            "ExpireHold",
            "HoldNotHeld",
            "a deadline fired for a hold no longer held",
        ),
        (
            "MarkNoShow",
            "StayNotConfirmed",
            "a no-show was marked twice",
        ),
        (
            "RefundPayment",
            "NothingToRefund",
            "a refund was handled twice",
        ),
        (
            "RequestPayment",
            "PaymentAlreadyRequested",
            "a charge was requested twice",
        ),
        (
            "CancelHold",
            "HoldNotCancellable",
            "a hold was cancelled twice",
        ),
        (
            "ConfirmHold",
            "HoldAlreadyConfirmed",
            "a capture was confirmed twice",
        ),
        ("ConfirmHold", "HoldNotFound", "a capture met no hold"),
    ] {
        assert_eq!(rejections_of(hotel, command, error, None), 0, "{what}");
    }
    assert_eq!(
        rejections_of(hotel, "RequestPayment", "ChargeOverLimit", None),
        1
    );
    assert_eq!(rejections_of(hotel, "ConfirmHold", "HoldExpired", None), 1);
    assert_eq!(
        rejections_of(hotel, "ConfirmHold", "HoldWithdrawn", None),
        1
    );
    // No rule of the saga is pending: nothing was left undone as not implemented.
    assert!(
        rejections(hotel)
            .iter()
            .all(|r| r["error"] != "NotImplemented"),
        "{:?}",
        rejections(hotel)
    );
}

/// After a restart or a crash: every flow's outcome is there, once.
fn assert_flows_held(hotel: &Hotel) {
    hold_status(hotel, UNPAID, "Expired");
    hold_status(hotel, LATE, "Expired");
    payment_status(hotel, LATE, "Refunded");
    hold_status(hotel, PAID, "NoShow");
    hold_status(hotel, ARRIVED, "CheckedIn");
    hold_status(hotel, DECLINED, "Cancelled");
    hold_status(hotel, OVER_LIMIT, "Cancelled");
    hold_status(hotel, WITHDRAWN, "Cancelled");
    payment_status(hotel, WITHDRAWN, "Refunded");
    // Far past every deadline: nothing that fired fires again.
    advance_clock(hotel, 2 * 60 * MINUTE);
    std::thread::sleep(Duration::from_secs(2));
    assert_nothing_done_twice(hotel);
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
    let hotel = Hotel::app(&app.address);
    let start = clock(&hotel);
    run_payment_flows(&hotel, start);
    assert_hold_list_queries(&hotel);
    run_night_audit(&hotel, start);
    app.stop();

    // Started again on the same file (its manual clock at the wall clock again).
    let app = Service::start(&binary("hotel-app"), &args, &[]);
    let hotel = Hotel::app(&app.address);
    assert_flows_held(&hotel);

    // Killed (SIGKILL) right as a hold's deadline falls due: on restart it fires, once.
    let start = clock(&hotel);
    let next_week = date(start + 7 * DAY);
    let unpaid = "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091";
    assert_eq!(
        place_hold(&hotel, unpaid, "102", &next_week, 1, 1),
        "HoldPlaced"
    );
    requested_payment(&hotel, unpaid);
    advance_clock(&hotel, 21 * MINUTE);
    app.kill();
    let app = Service::start(&binary("hotel-app"), &args, &[]);
    let hotel = Hotel::app(&app.address);
    advance_clock(&hotel, 21 * MINUTE);
    hold_status(&hotel, unpaid, "Expired");
    assert_flows_held(&hotel);

    // Killed in the middle of the cross-context flows: right after a hold over the limit
    // is placed (its request, payments' refusal and the recovery still to come), and
    // right after a capture that comes too late (booking's refusal and the refund still
    // to come). On restart each finishes, once.
    let over_limit = "3c4d5e6f-7081-4923-8b4c-5d6e7f8091a2";
    let late = "4d5e6f70-8192-4a34-9c5d-6e7f8091a2b3";
    assert_eq!(
        place_hold(&hotel, late, "201", &next_week, 1, 1),
        "HoldPlaced"
    );
    let late_payment = requested_payment(&hotel, late);
    advance_clock(&hotel, 21 * MINUTE);
    hold_status(&hotel, late, "Expired");
    assert_eq!(
        place_hold(&hotel, over_limit, "301", &next_week, 6, 2),
        "HoldPlaced"
    );
    settle(&hotel, &late_payment, Some("AUTH-CRASH"), None);
    app.kill();
    let app = Service::start(&binary("hotel-app"), &args, &[]);
    let hotel = Hotel::app(&app.address);
    hold_status(&hotel, over_limit, "Cancelled");
    await_rejections(&hotel, "RequestPayment", "ChargeOverLimit", over_limit, 1);
    payment_status(&hotel, late, "Refunded");
    await_rejections(&hotel, "ConfirmHold", "HoldExpired", late, 1);
    // Counted over every hold: each refusal once, nothing handled twice.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        rejections_of(&hotel, "RequestPayment", "ChargeOverLimit", None),
        2
    );
    assert_eq!(rejections_of(&hotel, "ConfirmHold", "HoldExpired", None), 2);
    for (command, error) in [
        ("ExpireHold", "HoldNotHeld"),
        ("RefundPayment", "NothingToRefund"),
        ("RequestPayment", "PaymentAlreadyRequested"),
        ("CancelHold", "HoldNotCancellable"),
    ] {
        assert_eq!(
            rejections_of(&hotel, command, error, None),
            0,
            "{command} refused with {error}"
        );
    }
    // The night audit still has its next tick after the restarts: it is the one timer
    // left pending (every hold's deadline fired or was stopped). (That a restart keeps
    // the tick at its time, even with the clock set back before a tick that fired, is the
    // generated `booking/tests/timers.rs`'s check.)
    let health = hotel.booking("GET", "/health", None);
    assert_eq!(health.status, 200, "{}", health.body);
    assert_eq!(health.json()["timers_pending"], 1, "{}", health.body);
    app.stop();
}

#[test]
fn each_context_runs_alone_on_a_shared_postgresql() {
    if support::skip_compile_tests() {
        return;
    }
    let Some(server) = pg::PgServer::start(false) else {
        return; // pg::PgServer printed why (and failed under CI)
    };
    // Each context's own binary lives in the app package.
    cargo(
        &service_dir(),
        &[
            "build",
            "-p",
            "hotel-app",
            "--bins",
            "--features",
            "postgres",
        ],
    );
    let url = server.url("postgres");
    let args = ["--store", &url, "--listen", "127.0.0.1:0", "--manual-clock"];
    let booking = Service::start(&binary("hotel-booking"), &args, &[]);
    let payments = Service::start(&binary("hotel-payments"), &args, &[]);
    let hotel = Hotel::apart(&booking.address, &payments.address);
    // The saga's requests and refunds go to payments' inbox in the shared store, and
    // payments' refusals come back to booking's rejections; booking's clock runs the
    // deadlines (payments' clock is never moved).
    run_payment_flows(&hotel, clock(&hotel));
    booking.stop();
    payments.stop();
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
