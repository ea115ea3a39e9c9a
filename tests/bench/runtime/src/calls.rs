//! Per-call overhead: signed `get_download_url` calls per second through the
//! generated client against the hand-written reqwest call, in the same run,
//! against the same server (a child process on 127.0.0.1), at each
//! concurrency; then allocations per call of each.
//!
//! Every phase is bounded in calls and in time. Phases are short (1,000
//! calls, tens of milliseconds) and the two variants alternate (generated
//! first in even runs, hand-written first in odd ones), so that both phases
//! of a run see the same load from whatever else the machine is doing; each
//! run gives one ratio, and the figures are medians over many runs (101 by
//! default).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kdocs_client::{Client, Config, Credentials, GetDownloadUrlRequest, GetDownloadUrlResponse};

use crate::alloc;
use crate::handwritten::HandWritten;
use crate::server::{ChildServer, ServerKind, Target};
use crate::stats::{machine, median, process_cpu_ns, range};

#[derive(clap::Args, Debug, Clone)]
pub struct CallsArgs {
    /// Calls per timed phase (at most).
    #[arg(long, default_value_t = 1_000)]
    pub calls: u64,
    /// Seconds per timed phase (at most).
    #[arg(long, default_value_t = 2.0)]
    pub max_secs: f64,
    /// Runs (each: one phase per variant and concurrency).
    #[arg(long, default_value_t = 101)]
    pub runs: usize,
    /// Concurrency levels (callers sharing one client).
    #[arg(long, value_delimiter = ',', default_value = "1,64")]
    pub concurrency: Vec<usize>,
    /// Untimed calls per variant and concurrency before the runs.
    #[arg(long, default_value_t = 2_000)]
    pub warmup: u64,
    /// Calls per variant and concurrency in the allocation pass.
    #[arg(long, default_value_t = 2_000)]
    pub alloc_calls: u64,
    /// The server called.
    #[arg(long, value_enum, default_value_t = ServerKind::Minimal)]
    pub server: ServerKind,
    /// Worker threads of the client's tokio runtime.
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
    /// A check of the method: both sides are hand-written calls (two
    /// instances, two pools), so the ratio shows the method's own bias and
    /// spread for identical code.
    #[arg(long)]
    pub same_both_sides: bool,
    /// What the time limits cost: the baseline side is the generated client
    /// configured without timeouts (`Config::with_timeout(Duration::MAX)`,
    /// no operation timeout) instead of the hand-written call.
    #[arg(long)]
    pub against_no_timeouts: bool,
    /// Print every run's figures.
    #[arg(long)]
    pub verbose: bool,
    /// Run only this variant (no ratios; for profiling one side).
    #[arg(long, value_enum)]
    pub only: Option<Variant>,
    /// Configure the generated client without time limits (no per-attempt or
    /// operation timeout), to see what the timers cost.
    #[arg(long)]
    pub no_timeouts: bool,
    /// Give the hand-written call a time limit as a careful hand-written
    /// call has one: reqwest's own per-request timeout (30 s, the generated
    /// client's default per attempt), set on its client builder.
    #[arg(long)]
    pub hand_written_timeout: bool,
    /// Worker threads of the server's tokio runtime.
    #[arg(long, default_value_t = 2)]
    pub server_threads: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Variant {
    Generated,
    HandWritten,
}

/// The two callers, on separate connection pools.
pub struct Callers {
    client: Client,
    hand: HandWritten,
    /// Takes the generated client's place in a check of the method.
    second_hand: Option<HandWritten>,
    /// Takes the hand-written call's place in the timeout comparison.
    untimed: Option<Client>,
    file_token: String,
}

impl Callers {
    pub fn new(target: &Target, no_timeouts: bool) -> Self {
        let mut config = Config::new().with_base_url(&target.base_url);
        if no_timeouts {
            config = config
                .with_timeout(Duration::MAX)
                .with_operation_timeout(None);
        }
        let client = Client::new(Credentials::new(&target.app_id, &target.app_key), config)
            .expect("a client");
        Self {
            client,
            hand: HandWritten::new(&target.base_url, &target.app_id, &target.app_key),
            second_hand: None,
            untimed: None,
            file_token: target.file_token.clone(),
        }
    }

    pub async fn call(&self, variant: Variant) -> Result<GetDownloadUrlResponse, String> {
        match variant {
            Variant::Generated if self.second_hand.is_some() => {
                let second = self.second_hand.as_ref().expect("checked");
                second.get_download_url(&self.file_token).await
            }
            Variant::Generated => self
                .client
                .get_download_url(GetDownloadUrlRequest::new(self.file_token.as_str()))
                .await
                .map_err(|e| e.to_string()),
            Variant::HandWritten => self.hand.get_download_url(&self.file_token).await,
        }
    }
}

/// Whether two answers are the same but for the download id (the fake gives
/// a new download URL to each call).
pub fn same_answer(a: &GetDownloadUrlResponse, b: &GetDownloadUrlResponse) -> bool {
    let stem = |r: &GetDownloadUrlResponse| {
        let url = r.download_url.expose_str();
        url[..url.rfind('/').unwrap_or(0)].to_owned()
    };
    a.checksums == b.checksums && a.sys_metadata == b.sys_metadata && stem(a) == stem(b)
}

/// What one phase measured.
#[derive(Clone, Copy, Debug)]
pub struct Phase {
    pub calls: u64,
    pub wall: Duration,
    /// CPU time of the client process (all its threads) during the phase.
    pub cpu_ns: u64,
}

impl Phase {
    pub fn calls_per_sec(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }

    pub fn cpu_us_per_call(&self) -> f64 {
        self.cpu_ns as f64 / 1000.0 / self.calls.max(1) as f64
    }
}

/// `calls` calls (or fewer when `max` runs out) by `concurrency` tasks.
pub async fn phase(
    callers: &Arc<Callers>,
    variant: Variant,
    concurrency: usize,
    calls: u64,
    max: Duration,
) -> Phase {
    let cpu_before = process_cpu_ns();
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + max;
    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (callers, issued) = (callers.clone(), issued.clone());
            // Each loop awaits its variant's own future directly, as a
            // caller's code would (no wrapper that moves either future).
            tokio::spawn(async move {
                let mut done = 0u64;
                let more =
                    || issued.fetch_add(1, Ordering::Relaxed) < calls && Instant::now() < deadline;
                let token = callers.file_token.as_str();
                match (variant, &callers.second_hand) {
                    (Variant::Generated, None) => {
                        while more() {
                            let request = GetDownloadUrlRequest::new(token);
                            if let Err(e) = callers.client.get_download_url(request).await {
                                panic!("generated call failed: {e}");
                            }
                            done += 1;
                        }
                    }
                    (Variant::Generated, Some(second)) => {
                        while more() {
                            if let Err(e) = second.get_download_url(token).await {
                                panic!("hand-written call failed: {e}");
                            }
                            done += 1;
                        }
                    }
                    (Variant::HandWritten, _) if callers.untimed.is_some() => {
                        let untimed = callers.untimed.as_ref().expect("checked");
                        while more() {
                            let request = GetDownloadUrlRequest::new(token);
                            if let Err(e) = untimed.get_download_url(request).await {
                                panic!("generated call failed: {e}");
                            }
                            done += 1;
                        }
                    }
                    (Variant::HandWritten, _) => {
                        while more() {
                            if let Err(e) = callers.hand.get_download_url(token).await {
                                panic!("hand-written call failed: {e}");
                            }
                            done += 1;
                        }
                    }
                }
                done
            })
        })
        .collect();
    let mut done = 0;
    for task in tasks {
        done += task.await.expect("a calling task");
    }
    let wall = started.elapsed();
    Phase {
        calls: done,
        wall,
        cpu_ns: process_cpu_ns().saturating_sub(cpu_before),
    }
}

pub fn run(args: &CallsArgs) {
    let server = ChildServer::start(args.server, args.server_threads, None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!(
        "per-call overhead: get_download_url against the {:?} server (pid {}, {} threads) at {}, \
         client runtime {} threads; {} runs of at most {} calls / {} s per phase; {}",
        args.server,
        server.pid(),
        args.server_threads,
        server.target.base_url,
        args.client_threads,
        args.runs,
        args.calls,
        args.max_secs,
        machine()
    );
    runtime.block_on(measure(args, &server.target));
}

async fn measure(args: &CallsArgs, target: &Target) {
    let mut callers = Callers::new(target, args.no_timeouts);
    if args.same_both_sides {
        println!("(check of the method: both sides are hand-written calls)");
        let second = HandWritten::new(&target.base_url, &target.app_id, &target.app_key);
        callers.second_hand = Some(second);
    }
    if args.hand_written_timeout {
        println!("(the hand-written call has reqwest's 30 s per-request timeout)");
        callers.hand = HandWritten::with_timeout(
            &target.base_url,
            &target.app_id,
            &target.app_key,
            Some(Duration::from_secs(30)),
        );
    }
    if args.against_no_timeouts {
        println!("(the baseline side is the generated client without timeouts)");
        callers.untimed = Some(Callers::new(target, true).client);
    }
    let callers = Arc::new(callers);
    let generated = callers
        .call(Variant::Generated)
        .await
        .expect("generated call");
    let hand = callers
        .call(Variant::HandWritten)
        .await
        .expect("hand-written call");
    assert!(
        same_answer(&generated, &hand),
        "the two calls decode different results: {generated:?} and {hand:?}"
    );
    let max = Duration::from_secs_f64(args.max_secs);
    if args.verbose {
        println!(
            "future sizes: generated {} bytes, hand-written {} bytes",
            std::mem::size_of_val(
                &callers
                    .client
                    .get_download_url(GetDownloadUrlRequest::new("x"))
            ),
            std::mem::size_of_val(&callers.hand.get_download_url("x"))
        );
    }
    if let Some(variant) = args.only {
        for run in 0..args.runs {
            for &c in &args.concurrency {
                let measured = phase(&callers, variant, c, args.calls, max).await;
                println!(
                    "run {run:>2} concurrency {c:>3}: {variant:?} {:>7.0} calls/s {:>5.1} µs CPU/call",
                    measured.calls_per_sec(),
                    measured.cpu_us_per_call()
                );
            }
        }
        return;
    }
    for &c in &args.concurrency {
        for variant in [Variant::Generated, Variant::HandWritten] {
            phase(&callers, variant, c, args.warmup, max).await;
        }
    }
    // rates[c][variant][run], cpu[c][variant][run], ratios[c][run]
    let n = args.concurrency.len();
    let mut rates = vec![[Vec::new(), Vec::new()]; n];
    let mut cpu = vec![[Vec::new(), Vec::new()]; n];
    let mut ratios = vec![Vec::new(); n];
    let mut cpu_ratios = vec![Vec::new(); n];
    for run in 0..args.runs {
        for (i, &c) in args.concurrency.iter().enumerate() {
            let order = if run % 2 == 0 {
                [Variant::Generated, Variant::HandWritten]
            } else {
                [Variant::HandWritten, Variant::Generated]
            };
            let mut this = [None; 2];
            for variant in order {
                this[variant as usize] = Some(phase(&callers, variant, c, args.calls, max).await);
            }
            let [Some(generated), Some(hand)] = this else {
                unreachable!("both variants ran")
            };
            let ratio = generated.calls_per_sec() / hand.calls_per_sec();
            let cpu_ratio = generated.cpu_us_per_call() / hand.cpu_us_per_call();
            if args.verbose {
                println!(
                    "run {run:>2} concurrency {c:>3}: generated {:>7.0} calls/s {:>5.1} µs CPU/call, \
                     hand-written {:>7.0} calls/s {:>5.1} µs CPU/call; ratio {ratio:.3}, CPU ratio {cpu_ratio:.3}",
                    generated.calls_per_sec(),
                    generated.cpu_us_per_call(),
                    hand.calls_per_sec(),
                    hand.cpu_us_per_call(),
                );
            }
            rates[i][0].push(generated.calls_per_sec());
            rates[i][1].push(hand.calls_per_sec());
            cpu[i][0].push(generated.cpu_us_per_call());
            cpu[i][1].push(hand.cpu_us_per_call());
            ratios[i].push(ratio);
            cpu_ratios[i].push(cpu_ratio);
        }
    }
    let mut allocations = Vec::new();
    for &c in &args.concurrency {
        for variant in [Variant::Generated, Variant::HandWritten] {
            alloc::start();
            let measured = phase(&callers, variant, c, args.alloc_calls, max).await;
            let counts = alloc::stop();
            allocations.push((c, variant, counts, measured.calls));
        }
    }
    println!();
    println!(
        "| concurrency | generated client, calls/s | hand-written reqwest, calls/s | ratio (median of {} runs) | ratio range | client CPU per call, generated / hand-written | CPU ratio (median) |",
        args.runs
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (i, &c) in args.concurrency.iter().enumerate() {
        println!(
            "| {c} | {:.0} | {:.0} | **{:.3}** | {} | {:.1} µs / {:.1} µs | {:.3} |",
            median(&rates[i][0]),
            median(&rates[i][1]),
            median(&ratios[i]),
            range(&ratios[i], 3),
            median(&cpu[i][0]),
            median(&cpu[i][1]),
            median(&cpu_ratios[i]),
        );
    }
    println!();
    println!("| concurrency | variant | allocations per call | bytes allocated per call |");
    println!("|---:|---|---:|---:|");
    for (c, variant, counts, done) in allocations {
        let done = done.max(1) as f64;
        println!(
            "| {c} | {} | {:.1} | {:.0} |",
            match variant {
                Variant::Generated => "generated client",
                Variant::HandWritten => "hand-written reqwest",
            },
            counts.allocations as f64 / done,
            counts.bytes as f64 / done
        );
    }
}
