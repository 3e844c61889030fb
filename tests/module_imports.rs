//! The web app's imports run one way: the two flows (`finder`, `booking`)
//! use the UI kit (`ui`), which uses only the leaves (`api`, `url`, `i18n`);
//! and no module imports a module that imports it, directly or around a
//! longer loop. Read from the sources: every `crate::a::b` and `super::b`
//! path names the module it reaches into.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`ui::layout`) → the file it is written in.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            // The crate root and the binaries' entry points only mount.
            if parts[0] == "bin" || parts == ["lib"] || parts == ["main"] {
                continue;
            }
            let name = match parts.last().map(String::as_str) {
                Some("mod") => parts[..parts.len() - 1].join("::"),
                _ => parts.join("::"),
            };
            out.insert(name, path);
        }
    }
    out
}

/// The modules `module` (written in `text`) reaches into, other than itself
/// and its own submodules.
fn imports(
    module: &str,
    is_mod_rs: bool,
    text: &str,
    known: &BTreeSet<String>,
) -> BTreeSet<String> {
    let parent = if is_mod_rs {
        module.to_string()
    } else {
        module
            .rsplit_once("::")
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()
    };
    let mut out = BTreeSet::new();
    let code = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut add_path = |segments: Vec<&str>| {
        // The longest known module the path names.
        for n in (1..=segments.len()).rev() {
            let candidate = segments[..n].join("::");
            if known.contains(&candidate) {
                if candidate != module && !candidate.starts_with(&format!("{module}::")) {
                    out.insert(candidate);
                }
                return;
            }
        }
    };
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.clone())] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '{')
                .collect();
            let mut segments: Vec<&str> = base.split("::").filter(|s| !s.is_empty()).collect();
            let head = word.split('{').next().unwrap_or("");
            segments.extend(head.split("::").filter(|s| !s.is_empty()));
            if word.contains('{') {
                // `use super::{a::X, b::Y}`: each item names its own module.
                let inner = rest.split_once('{').map(|(_, g)| g).unwrap_or("");
                let inner = inner.split_once('}').map(|(g, _)| g).unwrap_or("");
                for item in inner.split(',') {
                    let mut s = segments.clone();
                    s.extend(item.trim().split("::").filter(|p| !p.is_empty()));
                    add_path(s);
                }
            } else {
                add_path(segments);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let known: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            let is_mod_rs = path.file_name().is_some_and(|f| f == "mod.rs");
            (module.clone(), imports(module, is_mod_rs, &text, &known))
        })
        .collect()
}

#[test]
fn the_graph_is_read_from_the_sources() {
    let g = graph();
    assert!(
        g["ui::layout"].contains("ui::watch"),
        "{:?}",
        g["ui::layout"]
    );
    assert!(g["booking::app"].contains("booking::birth"));
    assert!(g["booking::birth"].contains("booking::question"));
    assert!(g["finder::home"].contains("finder::results"));
}

#[test]
fn no_module_imports_a_module_that_imports_it() {
    let g = graph();
    // Depth-first search for a back edge; report the loop found.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Some(cycle) = visit(m, &g, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_kit_and_the_leaves_import_no_flow_and_flows_not_each_other() {
    let g = graph();
    for (m, uses) in &g {
        let layer = m.split("::").next().unwrap();
        if let Some(other) = match layer {
            "finder" => Some("booking"),
            "booking" => Some("finder"),
            _ => None,
        } {
            // Each flow is its own app: a link between them is an address.
            let crossing: Vec<_> = uses.iter().filter(|u| u.starts_with(other)).collect();
            assert!(
                crossing.is_empty(),
                "{m} reaches into the other flow: {crossing:?}"
            );
            continue;
        }
        let flows: Vec<_> = uses
            .iter()
            .filter(|u| u.starts_with("finder") || u.starts_with("booking"))
            .collect();
        assert!(
            flows.is_empty(),
            "{m} is below the flows but imports {flows:?}"
        );
    }
}
