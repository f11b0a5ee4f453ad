//! Floats as Prometheus writes them (Go's `strconv.FormatFloat(v, 'f', -1, 64)`): the shortest
//! exact decimal, and `NaN`, `+Inf`, `-Inf` by name. The sim answers with it; validation
//! evidence shows values with it, so a figure reads the same wherever it appears.

pub fn prometheus(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}
