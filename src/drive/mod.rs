//! `reel drive`: the user's actions of a recording re-performed against a live build.
//!
//! `steps` (what the user did, from the events alone) → `locate` (how to find each target again:
//! ranked locators taken from the replayed DOM at that moment) → the live side (a fresh browser
//! context on the build under test: virtual clock, seeded randomness, recorded network answers,
//! the actions performed with real input events, screenshots at the planner's checkpoints) →
//! verdicts and reports as in `reel run`.
//!
//! This file holds the contract between those parts: [`Step`], [`Action`], [`Locator`],
//! [`Strategy`], [`StepStatus`] and [`StepOutcome`].

pub mod answers;
mod error;
pub mod live;
pub mod locate;
pub mod replay_cache;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod steps;
pub mod url_map;

pub use error::DriveError;
pub use report::DriveExtras;

use serde::{Deserialize, Serialize};

/// What a step does. Serialized names are the `action` field of `report.json`'s `steps[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Load the (mapped) URL in the window's tab: recorded page loads and reloads (Meta events).
    Navigate,
    Click,
    Dblclick,
    Contextmenu,
    /// Type `text` into the target with real key events (then Enter when `enter`).
    Type,
    /// Choose the option whose value is `text` in a `<select>`.
    Select,
    /// Set a checkbox / radio to `checked` (only when no click of the user already did it).
    Check,
    /// Scroll the window (no target) or an element to `scroll`.
    Scroll,
    /// Resize the viewport to `size`.
    Resize,
    /// Move the pointer over the target (a control that only appears on hover).
    Hover,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Navigate => "navigate",
            Action::Click => "click",
            Action::Dblclick => "dblclick",
            Action::Contextmenu => "contextmenu",
            Action::Type => "type",
            Action::Select => "select",
            Action::Check => "check",
            Action::Scroll => "scroll",
            Action::Resize => "resize",
            Action::Hover => "hover",
        }
    }
}

/// How a locator finds its element, strongest first. Serialized names are report.json's
/// `locator.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// `data-testid`, `data-test-id`, `data-test`, `data-cy`, `data-qa`.
    TestId,
    /// `id`, unless it looks generated.
    Id,
    /// ARIA role + accessible name.
    Role,
    /// The text of the control's `<label>`.
    Label,
    Placeholder,
    /// The element's own visible text.
    Text,
    Href,
    /// A structural CSS path anchored at the nearest stable ancestor id.
    Path,
    /// The recorded pointer coordinates, checked against what is under the pointer.
    Point,
}

/// One way to find a step's target on the live page. `selector` is what `player/locate.js`'s
/// `resolve` understands for that strategy (and what the report shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Locator {
    pub strategy: Strategy,
    pub selector: String,
    /// 0..1: how sure reel is that this finds the element the user acted on.
    pub confidence: f64,
}

/// One user action to re-perform, in recording time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The window (tab) it happened in.
    pub window: String,
    /// Offset from the window's first event, in ms (the clock of checkpoint names).
    pub t_ms: i64,
    pub action: Action,
    /// The rrweb node id of the element acted on (None: the window or document); for `hover`, the
    /// hovered ancestor.
    pub node: Option<i64>,
    /// Recorded pointer position in viewport pixels, for pointer actions.
    pub point: Option<(f64, f64)>,
    /// navigate: the recorded URL; type: the field's final text (it replaces what the field
    /// holds: select all, then type); select: the option value.
    pub text: Option<String>,
    /// type: press Enter after typing (inferred: the value dropped to '' in one event).
    pub enter: bool,
    /// check: the state to set.
    pub checked: Option<bool>,
    /// scroll: the target scroll position (x, y).
    pub scroll: Option<(f64, f64)>,
    /// resize: the new viewport (width, height).
    pub size: Option<(u32, u32)>,
    /// type: the recorded text was masked and `text` is synthetic (same length).
    pub synthetic_text: bool,
    /// Set when v1 cannot perform this step; the reason is the report's `finding`.
    pub skip: Option<String>,
    /// Same-origin iframes to enter first, outermost first: locators for each `<iframe>`.
    pub frames: Vec<Vec<Locator>>,
    /// Ranked locators for the target, strongest first (empty until located).
    pub locators: Vec<Locator>,
}

impl Step {
    /// `action` in `window` at `t_ms`, with nothing else known yet (no target, text or locators).
    pub fn new(window: impl Into<String>, t_ms: i64, action: Action) -> Step {
        Step {
            window: window.into(),
            t_ms,
            action,
            node: None,
            point: None,
            text: None,
            enter: false,
            checked: None,
            scroll: None,
            size: None,
            synthetic_text: false,
            skip: None,
            frames: Vec::new(),
            locators: Vec::new(),
        }
    }
}

/// How performing a step went. Serialized names are report.json's `steps[].status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    /// No locator matched exactly one element on the live page (a finding, not a crash).
    Unresolved,
    /// Resolved, but performing it failed (e.g. the element could not receive the input).
    Failed,
    /// Not performed: v1 does not drive this kind of interaction.
    Skipped,
}

/// One performed (or not) step, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub action: Action,
    pub t_ms: i64,
    pub window: String,
    pub status: StepStatus,
    /// The locator that matched (for `ok` / `failed`), or the strongest one tried.
    pub locator: Option<Locator>,
    /// A sentence, for every step that is not `ok` (and for flagged ones, e.g. synthetic text).
    pub finding: Option<String>,
}
