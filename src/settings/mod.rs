//! The settings of `reel run` and `reel drive` (and of every command that replays and compares):
//! one table, at the bottom of this file, declares each setting once — field, type, default,
//! `REEL_*` variable, `reel.toml` key, flag and doc — and everything else is derived from it:
//!
//! - [`Layer`]: what one source of settings says (every field optional), and [`Layer::over`];
//! - the sources: [`Layer::from_env`], the flags ([`SettingFlags`], [`DriveFlags`], [`PlanFlags`])
//!   and `reel.toml`
//!   ([`Config`], whose keys are the table's);
//! - [`Settings`]: the layers over the defaults, checked ([`Settings::resolve`]);
//! - [`ENV_VARS`], [`SETTINGS`] (the table as data, for docs and help) and [`ReportSettings`], the
//!   settings `report.json` shows.
//!
//! Layers: built-in defaults < `reel.toml` < `REEL_*` environment variables < flags. A list from a
//! higher layer replaces the lower one's, it does not add to it. Adding a setting is one row.

mod file;
mod flags;
mod value;

pub use file::{Config, DEFAULT_FILE};
pub use flags::{DriveFlags, PlanFlags, SettingFlags};
pub use value::{Millis, Offset, SettingValue, TomlError, TomlValue, Viewport};

use crate::drive::url_map::UrlSpec;

use crate::compare::{DiffOptions, MaskColor, Rect, Tolerance, UpdateMode};
use crate::plan::{Mode, PlanOptions};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What defaults depend on besides the table: the machine and whether this is a CI run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    /// Cores available to this process (the default `jobs`).
    pub cores: usize,
    /// `CI` is set (and not `false` or `0`): missing baselines fail instead of being written.
    pub on_ci: bool,
}

impl Host {
    /// This process's machine and environment.
    pub fn current() -> Host {
        Host {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            on_ci: std::env::var_os("CI")
                .is_some_and(|v| !v.is_empty() && v != "false" && v != "0"),
        }
    }
}

/// How a setting is given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// `--flag VALUE`.
    Value,
    /// `--flag` alone means true.
    Switch,
    /// `--flag` alone means the given value; `--flag=VALUE` names one (`--flag VALUE` does not: the
    /// next word stays an argument of its own).
    OptionalValue(&'static str),
    /// `--flag A --flag B`: one item per occurrence.
    Repeated,
    /// `--flag A,B` (and repeated): items separated by the character.
    Delimited(char),
}

/// A setting's flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub value_name: &'static str,
    pub kind: FlagKind,
}

impl Flag {
    const fn new(long: &'static str, value_name: &'static str, kind: FlagKind) -> Flag {
        Flag {
            long,
            short: None,
            value_name,
            kind,
        }
    }

    const fn short(self, c: char) -> Flag {
        Flag {
            short: Some(c),
            ..self
        }
    }
}

/// Which part of the work a setting shapes (the heading of its flag in `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Where things are read and written, and how much runs at once.
    Run,
    /// How screenshots are compared.
    Comparison,
    /// Which moments are captured (also the flags of `reel replay`).
    Checkpoints,
    /// `reel drive` only: the build under test.
    Drive,
}

impl Group {
    pub fn heading(self) -> &'static str {
        match self {
            Group::Run => "Run",
            Group::Comparison => "Comparison",
            Group::Checkpoints => "Checkpoints",
            Group::Drive => "Drive",
        }
    }
}

/// One row of the table, as data.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The field of [`Settings`] and [`Layer`].
    pub field: &'static str,
    /// The key in `reel.toml` (`section.key` for keys in a section).
    pub key: &'static str,
    pub env: &'static str,
    pub flag: Flag,
    pub group: Group,
    /// The default, as documented.
    pub default: &'static str,
    pub doc: &'static str,
    /// Whether `report.json`'s `settings` shows it.
    pub report: bool,
}

/// How a resolved setting appears in `report.json`.
pub trait ReportValue {
    type Shown: Serialize + for<'de> Deserialize<'de> + Clone + PartialEq + std::fmt::Debug;
    fn shown(&self) -> Self::Shown;
}

macro_rules! shown_as_is {
    ($($t:ty),*) => {$(
        impl ReportValue for $t {
            type Shown = $t;
            fn shown(&self) -> $t {
                self.clone()
            }
        }
    )*};
}

shown_as_is!(f64, bool, u64, usize, UpdateMode);

/// Paths as text (a path that is not UTF-8 is shown lossily rather than failing the report).
impl ReportValue for PathBuf {
    type Shown = String;
    fn shown(&self) -> String {
        self.display().to_string()
    }
}

impl<T: ReportValue> ReportValue for Option<T> {
    type Shown = Option<T::Shown>;
    fn shown(&self) -> Self::Shown {
        self.as_ref().map(T::shown)
    }
}

/// Checks a value from any layer; gets the setting's field name for the message.
type Check<T> = fn(&'static str, T) -> Result<T, String>;

fn any<T>(_: &'static str, v: T) -> Result<T, String> {
    Ok(v)
}

fn unit_interval(name: &'static str, v: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{name} must be between 0 and 1, got {v}"))
    }
}

fn at_least_one(name: &'static str, v: usize) -> Result<usize, String> {
    if v >= 1 {
        Ok(v)
    } else {
        Err(format!("{name} must be at least 1"))
    }
}

/// Builds everything from the table. Each row:
///
/// ```text
/// /// Doc (the flag's help).
/// field: Type = default_expr, "default as documented" { key, env, flag, group, check, report }
/// ```
///
/// `Type` is one token: a type name, a tuple, or `[Item; 'sep']` for a list (`sep` splits the
/// `REEL_*` variable). A row without `= default` resolves to an `Option`. Defaults may use
/// `$host` ([`Host`]).
macro_rules! settings {
    (
        host: $host:ident;
        $(
            $(#[doc = $doc:literal])*
            $field:ident : $ty:tt $(= $default:expr, $default_text:literal)? {
                key: $key:literal,
                env: $env:literal,
                flag: $flag:expr,
                group: $group:ident,
                check: $check:path,
                report: $report:ident $(,)?
            }
        )*
    ) => {
        /// What one source of settings says; `None`: this source does not say.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Layer {
            $(
                $(#[doc = $doc])*
                pub $field: Option<settings!(@value $ty)>,
            )*
        }

        impl Layer {
            /// `self` on top of `lower`: every setting `self` has wins, the rest come from `lower`.
            pub fn over(self, lower: Layer) -> Layer {
                Layer {
                    $($field: self.$field.or(lower.$field),)*
                }
            }

            /// The `REEL_*` variables, read through `get` (so tests need not touch the process
            /// environment). Empty values count as unset. Errors name the variable.
            pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Layer, String> {
                let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
                Ok(Layer {
                    $(
                        $field: var($env)
                            .map(|text| settings!(@from_text $ty, text))
                            .transpose()
                            .map_err(|e| format!("{}: {e}", $env))?,
                    )*
                })
            }

            /// Sets the setting whose `reel.toml` key is `key`; `None` when no setting has it.
            fn set_from_toml(
                &mut self,
                key: &str,
                value: &TomlValue<'_>,
                dir: &Path,
            ) -> Option<Result<(), TomlError>> {
                match key {
                    $(
                        $key => Some(
                            settings!(@from_toml $ty, value, dir).map(|v| self.$field = Some(v)),
                        ),
                    )*
                    _ => None,
                }
            }

            /// The settings given on a command line built with [`add_flags`] (absent flags: `None`).
            fn from_matches(matches: &clap::ArgMatches) -> Layer {
                Layer {
                    $($field: settings!(@from_matches $ty, matches, stringify!($field)),)*
                }
            }
        }

        /// Every setting decided: the layers over the defaults, checked.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Settings {
            $(
                $(#[doc = $doc])*
                pub $field: settings!(@resolved $ty, [$($default)?]),
            )*
        }

        impl Settings {
            /// Fills what `layer` leaves unset with the defaults (some depend on `host`) and
            /// checks every value.
            pub fn resolve(layer: Layer, $host: &Host) -> Result<Settings, String> {
                let settings = Settings {
                    $(
                        $field: settings!(
                            @resolve
                            layer
                                .$field
                                .map(|v| ($check as Check<settings!(@value $ty)>)(stringify!($field), v))
                                .transpose()?,
                            [$($default)?]
                        ),
                    )*
                };
                settings.check()?;
                Ok(settings)
            }
        }

        /// The table as data: every setting with its key, variable, flag and doc.
        pub const SETTINGS: &[Spec] = &[
            $(
                Spec {
                    field: stringify!($field),
                    key: $key,
                    env: $env,
                    flag: $flag,
                    group: Group::$group,
                    default: settings!(@text [$($default_text)?]),
                    doc: concat!($($doc, "\n"),*),
                    report: settings!(@is $report),
                },
            )*
        ];

        /// The `REEL_*` variables settings are read from.
        pub const ENV_VARS: &[&str] = &[$($env),*];

        /// Adds the flags of the settings in `groups` to `cmd`.
        fn add_flags(mut cmd: clap::Command, groups: &[Group], layered: bool) -> clap::Command {
            let parsers = [$(settings!(@parser $ty)),*];
            for (spec, parser) in SETTINGS.iter().zip(parsers) {
                if groups.contains(&spec.group) {
                    cmd = cmd.arg(flags::arg(spec, parser, layered));
                }
            }
            cmd
        }

        settings!(@report [] [] $($field $ty [$($default)?] $report;)*);
    };

    // The type a layer holds.
    (@value [$item:ty; $sep:literal]) => { Vec<$item> };
    (@value $t:ty) => { $t };

    // The resolved type: optional without a default.
    (@resolved $t:tt, [$d:expr]) => { settings!(@value $t) };
    (@resolved $t:tt, []) => { Option<settings!(@value $t)> };
    (@resolve $v:expr, [$d:expr]) => { $v.unwrap_or_else(|| $d) };
    (@resolve $v:expr, []) => { $v };
    (@text [$t:literal]) => { $t };
    (@text []) => { "none" };
    (@is yes) => { true };
    (@is no) => { false };

    (@from_text [$item:ty; $sep:literal], $text:expr) => {
        value::list_from_text::<$item>(&$text, $sep)
    };
    (@from_text $t:ty, $text:expr) => { <$t as SettingValue>::from_text(&$text) };
    (@from_toml [$item:ty; $sep:literal], $v:expr, $dir:expr) => {
        value::list_from_toml::<$item>($v, $dir)
    };
    (@from_toml $t:ty, $v:expr, $dir:expr) => { <$t as SettingValue>::from_toml($v, $dir) };
    (@from_matches [$item:ty; $sep:literal], $m:expr, $id:expr) => {
        $m.try_get_many::<$item>($id).ok().flatten().map(|v| v.cloned().collect())
    };
    (@from_matches $t:ty, $m:expr, $id:expr) => {
        $m.try_get_one::<$t>($id).ok().flatten().cloned()
    };
    (@parser [$item:ty; $sep:literal]) => { <$item as SettingValue>::flag_parser() };
    (@parser $t:ty) => { <$t as SettingValue>::flag_parser() };

    // ReportSettings: the rows marked `report: yes`, in table order.
    (@report [$($fields:tt)*] [$($names:ident)*]) => {
        /// The settings `report.json` shows (the rows of the table marked `report: yes`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct ReportSettings {
            $($fields)*
        }

        impl From<&Settings> for ReportSettings {
            fn from(s: &Settings) -> Self {
                ReportSettings {
                    $($names: s.$names.shown(),)*
                }
            }
        }
    };
    (@report [$($fields:tt)*] [$($names:ident)*] $f:ident $t:tt $d:tt yes; $($rest:tt)*) => {
        settings!(
            @report
            [$($fields)* pub $f: <settings!(@resolved $t, $d) as ReportValue>::Shown,]
            [$($names)* $f]
            $($rest)*
        );
    };
    (@report [$($fields:tt)*] [$($names:ident)*] $f:ident $t:tt $d:tt no; $($rest:tt)*) => {
        settings!(@report [$($fields)*] [$($names)*] $($rest)*);
    };
}

use FlagKind::{Delimited, OptionalValue, Repeated, Switch, Value};

// The table. Its order is the order of `--help` within a group and of `report.json`'s settings.
settings! {
    host: host;

    /// Per-pixel colour threshold, 0 to 1 (pixelmatch's; smaller is more sensitive).
    threshold: f64 = 0.1, "0.1" {
        key: "compare.threshold",
        env: "REEL_THRESHOLD",
        flag: Flag::new("threshold", "RATIO", Value),
        group: Comparison,
        check: unit_interval,
        report: yes,
    }
    /// Count anti-aliased pixels as differences too.
    include_aa: bool = false, "false" {
        key: "compare.include_aa",
        env: "REEL_INCLUDE_AA",
        flag: Flag::new("include-aa", "", Switch),
        group: Comparison,
        check: any,
        report: yes,
    }
    /// Pass when at most this many pixels differ.
    max_diff_pixels: u64 {
        key: "compare.max_diff_pixels",
        env: "REEL_MAX_DIFF_PIXELS",
        flag: Flag::new("max-diff-pixels", "N", Value),
        group: Comparison,
        check: any,
        report: yes,
    }
    /// Pass when at most this fraction (0 to 1) of the pixels differ.
    max_diff_ratio: f64 {
        key: "compare.max_diff_ratio",
        env: "REEL_MAX_DIFF_RATIO",
        flag: Flag::new("max-diff-ratio", "RATIO", Value),
        group: Comparison,
        check: unit_interval,
        report: yes,
    }
    /// Rectangle painted over both images before comparing: x,y,w,h (repeatable).
    masks: [Rect; ';'] = Vec::new(), "none" {
        key: "compare.masks",
        env: "REEL_MASKS",
        flag: Flag::new("mask", "X,Y,W,H", Repeated),
        group: Comparison,
        check: any,
        report: no,
    }
    /// CSS selector whose elements are painted over in both images (resolved in the replayed DOM
    /// at each checkpoint; repeatable).
    mask_selectors: [String; ';'] = Vec::new(), "none" {
        key: "compare.mask_selectors",
        env: "REEL_MASK_SELECTORS",
        flag: Flag::new("mask-selector", "CSS", Repeated),
        group: Comparison,
        check: any,
        report: no,
    }
    /// Mask colour, #RRGGBB or #RRGGBBAA.
    mask_color: MaskColor = MaskColor::default(), "#FF00FF" {
        key: "compare.mask_color",
        env: "REEL_MASK_COLOR",
        flag: Flag::new("mask-color", "COLOR", Value),
        group: Comparison,
        check: any,
        report: no,
    }
    /// Which baselines to write: `missing`, `changed` (what `--update` alone means: also accept
    /// changed ones and new console errors), `all` (also rewrite those that pass within tolerance
    /// but are not identical), `none`.
    update: UpdateMode = if host.on_ci { UpdateMode::None } else { UpdateMode::Missing },
        "missing; none when $CI is set" {
        key: "update",
        env: "REEL_UPDATE",
        flag: Flag::new("update", "WHICH", OptionalValue("changed")),
        group: Run,
        check: any,
        report: yes,
    }
    /// Where approved screenshots and console errors live.
    baselines: PathBuf = PathBuf::from("snapshots"), "snapshots" {
        key: "baselines",
        env: "REEL_BASELINES",
        flag: Flag::new("baselines", "DIR", Value),
        group: Run,
        check: any,
        report: yes,
    }
    /// Report folder: index.html, report.json, junit.xml and the images of what did not pass.
    out: PathBuf = PathBuf::from("reel-report"), "reel-report" {
        key: "out",
        env: "REEL_OUT",
        flag: Flag::new("out", "DIR", Value),
        group: Run,
        check: any,
        report: no,
    }
    /// Where the recordings of reel.toml's PostHog and object-store sources are fetched to, and
    /// where `reel drive` keeps its replays of the recordings (`drive/`).
    cache: PathBuf = PathBuf::from(".reel/cache"), ".reel/cache" {
        key: "cache",
        env: "REEL_CACHE",
        flag: Flag::new("cache", "DIR", Value),
        group: Run,
        check: any,
        report: no,
    }
    /// Parallel jobs. 1 replays one recording at a time in one page; above 1, each job keeps two
    /// pages busy (recordings first, lanes of one recording when there are fewer recordings than
    /// pages).
    jobs: usize = host.cores, "number of cores" {
        key: "jobs",
        env: "REEL_JOBS",
        flag: Flag::new("jobs", "N", Value).short('j'),
        group: Run,
        check: at_least_one,
        report: no,
    }
    /// Extra checkpoints at these offsets from the window start, e.g. 1.5s,12s,500ms,1m30s (a
    /// bare number is seconds).
    at: [Offset; ','] = Vec::new(), "none" {
        key: "plan.at",
        env: "REEL_AT",
        flag: Flag::new("at", "TIME", Delimited(',')),
        group: Checkpoints,
        check: any,
        report: no,
    }
    /// `auto`: derive checkpoints from the recording; `none`: only the `at` times.
    checkpoints: Mode = Mode::Auto, "auto" {
        key: "plan.checkpoints",
        env: "REEL_CHECKPOINTS",
        flag: Flag::new("checkpoints", "MODE", Value),
        group: Checkpoints,
        check: any,
        report: no,
    }
    /// Keep at most N automatic checkpoints per window (spread evenly, first and last kept).
    max_checkpoints: usize {
        key: "plan.max_checkpoints",
        env: "REEL_MAX_CHECKPOINTS",
        flag: Flag::new("max-checkpoints", "N", Value),
        group: Checkpoints,
        check: any,
        report: no,
    }
    /// How long after a click, resize or page load to look (cut short by the next action): a
    /// duration such as 500ms or 1.5s; a bare number is ms.
    settle_ms: Millis = Millis(500), "500ms" {
        key: "plan.settle_ms",
        env: "REEL_SETTLE_MS",
        flag: Flag::new("settle-ms", "DURATION", Value),
        group: Checkpoints,
        check: any,
        report: no,
    }
    /// Capture at this viewport instead of the recorded one (the checkpoints and their names stay
    /// the same).
    viewport: Viewport {
        key: "viewport",
        env: "REEL_VIEWPORT",
        flag: Flag::new("viewport", "WxH", Value),
        group: Checkpoints,
        check: any,
        report: no,
    }
    /// `reel drive`: the build under test. `TO` maps the origin of the recordings' page loads to
    /// it; `FROM=TO` maps the recorded origin FROM (repeat for several origins). Path, query and
    /// hash are kept.
    url: [UrlSpec; ','] = Vec::new(), "none (required by reel drive)" {
        key: "drive.url",
        env: "REEL_URL",
        flag: Flag::new("url", "[FROM=]TO", Repeated),
        group: Drive,
        check: any,
        report: no,
    }
}

impl Settings {
    /// What no single setting can check.
    fn check(&self) -> Result<(), String> {
        if self.checkpoints == Mode::None && self.at.is_empty() {
            return Err("--checkpoints none needs at least one --at time".into());
        }
        Ok(())
    }

    /// The planner's options.
    pub fn plan(&self) -> PlanOptions {
        PlanOptions {
            mode: self.checkpoints,
            at: self.at.iter().map(|o| o.0).collect(),
            max_checkpoints: self.max_checkpoints,
            settle_ms: self.settle_ms.0,
            viewport_override: self.viewport.map(|v| (v.width, v.height)),
        }
    }

    /// The pixel comparison's options.
    pub fn diff(&self) -> DiffOptions {
        DiffOptions {
            threshold: self.threshold,
            include_aa: self.include_aa,
            ..DiffOptions::default()
        }
    }

    pub fn tolerance(&self) -> Tolerance {
        Tolerance {
            max_diff_pixels: self.max_diff_pixels,
            max_diff_ratio: self.max_diff_ratio,
        }
    }
}

#[cfg(test)]
mod tests;
