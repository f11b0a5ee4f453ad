//! The sim's Prometheus API answers every built-in SLO query as a real Prometheus does over the
//! same data: the real one is backfilled with the sim's recent history and scrapes its
//! `/metrics`; both are asked the same queries, at the same pinned times, through the same client
//! the console uses.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ms5_console::model::business;
use ms5_console::sim::prometheus::exposition;
use ms5_console::sim::{self, SimOptions};
use ms5_console::slo::{self, maths::BurnWindow, queries};
use prometheus_http_query::Client;
use prometheus_http_query::response::Data;

use super::real::{RealPrometheus, scrape_config};
use crate::common;

/// Backfilled history: nine hours every 30 s, ending on a 30 s boundary before now, for every
/// burn window up to 6h at every pinned time; before that, 31 days every hour, for the 1d and 3d
/// windows and the 30d SLI (ratios of counters sampled at the same instants: the coarse samples
/// extrapolate identically in the numerator and the denominator).
const STEP: f64 = 30.0;
const HOURS: f64 = 9.0;
const COARSE_STEP: f64 = 3600.0;
const DAYS: f64 = 31.0;

/// How close the two answers must be. Ratios of two counters sampled at the same instants are
/// extrapolated identically by Prometheus, so they agree to rounding; increases agree to within
/// Prometheus' extrapolation at the window edges (the pinned times and windows are multiples of
/// the sample step, so there is almost none).
fn agree(query: &str, at: f64, sim: f64, real: f64) {
    let close = if sim.is_nan() || real.is_nan() {
        sim.is_nan() && real.is_nan()
    } else {
        (sim - real).abs() <= 1e-6 + 1e-4 * real.abs()
    };
    assert!(close, "{query} at {at}: sim {sim} vs real {real}");
}

/// One instant query's answer, or the test fails naming the query and time.
async fn instant_data(client: &Client, query: &str, at: f64) -> Data {
    client
        .query(query)
        .at(at as i64)
        .get()
        .await
        .unwrap_or_else(|e| panic!("{query} at {at}: {e}"))
        .into_inner()
        .0
}

async fn instant(client: &Client, query: &str, at: f64) -> Vec<f64> {
    let data = instant_data(client, query, at).await;
    match data {
        Data::Vector(v) => v.iter().map(|s| s.sample().value()).collect(),
        Data::Scalar(s) => vec![s.value()],
        Data::Matrix(_) => panic!("{query}: instant query gave a matrix"),
    }
}

/// An instant vector as labels -> value, for answers with several series.
async fn labelled(client: &Client, query: &str, at: f64) -> BTreeMap<String, f64> {
    let data = instant_data(client, query, at).await;
    let Data::Vector(v) = data else {
        panic!("{query}: not a vector");
    };
    v.iter()
        .map(|s| {
            let labels: BTreeMap<&String, &String> = s.metric().iter().collect();
            (format!("{labels:?}"), s.sample().value())
        })
        .collect()
}

async fn range(client: &Client, query: &str, start: f64, end: f64, step: f64) -> Vec<f64> {
    let data = client
        .query_range(query, start as i64, end as i64, step)
        .get()
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .into_inner()
        .0;
    let Data::Matrix(m) = data else {
        panic!("{query}: range query gave no matrix");
    };
    assert_eq!(m.len(), 1, "{query}: one series");
    m[0].samples().iter().map(|s| s.value()).collect()
}

/// The last `step` boundary a whole step before now: every sample up to it is history.
fn last_sample(step: f64) -> f64 {
    (sim::prometheus::unix_now() / step).floor() * step - step
}

/// A sim playing `scenario`, and a real Prometheus backfilled with its last hours, scraping it
/// and evaluating the generated rules (every `for` shortened to 1 s).
struct Pair {
    sim: sim::Sim,
    real: RealPrometheus,
    /// The last backfilled sample's time.
    end: f64,
    _dir: tempfile::TempDir,
}

/// A sim playing `scenario` (seed 7) at `speed`, its kubeconfig in the directory returned.
async fn sim_playing(scenario: &str, speed: f64) -> (sim::Sim, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        scenario: scenario.into(),
        seed: 7,
        speed,
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    (sim, dir)
}

impl Pair {
    async fn start(scenario: &str) -> Pair {
        let (sim, dir) = sim_playing(scenario, 1.0).await;
        let end = last_sample(STEP);
        let fine_start = end - HOURS * 3600.0;
        Pair::backfilled(
            sim,
            dir,
            end,
            &[
                (
                    fine_start - DAYS * 86_400.0,
                    fine_start - COARSE_STEP,
                    COARSE_STEP,
                ),
                (fine_start, end, STEP),
            ],
        )
        .await
    }

    /// A real Prometheus backfilled with the sim's history in `segments` (start, end, step),
    /// ending at `end`.
    async fn backfilled(
        sim: sim::Sim,
        dir: tempfile::TempDir,
        end: f64,
        segments: &[(f64, f64, f64)],
    ) -> Pair {
        let history = exposition::history_segments(&sim.prometheus.catalog, |_| true, segments);
        let rules = slo::rules::render(&slo::rules::rule_file(
            &slo::definition::builtin(),
            Some(Duration::from_secs(1)),
        ))
        .expect("rules");
        let target = sim.prometheus_url.trim_start_matches("http://");
        let real = RealPrometheus::start(&scrape_config(target), &rules, Some(&history)).await;
        Pair {
            sim,
            real,
            end,
            _dir: dir,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_and_real_prometheus_agree_and_the_fast_burn_alert_fires() {
    if !common::require("prometheus") || !common::require("promtool") {
        return;
    }
    let Pair { sim, real, end, .. } = Pair::start("slo-burn").await;
    let sim_client = Client::try_from(sim.prometheus_url.as_str()).expect("sim client");
    let real_client = Client::try_from(real.url.as_str()).expect("real client");

    // Pinned times: before the burn, as it starts, mid-ramp, and the end of the history.
    let pinned = [
        end - 2.0 * 3600.0,
        end - 30.0 * 60.0,
        end - 10.0 * 60.0,
        end,
    ];
    let windows = [
        BurnWindow::M5,
        BurnWindow::M30,
        BurnWindow::H1,
        BurnWindow::H2,
        BurnWindow::H6,
    ];
    // The long windows reach into the hourly samples: compared where both window edges fall on
    // samples (whole hours before the end), so neither side extrapolates a daily curve.
    let long_pinned = [end - 2.0 * 3600.0, end];
    let mut compared = 0;
    for def in slo::definition::builtin() {
        let mut queries: Vec<(String, &[f64])> = windows
            .iter()
            .map(|w| (queries::error_ratio(&def, w.text()), &pinned[..]))
            .collect();
        for w in [BurnWindow::D1, BurnWindow::D3] {
            queries.push((queries::error_ratio(&def, w.text()), &long_pinned[..]));
        }
        queries.push((queries::window_sli(&def), &long_pinned[..]));
        queries.push((queries::hourly_good(&def), &pinned[..]));
        queries.push((queries::hourly_total(&def), &pinned[..]));
        for (query, times) in &queries {
            for at in times.iter().copied() {
                let s = instant(&sim_client, query, at).await;
                let r = instant(&real_client, query, at).await;
                assert_eq!(s.len(), r.len(), "{query} at {at}: series count");
                for (s, r) in s.iter().zip(&r) {
                    agree(query, at, *s, *r);
                    compared += 1;
                }
            }
        }
        // The burn-rate sparkline: the 5m error ratio every 5 minutes over the last hour.
        let query = queries::error_ratio(&def, "5m");
        let s = range(&sim_client, &query, end - 3600.0, end, 300.0).await;
        let r = range(&real_client, &query, end - 3600.0, end, 300.0).await;
        assert_eq!(s.len(), 13, "{query}: one point per step");
        assert_eq!(s.len(), r.len(), "{query}: same steps");
        for (s, r) in s.iter().zip(&r) {
            agree(&query, end, *s, *r);
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * (7 * 4 + 3 * 2 + 13));

    // The production floor's queries (all but the 24h downtime, longer than the history): the
    // same series with the same values, matched by their labels.
    for query in business::QUERIES.iter().filter(|q| !q.contains("[24h]")) {
        for at in pinned {
            let s = labelled(&sim_client, query, at).await;
            let r = labelled(&real_client, query, at).await;
            assert_eq!(
                s.keys().collect::<Vec<_>>(),
                r.keys().collect::<Vec<_>>(),
                "{query} at {at}: series"
            );
            assert!(!s.is_empty(), "{query}: no series");
            for (labels, value) in &s {
                agree(query, at, *value, r[labels]);
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 4 * (7 * 4 + 3 * 2 + 13) + 4 * (4 * 4 + 1 + 1));

    // The backups' combined query (label_replace ... or ...): the same marked series, the same
    // times, from the sim and from the real Prometheus.
    for def in ms5_console::backup::definition::builtin() {
        let query = def
            .queries
            .combined()
            .expect("the built-in row has queries");
        for at in [end - 2.0 * 3600.0, end] {
            let s = labelled(&sim_client, &query, at).await;
            let r = labelled(&real_client, &query, at).await;
            assert_eq!(
                s.keys().collect::<Vec<_>>(),
                r.keys().collect::<Vec<_>>(),
                "{query} at {at}: series"
            );
            assert_eq!(s.len(), 9, "7 figures, retention by 2 locations: {s:?}");
            assert!(
                s.keys().all(|k| k.contains("ms5_console_figure")),
                "every series marked: {s:?}"
            );
            for (labels, value) in &s {
                assert_eq!(*value, r[labels], "{labels} at {at}");
            }
        }
    }

    // The burn is visible where it should be: mid-ramp the 5m error ratio is far above budget.
    let backend = &slo::definition::builtin()[0];
    let mid = instant(&real_client, &queries::error_ratio(backend, "5m"), end).await;
    assert!(mid[0] > 14.4 * 0.001, "backend 5m error ratio {mid:?}");

    // The real Prometheus scraped /metrics: a scraped sample equals the sim's value at its time.
    let deadline = Instant::now() + Duration::from_secs(30);
    let series = "http_requests_total{route=\"/api/v1/oee\",code=\"200\"}";
    loop {
        let now = sim::prometheus::unix_now();
        let at = instant(&real_client, &format!("timestamp({series})"), now).await;
        if let Some(ts) = at.first().copied().filter(|ts| *ts > end + 1.0) {
            let value = instant(&real_client, series, now).await[0];
            let expected = sim
                .prometheus
                .catalog
                .series
                .iter()
                .find(|s| {
                    s.name() == "http_requests_total"
                        && s.labels["route"] == "/api/v1/oee"
                        && s.labels["code"] == "200"
                })
                .map(|s| s.signal.value(ts))
                .expect("series in the catalog");
            assert!(
                (value - expected).abs() < 1e-6 * expected,
                "scraped {value} vs sim {expected} at {ts}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no scrape within 30 s:\n{}",
            real.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The generated rules loaded, and the fast-burn page fires for slo-burn.
    wait_for_alert(&real, "MS5SLOFastBurn", "backend-availability", true).await;

    // /api/v1/rules: the same groups and rules, with the same queries, on both.
    let http = reqwest::Client::new();
    let rules = |body: serde_json::Value| -> Vec<(String, String, String, String)> {
        let mut out: Vec<_> = body["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| {
                let group = g["name"].as_str().unwrap_or_default().to_string();
                g["rules"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |r| {
                        (
                            group.clone(),
                            r["type"].as_str().unwrap_or_default().to_string(),
                            r["name"].as_str().unwrap_or_default().to_string(),
                            r["query"].as_str().unwrap_or_default().to_string(),
                        )
                    })
            })
            .collect();
        out.sort();
        out
    };
    // (The sim also evaluates the platform's own alerts, which this real Prometheus has not
    // been given.)
    let sim_rules: Vec<_> =
        rules(get_json(&http, &format!("{}/api/v1/rules", sim.prometheus_url)).await)
            .into_iter()
            .filter(|r| r.0.starts_with("ms5-slo-"))
            .collect();
    let real_rules = rules(get_json(&http, &format!("{}/api/v1/rules", real.url)).await);
    assert_eq!(sim_rules.len(), 4 * 9, "7 recordings and 2 alerts per SLO");
    assert_eq!(sim_rules, real_rules);

    // /api/v1/alerts: the sim's page is firing and became active when the real Prometheus,
    // evaluating the same expression over the same history, first finds it true (within one
    // evaluation step and one sample step).
    let alerts = get_json(&http, &format!("{}/api/v1/alerts", sim.prometheus_url)).await;
    let page = alerts["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| {
            a["labels"]["alertname"] == "MS5SLOFastBurn"
                && a["labels"]["slo"] == "backend-availability"
        })
        .cloned()
        .unwrap_or_else(|| panic!("no page in the sim's alerts: {alerts}"));
    assert_eq!(page["state"], "firing", "{page}");
    let active_at: chrono::DateTime<chrono::Utc> = page["activeAt"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("activeAt: {page}"));
    let rule = &real_rules
        .iter()
        .find(|r| r.0 == "ms5-slo-backend-availability" && r.2 == "MS5SLOFastBurn")
        .expect("the page rule")
        .3;
    // The recordings exist only from when the real Prometheus started; over the backfilled
    // history the same condition is evaluated on the raw ratios they record.
    let backend = &slo::definition::builtin()[0];
    let mut expr = rule.clone();
    for w in slo::maths::BURN_WINDOWS {
        expr = expr.replace(
            &format!(
                "{}{{slo=\"backend-availability\"}}",
                queries::recorded_error_ratio(w)
            ),
            &format!("({})", queries::error_ratio(backend, w.text())),
        );
    }
    assert!(!expr.contains("slo:"), "{expr}");
    let data = real_client
        .query_range(
            expr.as_str(),
            (end - HOURS * 3600.0) as i64,
            end as i64,
            15.0,
        )
        .get()
        .await
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .into_inner()
        .0;
    let Data::Matrix(m) = data else {
        panic!("{expr}: no matrix");
    };
    let first_true = m
        .iter()
        .filter_map(|s| s.samples().first().map(|p| p.timestamp()))
        .fold(f64::INFINITY, f64::min);
    let sim_active = active_at.timestamp_millis() as f64 / 1000.0;
    assert!(
        (sim_active - first_true).abs() <= 15.0 + STEP,
        "sim activeAt {sim_active} vs real first true {first_true}"
    );

    // The timeline's burn history, as a console started now rebuilds it: the page conditions'
    // crossings over the last six hours from the raw counters (no recording rules for the
    // past), read from each Prometheus through the console's own source at the backfill's
    // step. The same crossings, at the same step.
    use ms5_console::source::prometheus::{Endpoint, burn_crossings};
    let options = ms5_console::config::endpoint::HttpOptions::default();
    let at = |t: f64| chrono::DateTime::from_timestamp(t as i64, 0).expect("a time");
    let slos = slo::definition::builtin();
    let mut read = Vec::new();
    for url in [&sim.prometheus_url, &real.url] {
        let endpoint = Endpoint::new(url, &options, None).expect("endpoint");
        let crossings = burn_crossings(
            &endpoint,
            &slos,
            at(end - 6.0 * 3600.0),
            at(end),
            Duration::from_secs(STEP as u64),
        )
        .await
        .expect("burn history");
        let pages: Vec<_> = crossings
            .into_iter()
            .filter(|c| slo::maths::CONDITIONS[c.condition].urgency == slo::maths::Urgency::Page)
            .collect();
        read.push(pages);
    }
    let (from_sim, from_real) = (&read[0], &read[1]);
    assert!(
        from_sim
            .iter()
            .any(|c| c.slo == "backend-availability" && c.began && !c.at_start),
        "slo-burn's page begins inside the history: {from_sim:?}"
    );
    assert_eq!(
        from_sim.len(),
        from_real.len(),
        "{from_sim:?}\n{from_real:?}"
    );
    for (s, r) in from_sim.iter().zip(from_real) {
        assert_eq!(
            (&s.slo, s.condition, s.began),
            (&r.slo, r.condition, r.began)
        );
        assert!(
            (s.at - r.at).abs() <= STEP,
            "{} condition {} crossed at {} in the sim, {} in the real Prometheus",
            s.slo,
            s.condition,
            s.at,
            r.at
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fast_burn_alert_stays_quiet_when_healthy() {
    if !common::require("prometheus") || !common::require("promtool") {
        return;
    }
    let Pair { real, end, .. } = Pair::start("healthy").await;
    wait_for_alert(&real, "MS5SLOFastBurn", "backend-availability", false).await;
    // Quiet because the burn is low, not because the recordings are missing: the 1h and 5m
    // recordings exist on the real Prometheus and are below the page threshold.
    let client = Client::try_from(real.url.as_str()).expect("real client");
    let page = 14.4 * 0.001;
    for window in ["5m", "1h"] {
        let query = format!("slo:sli_error:ratio_rate{window}{{slo=\"backend-availability\"}}");
        let values = instant(&client, &query, sim::prometheus::unix_now().max(end)).await;
        assert_eq!(values.len(), 1, "{query}: the recording exists");
        assert!(values[0] < page, "{query} = {} over {page}", values[0]);
    }
}

async fn get_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Waits for the rules to be evaluated; then the alert must be firing (or absent).
async fn wait_for_alert(real: &RealPrometheus, alert: &str, slo: &str, firing: bool) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut evaluations = 0;
    loop {
        let rules = get_json(&http, &format!("{}/api/v1/rules", real.url)).await;
        let groups = rules["data"]["groups"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(groups.len(), 4, "four SLO rule groups loaded: {rules}");
        for group in &groups {
            for rule in group["rules"].as_array().into_iter().flatten() {
                // "unknown" until the first evaluation; never "err".
                assert_ne!(rule["health"], "err", "{rule}");
            }
        }
        let evaluated = groups.iter().all(|g| {
            !g["lastEvaluation"]
                .as_str()
                .unwrap_or("0001")
                .starts_with("0001")
        });
        let alerts = get_json(&http, &format!("{}/api/v1/alerts", real.url)).await;
        let found = alerts["data"]["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["labels"]["alertname"] == alert && a["labels"]["slo"] == slo)
            .cloned();
        if firing {
            if let Some(a) = &found
                && a["state"] == "firing"
            {
                assert_eq!(a["labels"]["severity"], "critical");
                return;
            }
        } else if evaluated {
            assert!(
                found.is_none(),
                "{alert} for {slo} should not fire: {found:?}"
            );
            evaluations += 1;
            // Several evaluations with the 1h and 5m recordings present and the alert quiet.
            if evaluations >= 5 {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{alert} for {slo} did not reach the expected state within 60 s: {alerts}\n{}",
            real.log()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Sample step of the bad-release history: fine enough that some samples fall while the
/// rollout is under way.
const FINE: f64 = 10.0;

/// `kubectl` against the sim's kubeconfig, or the test fails saying what kubectl said.
fn kubectl(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(dir.join("kubeconfig"))
        .args(args)
        .env("HOME", dir)
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits (bounded) until the release share is `value` now.
async fn share_reaches(release: &sim::prometheus::signal::Timeline, value: f64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(150);
    while release.at(sim::prometheus::unix_now()) != value {
        assert!(Instant::now() < deadline, "{what}: not within 150 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The cluster-aware series (the backend's requests by code, scaled by the share of ready
/// pods running 1.9.2 as the cluster records it) answer as a real Prometheus does over the
/// same samples: before 1.9.2, while it rolls out, once it serves all traffic, while the undo
/// rolls back and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_aware_metrics_agree_before_during_and_after_a_bad_release() {
    if !common::require("prometheus") || !common::require("promtool") || !common::require("kubectl")
    {
        return;
    }
    // Rollouts at twice the speed: still several samples while pods come and go.
    let (sim, dir) = sim_playing("bad-release", 2.0).await;
    let release = sim.prometheus.release.clone();
    share_reaches(&release, 1.0, "1.9.2 serves every request").await;
    // Some samples with 1.9.2 answering everything.
    tokio::time::sleep(Duration::from_secs(3 * FINE as u64)).await;
    kubectl(
        dir.path(),
        &["-n", "ms5-production", "rollout", "undo", "deploy/backend"],
    );
    share_reaches(&release, 0.0, "the undo takes 1.9.2 out").await;
    let points = release.points();
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    // Half a minute of history after the undo, then the real Prometheus gets every sample.
    while sim::prometheus::unix_now() < last + 30.0 + 2.0 * FINE {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let end = last_sample(FINE);
    let Pair { sim, real, .. } =
        Pair::backfilled(sim, dir, end, &[(end - 2.0 * 3600.0, end, FINE)]).await;
    let sim_client = Client::try_from(sim.prometheus_url.as_str()).expect("sim client");
    let real_client = Client::try_from(real.url.as_str()).expect("real client");

    let backend = &slo::definition::builtin()[0];
    let by_code = "sum by (code) (rate(http_requests_total{namespace=\"ms5-production\",service=\"backend\"}[1m]))";
    let mut phases = BTreeMap::new();
    let mut at = (first / FINE).floor() * FINE - FINE;
    while at <= end {
        let share = release.at(at);
        let phase = if share == 0.0 && at < first {
            "before"
        } else if share == 0.0 {
            "after the undo"
        } else if share == 1.0 {
            "all 1.9.2"
        } else {
            "rolling"
        };
        *phases.entry(phase).or_insert(0) += 1;
        for window in ["5m", "30m", "1h"] {
            let query = queries::error_ratio(backend, window);
            let s = instant(&sim_client, &query, at).await;
            let r = instant(&real_client, &query, at).await;
            assert_eq!(s.len(), 1, "{query} at {at}");
            assert_eq!(r.len(), 1, "{query} at {at}");
            agree(&query, at, s[0], r[0]);
        }
        let s = labelled(&sim_client, by_code, at).await;
        let r = labelled(&real_client, by_code, at).await;
        assert_eq!(
            s.keys().collect::<Vec<_>>(),
            r.keys().collect::<Vec<_>>(),
            "{by_code} at {at}"
        );
        for (labels, value) in &s {
            agree(by_code, at, *value, r[labels]);
        }
        at += FINE;
    }
    for phase in ["before", "rolling", "all 1.9.2", "after the undo"] {
        assert!(phases.contains_key(phase), "no sample {phase}: {phases:?}");
    }
    // And it burns where it should: just after the undo the 5m window still holds
    // 1.9.2's failures, far over 14.4x the 99.9 % objective's budget.
    let burn = instant(&real_client, &queries::error_ratio(backend, "5m"), end).await[0];
    assert!(burn > 14.4 * 0.001, "5m error ratio {burn}");
}
