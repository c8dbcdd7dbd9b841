use super::*;

const JSON: &str = r#"{"packages":[{"name":"app","version":"0.1.0","id":"path+file:///w/app#0.1.0","license":null,"dependencies":[],"targets":[{"kind":["bin"],"crate_types":["bin"],"name":"app","src_path":"/w/app/src/main.rs","edition":"2021"},{"kind":["lib"],"name":"app","src_path":"/w/app/src/lib.rs"}],"features":{"default":["x"],"x":[]},"manifest_path":"/w/app/Cargo.toml"}],"workspace_members":["path+file:///w/app#0.1.0"],"resolve":{"nodes":[{"id":"path+file:///w/app#0.1.0","dependencies":["b"],"deps":[{"name":"b","pkg":"b 1.0.0","dep_kinds":[{"kind":null,"target":null},{"kind":"dev","target":null}]},{"name":"c","pkg":"c 1.0.0"}],"features":["default","x"]},{"id":"b 1.0.0"}],"root":null},"target_directory":"/w/target","version":1,"workspace_root":"/w","metadata":null}"#;

#[test]
fn reads_the_fields_the_analysis_uses() {
    let metadata = parse(JSON).unwrap();
    assert_eq!(metadata.workspace_root, PathBuf::from("/w"));
    assert_eq!(metadata.workspace_members, ["path+file:///w/app#0.1.0"]);
    let app = metadata.package("path+file:///w/app#0.1.0");
    assert_eq!((app.name.as_str(), app.version.as_str()), ("app", "0.1.0"));
    assert_eq!(app.manifest_path, PathBuf::from("/w/app/Cargo.toml"));
    let libs: Vec<bool> = app
        .targets
        .iter()
        .map(Target::is_lib_or_proc_macro)
        .collect();
    assert_eq!(libs, [false, true]);
    assert_eq!(app.targets[0].src_path, PathBuf::from("/w/app/src/main.rs"));
    let nodes = &metadata.resolve.as_ref().unwrap().nodes;
    assert_eq!(nodes[0].features, ["default", "x"]);
    let kinds: Vec<bool> = nodes[0].deps[0]
        .dep_kinds
        .iter()
        .map(DepKind::is_normal)
        .collect();
    assert_eq!(kinds, [true, false]);
    // Left out: no kinds, no deps, no features.
    assert!(nodes[0].deps[1].dep_kinds.is_empty());
    assert!(nodes[1].deps.is_empty() && nodes[1].features.is_empty());
}

#[test]
fn no_resolve_is_none() {
    let json = JSON.replace(r#""resolve":{"#, r#""resolve":null,"unused":{"#);
    assert!(parse(&json).unwrap().resolve.is_none());
}

#[test]
fn errors_name_the_field_and_where_it_is() {
    let missing = JSON.replace(r#","src_path":"/w/app/src/lib.rs""#, "");
    let at = JSON.find(r#"{"kind":["lib"]"#).unwrap() + 1;
    assert_eq!(
        parse(&missing).unwrap_err(),
        format!("packages[0].targets[1]: missing field `src_path` (line 1, column {at})")
    );
    let wrong = JSON.replace(r#""kind":"dev""#, r#""kind":["dev"]"#);
    let at = wrong.find(r#"["dev"]"#).unwrap() + 1;
    assert_eq!(
        parse(&wrong).unwrap_err(),
        format!(
            "resolve.nodes[0].deps[0].dep_kinds[1].kind: expected a string, found a sequence \
             (line 1, column {at})"
        )
    );
    let no_root = JSON.replace(r#","workspace_root":"/w""#, "");
    assert_eq!(
        parse(&no_root).unwrap_err(),
        "missing field `workspace_root` (line 1, column 1)"
    );
    assert_eq!(
        parse(r#"{"packages": 1}"#).unwrap_err(),
        "packages: expected an array, found `1` (line 1, column 14)"
    );
    assert_eq!(
        parse("").unwrap_err(),
        "unexpected end of JSON (line 1, column 1)"
    );
    assert_eq!(
        parse("[]").unwrap_err(),
        "expected an object, found a sequence (line 1, column 1)"
    );
}
