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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if path != root.join("sim") {
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

/// Directly: a view file imports none of them. Transitively every `src/ui` file still reaches
/// `ops/jobs.rs` through `app/state.rs` (its outboxes name job specs); the layers issue (32)
/// splits state from effects and makes this check transitive.
#[test]
fn views_never_import_the_executor_jobs_or_audit_file_directly() {
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
    let mut reached = Vec::new();
    for (file, targets) in &edges {
        if file.starts_with(&ui) {
            for t in targets.iter().filter(|t| forbidden.contains(t)) {
                reached.push(format!("{} imports {}", file.display(), t.display()));
            }
        }
    }
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
