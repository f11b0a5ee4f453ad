//! Server-side printing: `meta.k8s.io/v1 Table` answers with the columns a real API server gives
//! kubectl (`NAME READY STATUS RESTARTS AGE`...), wide columns at priority 1, and each row's
//! object as PartialObjectMetadata so `-A` and `-L` work.

use chrono::Utc;
use serde_json::{Value, json};

mod cells;
mod columns;

use self::cells::cells;
use self::columns::columns;

/// What each row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

fn row_object(v: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => v.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": v["metadata"],
        }),
    }
}

/// A Table of `objects` of resource `plural`.
pub fn table<'a>(
    plural: &str,
    objects: impl IntoIterator<Item = &'a Value>,
    include: IncludeObject,
    metadata: Value,
    with_columns: bool,
) -> Value {
    let now = Utc::now();
    let rows: Vec<Value> = objects
        .into_iter()
        .map(|o| {
            let mut row = json!({"cells": cells(plural, o, now)});
            if include != IncludeObject::None {
                row["object"] = row_object(o, include);
            }
            row
        })
        .collect();
    let definitions: Vec<Value> = if with_columns {
        columns(plural)
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": c.kind,
                    "format": if c.name == "Name" { "name" } else { "" },
                    "description": "",
                    "priority": c.priority,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::cells::{
        job_completions, job_duration, job_status, service_external_ip, service_ports,
    };
    use super::*;

    #[test]
    fn every_row_has_one_cell_per_column() {
        let object = json!({"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"containers": []}});
        for r in crate::sim::resources::RESOURCES {
            let t = table(
                r.plural,
                [&object],
                IncludeObject::Metadata,
                json!({}),
                true,
            );
            let columns = t["columnDefinitions"].as_array().unwrap().len();
            let cells = t["rows"][0]["cells"].as_array().unwrap().len();
            assert_eq!(columns, cells, "{}", r.plural);
        }
    }

    #[test]
    fn service_and_job_cells() {
        let svc = json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 443, "nodePort": 31000, "protocol": "TCP"}]}, "status": {}});
        assert_eq!(service_external_ip(&svc), "<pending>");
        assert_eq!(service_ports(&svc), "443:31000/TCP");
        let job = json!({"spec": {"completions": 1}, "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}],
            "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:03:05Z"}});
        assert_eq!(
            (job_status(&job), job_completions(&job).as_str()),
            ("Complete", "1/1")
        );
        assert_eq!(job_duration(&job, Utc::now()), "3m5s");
    }
}
