//! Every C entry point is driven by at least one fuzz target (`fuzz/fuzz_targets/`) and called
//! with bad input by the C tests (`tests/c/`), as the robustness matrix requires: a new entry
//! point without both fails here.
#![allow(clippy::expect_used)] // a test: a missing file is a failure to report

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `eng_…` names the header declares as functions.
fn entry_points() -> BTreeSet<String> {
    let header = std::fs::read_to_string(root().join("include/engagement.h")).expect("header");
    let mut names = BTreeSet::new();
    for line in header.lines().filter(|l| !l.trim_start().starts_with('*')) {
        for (at, _) in line.match_indices("eng_") {
            let name: String = line[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if line[at + name.len()..].starts_with('(') {
                names.insert(name);
            }
        }
    }
    names
}

/// Whole-word occurrences of `name` in `text`.
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

fn read_all(dir: &Path, ext: &str) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == ext) {
            text += &std::fs::read_to_string(&path).expect("read");
        }
    }
    text
}

#[test]
fn every_entry_point_is_fuzzed_and_tested_with_bad_input() {
    let names = entry_points();
    assert!(names.len() > 90, "found only {} entry points", names.len());
    let fuzz = read_all(&root().join("fuzz/fuzz_targets"), "rs");
    let c_tests = read_all(&root().join("tests/c"), "c");
    let unfuzzed: Vec<_> = names.iter().filter(|n| !mentions(&fuzz, n)).collect();
    let untested: Vec<_> = names.iter().filter(|n| !mentions(&c_tests, n)).collect();
    assert!(
        unfuzzed.is_empty(),
        "entry points no fuzz target calls: {unfuzzed:?}"
    );
    assert!(
        untested.is_empty(),
        "entry points no C test calls: {untested:?}"
    );
}

/// Every struct the header declares in full, and each of its fields, is in the layout check
/// (`tests/c/test_abi.c`), so that no stable layout escapes it.
#[test]
fn every_struct_field_is_in_the_layout_check() {
    let header = std::fs::read_to_string(root().join("include/engagement.h")).expect("header");
    let abi = std::fs::read_to_string(root().join("tests/c/test_abi.c")).expect("test_abi.c");
    let mut missing = Vec::new();
    let mut structs = 0;
    let mut rest = header.as_str();
    while let Some(at) = rest.find("typedef struct eng_") {
        rest = &rest[at + "typedef struct ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Some(body) = rest[name.len()..].trim_start().strip_prefix('{') else {
            continue; // an opaque handle: `typedef struct eng_x eng_x;`
        };
        structs += 1;
        let end = body.find(&format!("}} {name};")).expect("struct end");
        if !abi.contains(&format!("S({name});")) {
            missing.push(name.clone());
        }
        for line in body[..end].lines().map(str::trim) {
            if line.starts_with('*') || line.starts_with("/*") || !line.ends_with(';') {
                continue;
            }
            let field = line
                .trim_end_matches(';')
                .rsplit(' ')
                .next()
                .unwrap_or("")
                .trim_start_matches('*');
            if !abi.contains(&format!("F({name}, {field});")) {
                missing.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(structs >= 10, "found only {structs} structs");
    assert!(missing.is_empty(), "not in tests/c/test_abi.c: {missing:?}");
}
