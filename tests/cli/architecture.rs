//! The shape of `src/`, checked: no file outside the sim imports another that (directly or
//! around a loop) imports it back; nothing under `src/ui/` reaches the executor, the job
//! runner or the audit log's file I/O (views draw, they never act); the console loop stays a
//! loop. Imports are `crate::`, `super::` and `self::` paths resolved to the file that defines
//! them (comments count, as a reader would follow them); a `mod.rs` declaring or re-exporting
//! its children does not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// Module path (`["app", "state"]`) -> file, for every `.rs` under `src/` but the sim.
fn modules() -> BTreeMap<Vec<String>, PathBuf> {
    modules_under(false)
}

/// Module path -> file, the sim's included when `with_sim`.
fn modules_under(with_sim: bool) -> BTreeMap<Vec<String>, PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if with_sim || path != root.join("sim") {
                    dirs.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).expect("under src");
            let mut module: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                module.clear();
            }
            found.insert(module, path);
        }
    }
    found
}

/// Each file's imports, as files.
fn imports(modules: &BTreeMap<Vec<String>, PathBuf>) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let path = Regex::new(r"\b(crate|super|self)::((?:[a-z_][a-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)")
        .expect("regex");
    let group =
        Regex::new(r"\b(crate|super|self)::((?:[a-z_][a-z0-9_]*::)*)\{([^}]*)\}").expect("regex");
    let resolve = |target: &[String]| {
        (1..=target.len())
            .rev()
            .find_map(|n| modules.get(&target[..n]).cloned())
    };
    let mut edges = BTreeMap::new();
    for (module, file) in modules {
        let text = std::fs::read_to_string(file).expect("readable");
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let base = |kind: &str| -> Vec<String> {
            match kind {
                "crate" => Vec::new(),
                "super" => module[..module.len().saturating_sub(1)].to_vec(),
                _ => module.clone(),
            }
        };
        let mut targets: Vec<Vec<String>> = Vec::new();
        for c in path.captures_iter(text) {
            let mut t = base(&c[1]);
            t.extend(c[2].split("::").map(String::from));
            targets.push(t);
        }
        for c in group.captures_iter(text) {
            let mut prefix = base(&c[1]);
            prefix.extend(c[2].split("::").filter(|s| !s.is_empty()).map(String::from));
            for item in c[3].split(',') {
                let item = item.trim().split("::").next().unwrap_or_default();
                let item = item.split(' ').next().unwrap_or_default();
                if !item.is_empty() {
                    let mut t = prefix.clone();
                    t.push(item.to_string());
                    targets.push(t);
                }
            }
        }
        let is_mod_rs = file.ends_with("mod.rs");
        let mut out = BTreeSet::new();
        for t in targets {
            let Some(q) = resolve(&t) else { continue };
            if &q == file || module.is_empty() {
                continue;
            }
            // A parent mod.rs naming its own children is not an import of them.
            if is_mod_rs && t.starts_with(module) {
                continue;
            }
            out.insert(q);
        }
        edges.insert(file.clone(), out);
    }
    edges
}

/// Strongly connected groups of more than one file (Tarjan).
fn circles(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a PathBuf) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        for next in w.edges.get(v).into_iter().flatten() {
            if !w.index.contains_key(next) {
                visit(w, next);
                let low = w.low[v].min(w.low[next]);
                w.low.insert(v, low);
            } else if w.stack.contains(&next) {
                let low = w.low[v].min(w.index[next]);
                w.low.insert(v, low);
            }
        }
        if w.low[v] == w.index[v] {
            let mut group = Vec::new();
            while let Some(top) = w.stack.pop() {
                group.push(top.clone());
                if top == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                w.found.push(group);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

#[test]
fn no_file_outside_the_sim_imports_around_a_circle() {
    let modules = modules();
    assert!(modules.len() > 50, "found the sources: {}", modules.len());
    let edges = imports(&modules);
    let found = circles(&edges);
    assert!(found.is_empty(), "import circles: {found:#?}");

    // The check can fail: two files that import each other are a circle.
    let a = PathBuf::from("a.rs");
    let b = PathBuf::from("b.rs");
    let test_edges = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert_eq!(circles(&test_edges), vec![vec![a, b]]);
}

/// The layers written at the top of `src/lib.rs`: top-level module -> its layer, bottom first.
fn layers() -> BTreeMap<String, usize> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let text = std::fs::read_to_string(lib).expect("src/lib.rs");
    let item = Regex::new(r"^//! (\d+)\. (.*)$").expect("regex");
    let name = Regex::new(r"`([a-z_]+)`").expect("regex");
    let mut layer = BTreeMap::new();
    for line in text.lines() {
        if let Some(c) = item.captures(line) {
            let n: usize = c[1].parse().expect("a layer number");
            for m in name.captures_iter(&c[2]) {
                layer.insert(m[1].to_string(), n);
            }
        }
    }
    layer
}

/// The top-level module a file belongs to (`app` for `src/app/state.rs`).
fn top(file: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let first = file
        .strip_prefix(&root)
        .unwrap_or(file)
        .iter()
        .next()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// Every way a file reaches a module it may not: `from -> ... -> to` chains, the first found
/// from each file to each forbidden file. `allowed(from_top, to_top)` says which arrows may be.
fn violations(
    edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    top_of: &dyn Fn(&Path) -> String,
    allowed: &dyn Fn(&str, &str) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    for start in edges.keys() {
        let from = top_of(start);
        // Breadth first, keeping how each file was reached, so the chain names each `use`.
        let mut came_from: BTreeMap<&PathBuf, &PathBuf> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(file) = queue.pop_front() {
            for next in edges.get(file).into_iter().flatten() {
                if next == start || came_from.contains_key(next) {
                    continue;
                }
                came_from.insert(next, file);
                if !allowed(&from, &top_of(next)) {
                    let mut chain = vec![next];
                    let mut at = next;
                    while let Some(prev) = came_from.get(at) {
                        chain.push(prev);
                        at = prev;
                        if at == start {
                            break;
                        }
                    }
                    let names: Vec<String> = chain
                        .iter()
                        .rev()
                        .map(|p| {
                            p.to_string_lossy()
                                .rsplit("src/")
                                .next()
                                .unwrap_or_default()
                                .to_string()
                        })
                        .collect();
                    found.push(names.join(" uses "));
                    continue;
                }
                queue.push_back(next);
            }
        }
    }
    found
}

#[test]
fn every_module_imports_only_from_its_layer_or_below_transitively() {
    let layer = layers();
    assert!(layer.len() >= 18, "src/lib.rs names the layers: {layer:?}");
    let modules = modules_under(true);
    let edges = imports(&modules);
    // Every top-level module has its layer (the sim stands apart).
    for file in edges.keys() {
        let t = top(file);
        assert!(
            t == "sim" || t.is_empty() || layer.contains_key(&t),
            "{t} has no layer in src/lib.rs"
        );
    }
    let domain = layer.get("model").copied().unwrap_or_default();
    let wiring = layer.get("main").copied().unwrap_or_default();
    let allowed = |from: &str, to: &str| -> bool {
        match (from, to) {
            _ if from == to => true,
            // The sim reaches only the domain; only the wiring (the `sim` command) starts it.
            ("sim", _) => layer.get(to) == Some(&domain),
            (_, "sim") => layer.get(from) == Some(&wiring),
            _ => match (layer.get(from), layer.get(to)) {
                (Some(a), Some(b)) => b <= a,
                _ => true,
            },
        }
    };
    let found = violations(&edges, &top, &allowed);
    assert!(
        found.is_empty(),
        "imports that run back up a layer:\n{}",
        found.join("\n")
    );

    // The check can fail, and names the chain: a domain file that reaches the app through a
    // service is caught, though it imports no app file itself.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (model, ops, app) = (
        src.join("model/x.rs"),
        src.join("ops/y.rs"),
        src.join("app/z.rs"),
    );
    let test_edges = BTreeMap::from([
        (model.clone(), BTreeSet::from([ops.clone()])),
        (ops.clone(), BTreeSet::from([app.clone()])),
        (app.clone(), BTreeSet::new()),
    ]);
    let found = violations(&test_edges, &top, &allowed);
    assert!(
        found.contains(&"model/x.rs uses ops/y.rs".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"ops/y.rs uses app/z.rs".to_string()),
        "{found:?}"
    );
}

/// Views draw; they never act. No file under `src/ui` reaches the executor, the job runner,
/// the checks, the audit log's file I/O or the effect runner, directly or through another
/// module.
#[test]
fn views_never_reach_the_executor_jobs_or_audit_file() {
    let modules = modules();
    let edges = imports(&modules);
    let forbidden: Vec<&PathBuf> = [
        vec!["ops", "execute"],
        vec!["ops", "jobs"],
        vec!["ops", "check"],
        vec!["ops", "audit", "file"],
        vec!["effects"],
    ]
    .iter()
    .filter_map(|m| modules.get(&m.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
    .collect();
    assert_eq!(
        forbidden.len(),
        5,
        "the executor, jobs, checks, audit file and effect runner exist"
    );
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let top_of = |file: &Path| -> String {
        if forbidden.iter().any(|f| f.as_path() == file) {
            "forbidden".into()
        } else if file.starts_with(&ui) {
            "ui".into()
        } else {
            "other".into()
        }
    };
    let reached = violations(&edges, &top_of, &|from, to| {
        !(from == "ui" && to == "forbidden")
    });
    assert!(reached.is_empty(), "{reached:#?}");
}

#[test]
fn the_console_loop_stays_a_loop() {
    let console = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console.rs");
    let lines = std::fs::read_to_string(console)
        .expect("console.rs")
        .lines()
        .count();
    assert!(
        lines < 250,
        "src/console.rs has {lines} lines: effects belong in effects.rs"
    );
}

/// A file a reader can hold in their head: none over 600 lines outside the sim.
#[test]
fn no_file_outside_the_sim_is_over_600_lines() {
    let long: Vec<String> = modules()
        .values()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).ok()?.lines().count();
            (lines > 600).then(|| format!("{} has {lines} lines", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by job: {long:#?}");
}
