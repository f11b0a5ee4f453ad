//! Resource use from the metrics API against what was asked for: a pod's CPU and memory next to
//! its requests and limits (k9s's `%CPU/R`, `%MEM/L`), a node's against its allocatable.

use std::borrow::Cow;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::PodSpec;

use super::quantity;

/// CPU in cores (a rate over the metrics window) and memory working set in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub cpu: f64,
    pub memory: f64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.cpu += other.cpu;
        self.memory += other.memory;
    }
}

/// A pod's requests or limits, summed over its containers; None for a resource some container
/// leaves unset (the pod as a whole has no such bound).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bounds {
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
}

impl Bounds {
    /// The pod's requests and limits, as the scheduler and the kubelet add them up (init
    /// containers aside: they do not run alongside).
    pub fn of(spec: &PodSpec) -> (Bounds, Bounds) {
        let requests = Bounds {
            cpu: total(spec, Kind::Requests, "cpu"),
            memory: total(spec, Kind::Requests, "memory"),
        };
        let limits = Bounds {
            cpu: total(spec, Kind::Limits, "cpu"),
            memory: total(spec, Kind::Limits, "memory"),
        };
        (requests, limits)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Requests,
    Limits,
}

fn total(spec: &PodSpec, kind: Kind, resource: &str) -> Option<f64> {
    let mut sum = 0.0;
    for c in &spec.containers {
        let resources = c.resources.as_ref()?;
        let bounds = match kind {
            Kind::Requests => resources.requests.as_ref(),
            Kind::Limits => resources.limits.as_ref(),
        };
        sum += quantity::parse(&bounds?.get(resource)?.0)?;
    }
    (!spec.containers.is_empty()).then_some(sum)
}

/// `used` as a share of `of`, in percent; None without a (positive) bound.
pub fn percent(used: f64, of: Option<f64>) -> Option<f64> {
    of.filter(|b| *b > 0.0).map(|b| 100.0 * used / b)
}

/// `42%`, or `-` where there is nothing to compare with. Whole percent points, cut as `kubectl
/// top nodes` cuts them (94.7 % is `94%`), so a column reads the same as the command beside it.
/// Drawn for every visible row on every frame: the usual values are made once and lent, not
/// formatted each time.
pub fn percent_cell(value: Option<f64>) -> Cow<'static, str> {
    static COMMON: OnceLock<Vec<String>> = OnceLock::new();
    let Some(p) = value else {
        return Cow::Borrowed("-");
    };
    let rounded = p.trunc();
    let common = COMMON.get_or_init(|| (0..=COMMON_PERCENTS).map(|p| format!("{p}%")).collect());
    if (0.0..=COMMON_PERCENTS as f64).contains(&rounded) {
        return Cow::Borrowed(common[rounded as usize].as_str());
    }
    Cow::Owned(format!("{rounded:.0}%"))
}

/// Percentages up to this are lent from a table.
const COMMON_PERCENTS: usize = 999;

/// CPU as `kubectl top` prints it, in millicores (`1732m`): a column reads the same as the
/// command an engineer types next to it.
pub fn cpu_cell(cores: f64) -> String {
    format!("{:.0}m", (cores * 1000.0).max(0.0))
}

/// Memory in the largest binary unit (`43.0Gi`, `512Mi`).
pub fn memory_cell(bytes: f64) -> String {
    quantity::bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(containers: serde_json::Value) -> PodSpec {
        serde_json::from_value(json!({ "containers": containers })).unwrap()
    }

    #[test]
    fn bounds_add_up_and_one_unbounded_container_unbounds_the_pod() {
        let (requests, limits) = Bounds::of(&spec(json!([
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}},
            {"name": "b", "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}},
        ])));
        assert_eq!(requests.cpu, Some(0.5));
        assert_eq!(requests.memory, Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(
            limits,
            Bounds::default(),
            "b has no limits, so the pod has none"
        );
    }

    #[test]
    fn percent_against_request_and_limit() {
        let gi = 1024.0 * 1024.0 * 1024.0;
        assert_eq!(percent_cell(percent(1.5 * gi, Some(2.0 * gi))), "75%");
        assert_eq!(percent_cell(percent(0.25, Some(0.1))), "250%");
        assert_eq!(percent_cell(percent(0.25, None)), "-");
        assert_eq!(percent_cell(percent(0.25, Some(0.0))), "-");
        // As kubectl top nodes: cut, not rounded.
        assert_eq!(percent_cell(Some(94.7)), "94%");
        assert_eq!(percent_cell(Some(99.99)), "99%");
        assert_eq!(cpu_cell(1.7321), "1732m");
        assert_eq!(cpu_cell(0.0004), "0m");
        assert_eq!(memory_cell(44006.0 * 1024.0 * 1024.0), "43.0Gi");
    }
}
