//! The settings as command-line flags, built from the table: [`SettingFlags`] (every setting; what
//! `reel run` takes) and [`PlanFlags`] (the checkpoint settings; what `reel replay` takes). Each
//! is a [`Layer`] holding only what was given.

use super::{FlagKind, Group, Layer, Spec};
use clap::builder::ValueParser;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// The flag of one setting. Its help is the setting's doc and default, plus its variable and key
/// when the command reads those layers too (`layered`).
pub(super) fn arg(spec: &Spec, parser: ValueParser, layered: bool) -> Arg {
    let doc = spec
        .doc
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let mut help = format!("{} [default: {}]", doc.trim(), spec.default);
    if layered {
        help.push_str(&format!(" [env: {}] [reel.toml: {}]", spec.env, spec.key));
    }
    let mut arg = Arg::new(spec.field)
        .long(spec.flag.long)
        .help(help)
        .help_heading(spec.group.heading())
        .value_parser(parser);
    if let Some(c) = spec.flag.short {
        arg = arg.short(c);
    }
    if !spec.flag.value_name.is_empty() {
        arg = arg.value_name(spec.flag.value_name);
    }
    match spec.flag.kind {
        FlagKind::Value => arg.action(ArgAction::Set),
        FlagKind::Switch => arg
            .action(ArgAction::Set)
            .num_args(0)
            .default_missing_value("true"),
        // `--flag=VALUE` only: `--flag rec.jsonl` must not take the recording as the value.
        FlagKind::OptionalValue(missing) => arg
            .action(ArgAction::Set)
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value(missing),
        FlagKind::Repeated => arg.action(ArgAction::Append),
        FlagKind::Delimited(sep) => arg.action(ArgAction::Append).value_delimiter(sep),
    }
}

macro_rules! flag_group {
    ($(#[$meta:meta])* $name:ident (layered: $layered:expr): $($group:ident),+) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        pub struct $name {
            /// What was given on the command line.
            pub layer: Layer,
        }

        impl FromArgMatches for $name {
            fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
                Ok($name {
                    layer: Layer::from_matches(matches),
                })
            }

            fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
                self.layer = Layer::from_matches(matches).over(std::mem::take(&mut self.layer));
                Ok(())
            }
        }

        impl Args for $name {
            fn augment_args(cmd: Command) -> Command {
                super::add_flags(cmd, &[$(Group::$group),+], $layered)
            }

            fn augment_args_for_update(cmd: Command) -> Command {
                Self::augment_args(cmd)
            }
        }
    };
}

flag_group!(
    /// Every setting as a flag (`reel run`: the top layer over `REEL_*` and `reel.toml`).
    SettingFlags (layered: true): Run, Comparison, Checkpoints
);

flag_group!(
    /// The checkpoint settings as flags (`reel replay`, over the defaults only).
    PlanFlags (layered: false): Checkpoints
);
