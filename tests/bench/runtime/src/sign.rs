//! One WPS-2 signature: the client's signer against the hand-written one.
//!
//! Both sign the same `get_download_url` request URI at the current time
//! (reading the clock is part of signing a request, and lets a signer that
//! caches per-second work show what that gains). A third loop reads only the
//! clock, for scale. Loops are interleaved, in alternating order, and each
//! figure is the median over the runs.

use std::hint::black_box;
use std::time::{Instant, SystemTime};

use kdocs_client::runtime::signing::{self, Md5Hex, Wps2};
use kdocs_client::Secret;

use crate::stats::{machine, median, range};

const APP_ID: &str = "SX20240101BENCHMK";
const APP_KEY: &str = "bench-app-key-0123456789";
const URI: &str = "/api/v1/openapi/appspace/files/t2v4Ga8ZUYKc12KGMdEQpBh/download?file_token=t2v4Ga8ZUYKc12KGMdEQpBh";

/// What the client computes to sign one bodyless request: the `Content-Md5`
/// of the request URI and the `Date` and signature ([`Wps2`], on the stack),
/// and the `Authorization` value, the one `String` it makes.
#[inline]
pub fn client_signature(
    app_id: &str,
    key: &Secret<String>,
    uri: &str,
    now: SystemTime,
) -> (Wps2, String) {
    let content_md5 = Md5Hex::of_request(None, uri);
    let signed = Wps2::sign(key, content_md5, signing::CONTENT_TYPE, now);
    let authorization = signed.authorization(app_id);
    (signed, authorization)
}

/// The signed header values the client produces for a bodyless request, as
/// `[Date, Content-Md5, Authorization]` (for comparing, not timing).
pub fn generated(app_id: &str, key: &Secret<String>, uri: &str, now: SystemTime) -> [String; 3] {
    let (signed, authorization) = client_signature(app_id, key, uri, now);
    [
        signed.date.as_str().to_owned(),
        signed.content_md5.as_str().to_owned(),
        authorization,
    ]
}

#[derive(clap::Args, Debug)]
pub struct SignArgs {
    /// Signatures per timed loop.
    #[arg(long, default_value_t = 200_000)]
    iterations: u32,
    /// Timed loops per variant.
    #[arg(long, default_value_t = 15)]
    runs: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Client,
    HandWritten,
    ClockOnly,
}

fn time_loop(variant: Variant, key: &Secret<String>, iterations: u32) -> f64 {
    let started = Instant::now();
    match variant {
        Variant::Client => {
            for _ in 0..iterations {
                black_box(client_signature(
                    black_box(APP_ID),
                    key,
                    black_box(URI),
                    SystemTime::now(),
                ));
            }
        }
        Variant::HandWritten => {
            for _ in 0..iterations {
                black_box(crate::handwritten::sign(
                    black_box(APP_ID),
                    black_box(APP_KEY),
                    black_box(URI),
                    SystemTime::now(),
                ));
            }
        }
        Variant::ClockOnly => {
            for _ in 0..iterations {
                black_box(SystemTime::now());
            }
        }
    }
    started.elapsed().as_nanos() as f64 / f64::from(iterations)
}

pub fn run(args: &SignArgs) {
    let key = Secret::new(APP_KEY.to_owned());
    assert_eq!(
        generated(APP_ID, &key, URI, SystemTime::UNIX_EPOCH),
        crate::handwritten::sign(APP_ID, APP_KEY, URI, SystemTime::UNIX_EPOCH),
        "the two signers disagree"
    );
    println!(
        "signing: {} loops of {} signatures per variant, interleaved; {}",
        args.runs,
        args.iterations,
        machine()
    );
    // Warm-up.
    for variant in [Variant::Client, Variant::HandWritten, Variant::ClockOnly] {
        time_loop(variant, &key, args.iterations / 10 + 1);
    }
    let (mut client, mut hand, mut clock, mut ratios) = (vec![], vec![], vec![], vec![]);
    for run in 0..args.runs {
        let order = if run % 2 == 0 {
            [Variant::Client, Variant::HandWritten, Variant::ClockOnly]
        } else {
            [Variant::ClockOnly, Variant::HandWritten, Variant::Client]
        };
        let mut this = [0.0; 3];
        for variant in order {
            let ns = time_loop(variant, &key, args.iterations);
            this[variant as usize] = ns;
        }
        println!(
            "run {run}: client {:.0} ns, hand-written {:.0} ns, clock only {:.0} ns",
            this[0], this[1], this[2]
        );
        client.push(this[0]);
        hand.push(this[1]);
        clock.push(this[2]);
        ratios.push(this[0] / this[1]);
    }
    println!();
    println!("| one WPS-2 signature (incl. reading the clock) | median | range |");
    println!("|---|---:|---:|");
    println!(
        "| client (`Md5Hex::of_request`, `Wps2::sign`, `authorization`) | {:.0} ns | {} ns |",
        median(&client),
        range(&client, 0)
    );
    println!(
        "| hand-written (md-5, sha1, hex, httpdate, format!) | {:.0} ns | {} ns |",
        median(&hand),
        range(&hand, 0)
    );
    println!(
        "| reading the clock alone | {:.0} ns | {} ns |",
        median(&clock),
        range(&clock, 0)
    );
    println!(
        "| ratio client / hand-written (median of per-run ratios) | {:.2} | {} |",
        median(&ratios),
        range(&ratios, 2)
    );
}
