//! The table's derived parts: defaults, precedence, `reel.toml` keys and errors, variables, flags.

use super::*;
use clap::{Args, FromArgMatches};

fn parse(toml: &str) -> Result<Config, String> {
    Config::parse(toml, Path::new("reel.toml"))
}

fn env(pairs: &[(&str, &str)]) -> Layer {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Layer::from_env(|k| map.get(k).cloned()).unwrap()
}

const HOST: Host = Host {
    cores: 6,
    on_ci: false,
};

fn flags<T: Args + FromArgMatches>(args: &[&str]) -> Result<T, clap::Error> {
    let cmd = T::augment_args(clap::Command::new("reel"));
    let matches = cmd.try_get_matches_from(std::iter::once("reel").chain(args.iter().copied()))?;
    T::from_arg_matches(&matches)
}

/// The settings given among `args`, and the positional arguments left.
fn flags_and_rest(args: &[&str]) -> (Layer, Vec<String>) {
    let cmd = SettingFlags::augment_args(
        clap::Command::new("reel").arg(clap::Arg::new("rest").num_args(0..)),
    );
    let matches = cmd
        .try_get_matches_from(std::iter::once("reel").chain(args.iter().copied()))
        .unwrap();
    let rest = matches
        .get_many::<String>("rest")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    (
        SettingFlags::from_arg_matches(&matches).unwrap().layer,
        rest,
    )
}

#[test]
fn defaults_when_nothing_says_otherwise() {
    let r = Settings::resolve(Layer::default(), &HOST).unwrap();
    assert_eq!(r.baselines, PathBuf::from("snapshots"));
    assert_eq!(r.out, PathBuf::from("reel-report"));
    assert_eq!(r.cache, PathBuf::from(".reel/cache"));
    assert_eq!(r.threshold, 0.1);
    assert_eq!(r.settle_ms, Millis(500));
    assert_eq!(r.jobs, 6, "one job per core");
    assert_eq!(r.update, UpdateMode::Missing);
    assert_eq!(r.viewport, None);
    assert!(r.masks.is_empty() && r.at.is_empty());
    let ci = Host {
        on_ci: true,
        ..HOST
    };
    assert_eq!(
        Settings::resolve(Layer::default(), &ci).unwrap().update,
        UpdateMode::None,
        "CI writes nothing"
    );
}

#[test]
fn toml_over_defaults_env_over_toml_flags_over_env() {
    let file = parse(
        r#"
baselines = "file-base"
out = "file-out"
jobs = 3
[compare]
threshold = 0.3
max_diff_ratio = 0.01
masks = ["0,0,10,10"]
[plan]
at = ["1s"]
max_checkpoints = 7
[viewport]
width = 800
height = 600
"#,
    )
    .unwrap();
    let env = env(&[
        ("REEL_OUT", "env-out"),
        ("REEL_THRESHOLD", "0.2"),
        ("REEL_MASKS", "1,1,5,5;2,2,3,3"),
        ("REEL_UPDATE", "all"),
    ]);
    let flags = flags::<SettingFlags>(&["--threshold", "0.05"])
        .unwrap()
        .layer;

    // reel.toml alone, over the defaults.
    let r = Settings::resolve(file.layer.clone(), &HOST).unwrap();
    assert_eq!(r.baselines, Path::new(".").join("file-base"));
    assert_eq!(r.threshold, 0.3);
    assert_eq!(r.jobs, 3);
    assert_eq!(
        r.viewport,
        Some(Viewport {
            width: 800,
            height: 600
        })
    );
    assert_eq!(r.at, vec![Offset(1000)]);
    assert_eq!(r.masks.len(), 1);

    // The environment over reel.toml.
    let r = Settings::resolve(env.clone().over(file.layer.clone()), &HOST).unwrap();
    assert_eq!(r.out, PathBuf::from("env-out"));
    assert_eq!(r.threshold, 0.2);
    assert_eq!(r.masks.len(), 2);
    assert_eq!(r.update, UpdateMode::All);
    assert_eq!(
        r.baselines,
        Path::new(".").join("file-base"),
        "kept from the file"
    );
    assert_eq!(r.max_diff_ratio, Some(0.01), "kept from the file");
    assert_eq!(r.max_checkpoints, Some(7), "kept from the file");

    // Flags over everything.
    let r = Settings::resolve(flags.over(env).over(file.layer), &HOST).unwrap();
    assert_eq!(r.threshold, 0.05);
    assert_eq!(r.out, PathBuf::from("env-out"));
}

#[test]
fn paths_in_the_file_are_relative_to_its_folder() {
    let c = Config::parse(
        "baselines = \"snaps\"\ncache = \"/abs/cache\"\n",
        Path::new("ci/reel.toml"),
    )
    .unwrap();
    assert_eq!(c.layer.baselines, Some(PathBuf::from("ci/snaps")));
    assert_eq!(c.layer.cache, Some(PathBuf::from("/abs/cache")));
}

#[test]
fn bad_values_are_errors_that_name_where() {
    let e = parse("[compare]\ntreshold = 0.2\n").unwrap_err();
    assert!(e.starts_with("reel.toml:2:1: "), "{e}");
    assert!(e.contains("treshold") && e.contains("`threshold`"), "{e}");
    assert!(!e.contains('\n'), "one line: {e}");
    let e = parse("jobs = \"four\"\n").unwrap_err();
    assert!(e.starts_with("reel.toml:1:8: jobs: "), "{e}");
    let e = parse("outt = \"r\"\n").unwrap_err();
    assert!(e.starts_with("reel.toml:1:1: unknown field `outt`"), "{e}");
    let e = parse("compare = 3\n").unwrap_err();
    assert!(e.contains("compare: expected a table"), "{e}");
    let e = parse("[compare]\nmasks = [\"1,2,3\"]\n").unwrap_err();
    assert!(e.starts_with("reel.toml:2:10: compare.masks: "), "{e}");
    let e = parse("[viewport]\nwidth = 0\nheight = 10\n").unwrap_err();
    assert!(e.contains("viewport: width and height"), "{e}");
    let e = parse("[plan]\nat = [\"soon\"]\n").unwrap_err();
    assert!(e.contains("plan.at: \"soon\" is not a duration"), "{e}");
    let e = parse("[[sources]]\nfiles = [\"a.json\"]\nobject_store = \"s3://b/\"\n").unwrap_err();
    assert!(e.contains("exactly one"), "{e}");
    let e = parse("[[sources]]\nfiles = [\"a.json\"]\nfile = 1\n").unwrap_err();
    assert!(
        e.starts_with("reel.toml:3:1: sources: unknown field `file`"),
        "{e}"
    );
    let e = parse("[[sources]]\nposthog = { project = \"1\", api_key = \"phx_x\" }\n").unwrap_err();
    assert!(e.contains("POSTHOG_API_KEY") && !e.contains("phx_x"), "{e}");
    let e = parse("baselines = \n").unwrap_err();
    assert!(e.starts_with("reel.toml:1:"), "a syntax error: {e}");
    let e =
        Settings::resolve(parse("[compare]\nthreshold = 2.0\n").unwrap().layer, &HOST).unwrap_err();
    assert_eq!(e, "threshold must be between 0 and 1, got 2");
    let e = Settings::resolve(parse("jobs = 0\n").unwrap().layer, &HOST).unwrap_err();
    assert_eq!(e, "jobs must be at least 1");
    let e = Settings::resolve(
        parse("[plan]\ncheckpoints = \"none\"\n").unwrap().layer,
        &HOST,
    )
    .unwrap_err();
    assert!(e.contains("needs at least one --at"), "{e}");
    for (var, value) in [
        ("REEL_JOBS", "x"),
        ("REEL_VIEWPORT", "800"),
        ("REEL_UPDATE", "sometimes"),
        ("REEL_MASKS", "1,2,3"),
        ("REEL_AT", "soon"),
    ] {
        let e = Layer::from_env(|k| (k == var).then(|| value.into())).unwrap_err();
        assert!(e.starts_with(&format!("{var}: ")), "{e}");
    }
}

#[test]
fn every_setting_has_its_own_key_variable_and_flag() {
    assert_eq!(SETTINGS.len(), 17);
    assert_eq!(ENV_VARS.len(), SETTINGS.len());
    for (i, a) in SETTINGS.iter().enumerate() {
        assert!(a.env.starts_with("REEL_"), "{}", a.field);
        assert!(!a.doc.trim().is_empty(), "{} has no doc", a.field);
        for b in &SETTINGS[i + 1..] {
            assert!(a.key != b.key && a.env != b.env && a.flag.long != b.flag.long);
        }
    }
}

#[test]
fn flags_say_only_what_was_given() {
    let none = flags::<SettingFlags>(&[]).unwrap().layer;
    assert_eq!(none, Layer::default());
    let l = flags::<SettingFlags>(&[
        "--update",
        "--include-aa",
        "--mask",
        "0,0,10,10",
        "--mask",
        "5,5,1,1",
        "--mask-selector",
        ".ad, #clock",
        "--at",
        "1s,2.5s",
        "--at",
        "3s",
        "-j",
        "2",
        "--viewport",
        "640x480",
        "--checkpoints",
        "none",
    ])
    .unwrap()
    .layer;
    assert_eq!(l.update, Some(UpdateMode::Changed), "--update alone");
    assert_eq!(l.include_aa, Some(true));
    assert_eq!(l.masks.as_ref().map(Vec::len), Some(2));
    assert_eq!(l.mask_selectors, Some(vec![".ad, #clock".to_string()]));
    assert_eq!(l.at, Some(vec![Offset(1000), Offset(2500), Offset(3000)]));
    assert_eq!(l.jobs, Some(2));
    assert_eq!(l.checkpoints, Some(Mode::None));
    assert_eq!(
        flags::<SettingFlags>(&["--update=all"])
            .unwrap()
            .layer
            .update,
        Some(UpdateMode::All)
    );
    assert!(flags::<SettingFlags>(&["--update=sometimes"]).is_err());
    let (layer, rest) = flags_and_rest(&["--update", "rec.jsonl"]);
    assert_eq!(layer.update, Some(UpdateMode::Changed));
    assert_eq!(
        rest,
        ["rec.jsonl"],
        "--update does not take the recording as its value"
    );
    assert!(flags::<SettingFlags>(&["--viewport", "800"]).is_err());
    assert!(flags::<SettingFlags>(&["--at", "soon"]).is_err());
    // `reel replay` takes the checkpoint settings only.
    let plan = flags::<PlanFlags>(&["--at", "1s", "--settle-ms=-5"])
        .unwrap()
        .layer;
    assert_eq!(plan.at, Some(vec![Offset(1000)]));
    let r = Settings::resolve(plan, &HOST).unwrap();
    assert_eq!(r.settle_ms, Millis(0), "negative waits mean none");
    assert!(flags::<PlanFlags>(&["--threshold", "0.2"]).is_err());
}

#[test]
fn the_report_shows_the_marked_settings() {
    let r = Settings::resolve(env(&[("REEL_BASELINES", "b")]), &HOST).unwrap();
    let shown = serde_json::to_string(&ReportSettings::from(&r)).unwrap();
    assert_eq!(
        shown,
        r#"{"threshold":0.1,"include_aa":false,"max_diff_pixels":null,"max_diff_ratio":null,"update":"missing","baselines":"b"}"#
    );
    let marked: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.report)
        .map(|s| s.field)
        .collect();
    assert_eq!(
        marked,
        [
            "threshold",
            "include_aa",
            "max_diff_pixels",
            "max_diff_ratio",
            "update",
            "baselines"
        ]
    );
}

#[test]
fn the_configuration_page_names_every_setting() {
    let page = include_str!("../../docs/configuration.md");
    for spec in SETTINGS {
        for needle in [
            format!("`{}`", spec.key),
            format!("`{}`", spec.env),
            format!("`--{}", spec.flag.long),
        ] {
            assert!(
                page.contains(&needle),
                "docs/configuration.md does not mention {needle} ({})",
                spec.field
            );
        }
    }
}
