//! What the user did in one window, from its events alone: the [`Step`]s `reel drive` performs
//! again, in time order. Most recorded input is the app rendering, not the user; the rules that
//! tell them apart (and the ones that merge, coalesce and skip) are listed in `docs/drive.md`.
//!
//! Node facts the rules need (tag, input type, `autofocus`, `contenteditable`, labels, options)
//! come from a light mirror of the recorded DOM ([`mirror`]). Whether a target is visible is only
//! known in the replayed DOM: `locate` adds that (hover steps, hidden editor fields) afterwards.

mod masked;
mod mirror;
#[cfg(test)]
mod tests;

use super::{Action, Step};
use crate::recording::{Event, EventFacts, EventType, IncrementalSource, WindowStream};
use mirror::{Kind, Mirror, Mutation};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashSet;

/// A DblClick merges the clicks on its target this close before it (rrweb records click, click,
/// dblclick).
pub const DBLCLICK_MERGE_MS: i64 = 500;
/// A checkbox/radio change this soon after a click on it (or on its label) is that click's.
pub const CHANGE_AFTER_CLICK_MS: i64 = 1000;
/// A TouchEnd not followed by a Click within this becomes a click of its own.
pub const TOUCH_CLICK_MS: i64 = 1000;
/// A Focus this soon after a pointer action (and not after typing) was caused by the pointer:
/// the app moving focus in answer to a click (TodoMVC's double-click → edit field) counts.
pub const FOCUS_AFTER_POINTER_MS: i64 = 1000;
/// Scroll (and resize) events on one target closer together than this are one gesture.
pub const BURST_GAP_MS: i64 = 300;
/// A `<select>` change with no recorded focus counts as the user's only when no Mutation came
/// this shortly before it (apps set a select's value while rendering it).
pub const SELECT_QUIET_MS: i64 = 250;

const SKIP_KEYBOARD: &str = "typed into an element that was focused from the keyboard (no click on it, not autofocus): keyboard-only flows are not driven in v1";
const SKIP_CONTENTEDITABLE: &str =
    "typed into contenteditable content: editable content is not driven in v1";
const SKIP_EDITOR: &str =
    "typed into a code editor's hidden input textarea: code editors are not driven in v1";
const SKIP_FRAME_SCROLL: &str =
    "scrolled the document of an iframe: scrolling inside frames is not driven in v1";
const SKIP_NO_URL: &str = "a page load without a recorded URL: nothing to navigate to";
const SKIP_MASKED_OPTION: &str =
    "the chosen option was masked in the recording and no option matches it unambiguously";

/// The user's steps in `window`, in time order (`t_ms` from the window's first event).
pub fn extract(window: &WindowStream) -> Vec<Step> {
    let mut x = Extractor::new(window);
    for (i, e) in window.events.iter().enumerate() {
        x.index = i;
        x.event(e);
    }
    x.index = window.events.len();
    x.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FocusCause {
    Pointer,
    Autofocus,
    Keyboard,
}

#[derive(Debug, Clone, Copy)]
struct Focus {
    node: i64,
    cause: FocusCause,
    /// Editable content (typing there shows up as mutations, not Input events).
    editable: bool,
    /// A skipped step was already emitted for typing into this editable content.
    reported: bool,
}

/// What an Input event's element is, for the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Control {
    Toggle,
    Select,
    Text,
    /// An `<input>` type typing cannot set (date, range, file, …).
    Other(String),
}

/// Consecutive Input events on the focused element, becoming one `type` step.
struct Run {
    node: i64,
    t_ms: i64,
    text: String,
    /// The element's value before the run.
    before: String,
    /// Index of the last event that changed `text`.
    last_typed: usize,
    skip: Option<String>,
    input_type: Option<String>,
    /// Texts in the document when masked typing started (recovery looks for new ones).
    present: Option<HashSet<String>>,
}

struct Extractor<'w> {
    window: &'w WindowStream,
    start: i64,
    index: usize,
    mirror: Mirror,
    steps: Vec<Step>,
    focus: Option<Focus>,
    /// After a page load until focus first moves: `autofocus` elements take the focus.
    autofocus_open: bool,
    focus_since_pointer_down: bool,
    last_pointer_ms: Option<i64>,
    last_typed_ms: Option<i64>,
    last_mutation_ms: Option<i64>,
    run: Option<Run>,
    /// A TouchEnd waiting for its Click.
    touch: Option<Step>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Interaction {
    #[serde(rename = "type")]
    kind: i64,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    x: Option<f64>,
    #[serde(default)]
    y: Option<f64>,
}

#[derive(Deserialize)]
struct InputData {
    id: i64,
    #[serde(default)]
    text: Option<String>,
    #[serde(default, rename = "isChecked")]
    is_checked: Option<bool>,
    #[serde(default, rename = "selectedOptionIds")]
    selected_option_ids: Option<Vec<i64>>,
}

#[derive(Deserialize)]
struct ScrollData {
    id: i64,
    #[serde(default)]
    x: Option<f64>,
    #[serde(default)]
    y: Option<f64>,
}

#[derive(Deserialize)]
struct SnapshotData<'a> {
    #[serde(borrow)]
    node: &'a RawValue,
}

/// `data` of an event, parsed as `T`; `None` when it is missing or of another shape.
fn data<'a, T: Deserialize<'a>>(e: &'a Event) -> Option<T> {
    let env: Envelope<'a> = serde_json::from_str(e.json.get()).ok()?;
    serde_json::from_str(env.data?.get()).ok()
}

/// rrweb's `MouseInteractions` codes used here.
mod mi {
    pub const MOUSE_UP: i64 = 0;
    pub const MOUSE_DOWN: i64 = 1;
    pub const CLICK: i64 = 2;
    pub const CONTEXT_MENU: i64 = 3;
    pub const DBL_CLICK: i64 = 4;
    pub const FOCUS: i64 = 5;
    pub const BLUR: i64 = 6;
    pub const TOUCH_START: i64 = 7;
    pub const TOUCH_END: i64 = 9;
}

impl<'w> Extractor<'w> {
    fn new(window: &'w WindowStream) -> Self {
        Extractor {
            window,
            start: window.start_ms(),
            index: 0,
            mirror: Mirror::default(),
            steps: Vec::new(),
            focus: None,
            autofocus_open: false,
            focus_since_pointer_down: false,
            last_pointer_ms: None,
            last_typed_ms: None,
            last_mutation_ms: None,
            run: None,
            touch: None,
        }
    }

    fn step(&self, action: Action, t_ms: i64) -> Step {
        Step::new(self.window.id.clone(), t_ms, action)
    }

    fn event(&mut self, e: &Event) {
        let t = e.timestamp.saturating_sub(self.start);
        self.settle_touch(t);
        match e.kind {
            EventType::Meta => self.meta(e, t),
            EventType::FullSnapshot => {
                if let Some(d) = data::<SnapshotData>(e) {
                    let autofocus = self.mirror.reset(d.node);
                    self.focus = None;
                    self.autofocus_open = true;
                    self.take_autofocus(&autofocus);
                }
            }
            EventType::IncrementalSnapshot => match e.source {
                Some(IncrementalSource::MUTATION) => self.mutation(e, t),
                Some(IncrementalSource::MOUSE_INTERACTION) => {
                    if let Some(d) = data::<Interaction>(e) {
                        self.interaction(d, t);
                    }
                }
                Some(IncrementalSource::INPUT) => {
                    if let Some(d) = data::<InputData>(e) {
                        self.input(d, t);
                    }
                }
                Some(IncrementalSource::SCROLL) => {
                    if let Some(d) = data::<ScrollData>(e) {
                        self.scroll(d, t);
                    }
                }
                Some(IncrementalSource::VIEWPORT_RESIZE) => {
                    if let EventFacts::ViewportResize { width, height } = e.facts() {
                        self.resize((width, height), t);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn finish(mut self) -> Vec<Step> {
        self.flush_run();
        if let Some(touch) = self.touch.take() {
            self.steps.push(touch);
        }
        self.steps
    }

    /// Adds a step: the pending typing and touch come first.
    fn push(&mut self, step: Step) {
        self.flush_run();
        if let Some(touch) = self.touch.take() {
            self.steps.push(touch);
        }
        self.steps.push(step);
    }

    fn settle_touch(&mut self, t: i64) {
        if self
            .touch
            .as_ref()
            .is_some_and(|touch| t.saturating_sub(touch.t_ms) > TOUCH_CLICK_MS)
            && let Some(touch) = self.touch.take()
        {
            self.steps.push(touch);
        }
    }

    /// A Meta is a page load when it is the window's first or a FullSnapshot follows it.
    fn meta(&mut self, e: &Event, t: i64) {
        let first = !self.steps.iter().any(|s| s.action == Action::Navigate);
        let loads = first
            || self.window.events[self.index + 1..]
                .iter()
                .take_while(|n| n.kind != EventType::IncrementalSnapshot)
                .any(|n| n.kind == EventType::FullSnapshot);
        if !loads {
            return;
        }
        let href = match e.facts() {
            EventFacts::Meta { href, .. } => href.filter(|h| !h.is_empty()),
            _ => None,
        };
        let mut step = self.step(Action::Navigate, t);
        if href.is_none() {
            step.skip = Some(SKIP_NO_URL.into());
        }
        step.text = href;
        self.push(step);
        self.focus = None;
        self.autofocus_open = false;
    }

    fn take_autofocus(&mut self, candidates: &[i64]) {
        if !self.autofocus_open || self.focus.is_some() {
            return;
        }
        if let Some(&node) = candidates.first() {
            self.set_focus(node, FocusCause::Autofocus);
        }
    }

    fn set_focus(&mut self, node: i64, cause: FocusCause) {
        if self.run.as_ref().is_some_and(|r| r.node != node) {
            self.flush_run();
        }
        self.focus = Some(Focus {
            node,
            cause,
            editable: self.mirror.is_content_editable(node),
            reported: false,
        });
    }

    fn mutation(&mut self, e: &Event, t: i64) {
        self.last_mutation_ms = Some(t);
        let Some(m) = data::<Mutation>(e) else {
            return;
        };
        let autofocus = self.mirror.apply(&m);
        self.take_autofocus(&autofocus);
        let Some(focus) = self.focus.filter(|f| f.editable && !f.reported) else {
            return;
        };
        let typed_inside = m
            .texts
            .iter()
            .map(|c| c.id)
            .any(|id| self.mirror.is_within(id, focus.node) && self.mirror.get(id).is_some())
            || m.adds_under(focus.node, &self.mirror);
        if typed_inside {
            let mut step = self.step(Action::Type, t);
            step.node = Some(focus.node);
            step.skip = Some(SKIP_CONTENTEDITABLE.into());
            self.push(step);
            if let Some(f) = self.focus.as_mut() {
                f.reported = true;
            }
        }
    }

    fn interaction(&mut self, d: Interaction, t: i64) {
        let node = d.id.filter(|id| *id >= 0);
        let point = match (d.x, d.y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Some((x, y)),
            _ => None,
        };
        let pointer_step = |x: &Self, action| {
            let mut s = x.step(action, t);
            s.node = node;
            s.point = point;
            s
        };
        match d.kind {
            mi::MOUSE_DOWN | mi::TOUCH_START => {
                self.last_pointer_ms = Some(t);
                self.focus_since_pointer_down = false;
            }
            mi::MOUSE_UP => self.last_pointer_ms = Some(t),
            mi::CLICK => {
                self.last_pointer_ms = Some(t);
                self.touch = None;
                if !self.focus_since_pointer_down
                    && let Some(n) = node
                {
                    self.set_focus(n, FocusCause::Pointer);
                }
                let s = pointer_step(self, Action::Click);
                self.push(s);
            }
            mi::CONTEXT_MENU => {
                self.last_pointer_ms = Some(t);
                let s = pointer_step(self, Action::Contextmenu);
                self.push(s);
            }
            mi::DBL_CLICK => {
                self.last_pointer_ms = Some(t);
                self.flush_run();
                let mut first = t;
                for _ in 0..2 {
                    match self.steps.last() {
                        Some(s)
                            if s.action == Action::Click
                                && s.node == node
                                && t.saturating_sub(s.t_ms) <= DBLCLICK_MERGE_MS =>
                        {
                            first = s.t_ms;
                            self.steps.pop();
                        }
                        _ => break,
                    }
                }
                let mut s = pointer_step(self, Action::Dblclick);
                s.t_ms = first;
                self.push(s);
            }
            mi::FOCUS => {
                if let Some(n) = node {
                    let cause = self.focus_cause(n, t);
                    self.set_focus(n, cause);
                }
                self.focus_since_pointer_down = true;
                self.autofocus_open = false;
            }
            mi::BLUR => {
                if self.focus.is_some_and(|f| Some(f.node) == node) {
                    if self.run.as_ref().is_some_and(|r| Some(r.node) == node) {
                        self.flush_run();
                    }
                    self.focus = None;
                }
                self.autofocus_open = false;
            }
            mi::TOUCH_END => {
                self.last_pointer_ms = Some(t);
                self.flush_run();
                if let Some(previous) = self.touch.take() {
                    self.steps.push(previous);
                }
                self.touch = Some(pointer_step(self, Action::Click));
            }
            _ => {}
        }
    }

    fn focus_cause(&self, node: i64, t: i64) -> FocusCause {
        let autofocus = self.mirror.get(node).is_some_and(|n| n.attrs.autofocus);
        if self.autofocus_open && autofocus {
            return FocusCause::Autofocus;
        }
        let after_pointer = self.last_pointer_ms.is_some_and(|p| {
            t.saturating_sub(p) <= FOCUS_AFTER_POINTER_MS
                && self.last_typed_ms.is_none_or(|k| p >= k)
        });
        if after_pointer {
            FocusCause::Pointer
        } else {
            FocusCause::Keyboard
        }
    }

    fn control(&self, id: i64) -> Control {
        let Some(n) = self.mirror.get(id) else {
            return Control::Text;
        };
        match n.tag.as_str() {
            "select" => Control::Select,
            "input" => match n.attrs.input_type.as_deref().unwrap_or("text") {
                "checkbox" | "radio" => Control::Toggle,
                "text" | "search" | "email" | "url" | "tel" | "password" | "number" | "" => {
                    Control::Text
                }
                other => Control::Other(other.to_string()),
            },
            _ => Control::Text,
        }
    }

    fn input(&mut self, d: InputData, t: i64) {
        let value = d.text.clone().unwrap_or_default();
        match self.control(d.id) {
            Control::Toggle => self.toggle(&d, t),
            Control::Select => self.select(&d, &value, t),
            Control::Text => self.typing(d.id, value.clone(), t, None),
            Control::Other(kind) => {
                let reason = format!(
                    "set an <input type={kind}>: only typing into text fields is driven in v1"
                );
                self.typing(d.id, value.clone(), t, Some(reason))
            }
        }
        self.mirror.set_value(d.id, &value);
    }

    /// A checkbox or radio change: the click's own (dropped), the app's (dropped), or a `check`.
    fn toggle(&mut self, d: &InputData, t: i64) {
        let after_click = self.steps.last().is_some_and(|s| {
            matches!(s.action, Action::Click | Action::Dblclick)
                && t.saturating_sub(s.t_ms) <= CHANGE_AFTER_CLICK_MS
                && s.node.is_some_and(|c| self.click_toggles(c, d.id))
        });
        if after_click || self.focus.is_none_or(|f| f.node != d.id) {
            return;
        }
        let mut s = self.step(Action::Check, t);
        s.node = Some(d.id);
        s.checked = d.is_checked;
        self.push(s);
    }

    /// Whether a click on `target` changes the checkbox/radio `control`: the control itself, or
    /// a label for it (wrapping it or naming it with `for`).
    fn click_toggles(&self, target: i64, control: i64) -> bool {
        if target == control {
            return true;
        }
        let Some((label, node)) = self.mirror.ancestry(target).find(|(_, n)| n.tag == "label")
        else {
            return false;
        };
        let control_id = self.mirror.get(control).and_then(|c| c.attrs.id.as_deref());
        let named =
            matches!((node.attrs.label_for.as_deref(), control_id), (Some(f), Some(i)) if f == i);
        named || self.mirror.is_within(control, label)
    }

    fn select(&mut self, d: &InputData, value: &str, t: i64) {
        let focused = self.focus.is_some_and(|f| f.node == d.id);
        let before = self
            .mirror
            .get(d.id)
            .and_then(|n| n.attrs.value.clone())
            .unwrap_or_default();
        let quiet = self
            .last_mutation_ms
            .is_none_or(|m| t.saturating_sub(m) > SELECT_QUIET_MS);
        if !(focused || (quiet && value != before)) {
            return;
        }
        let mut s = self.step(Action::Select, t);
        s.node = Some(d.id);
        if masked::is_masked(value) {
            let options = self.mirror.options(d.id);
            match masked::chosen_option(&options, d.selected_option_ids.as_deref(), value) {
                Some(v) => s.text = Some(v),
                None => s.skip = Some(SKIP_MASKED_OPTION.into()),
            }
        } else {
            s.text = Some(value.to_string());
        }
        self.push(s);
    }

    fn typing(&mut self, id: i64, value: String, t: i64, unsupported: Option<String>) {
        if let Some(run) = self.run.as_mut().filter(|r| r.node == id) {
            if value.is_empty() && !run.text.is_empty() {
                self.finish_run(true);
            } else {
                run.text = value;
                run.last_typed = self.index;
                if run.present.is_none() && masked::is_masked(&run.text) {
                    run.present = Some(self.mirror.texts(masked::MAX_TEXT));
                }
                self.last_typed_ms = Some(t);
            }
            return;
        }
        let Some(focus) = self.focus.filter(|f| f.node == id) else {
            return;
        };
        self.flush_run();
        if let Some(touch) = self.touch.take() {
            self.steps.push(touch);
        }
        let node = self.mirror.get(id);
        let before = node.and_then(|n| n.attrs.value.clone()).unwrap_or_default();
        let editor = node
            .is_some_and(|n| n.has_class("ace_text-input") || n.has_class("inputarea"))
            || self
                .mirror
                .ancestry(id)
                .any(|(_, n)| n.has_class("CodeMirror"));
        let skip = unsupported
            .or_else(|| editor.then(|| SKIP_EDITOR.to_string()))
            .or_else(|| focus.editable.then(|| SKIP_CONTENTEDITABLE.to_string()))
            .or_else(|| (focus.cause == FocusCause::Keyboard).then(|| SKIP_KEYBOARD.to_string()));
        let present = masked::is_masked(&value).then(|| self.mirror.texts(masked::MAX_TEXT));
        self.last_typed_ms = Some(t);
        self.run = Some(Run {
            node: id,
            t_ms: t,
            text: value,
            before,
            last_typed: self.index,
            skip,
            input_type: node.and_then(|n| n.attrs.input_type.clone()),
            present,
        });
    }

    fn flush_run(&mut self) {
        self.finish_run(false);
    }

    /// Turns the pending run into a `type` step (pressing Enter after it when `enter`).
    fn finish_run(&mut self, enter: bool) {
        let Some(run) = self.run.take() else {
            return;
        };
        if run.text.is_empty() && run.before.is_empty() {
            return;
        }
        let mut s = self.step(Action::Type, run.t_ms);
        s.node = Some(run.node);
        s.enter = enter;
        s.skip = run.skip;
        if masked::is_masked(&run.text) {
            let len = run.text.len();
            let found = masked::recover(
                &self.window.events,
                run.node,
                run.last_typed,
                self.index,
                len,
                run.present.as_ref(),
            );
            s.synthetic_text = found.is_none();
            s.text =
                Some(found.unwrap_or_else(|| masked::synthetic(len, run.input_type.as_deref())));
        } else {
            s.text = Some(run.text);
        }
        self.steps.push(s);
    }

    fn scroll(&mut self, d: ScrollData, t: i64) {
        if self.run.as_ref().is_some_and(|r| r.node == d.id) {
            return;
        }
        let (node, skip) = match self.mirror.get(d.id) {
            Some(n) if n.kind == Kind::Document => {
                if self.mirror.root == Some(d.id) {
                    (None, None)
                } else {
                    (Some(d.id), Some(SKIP_FRAME_SCROLL.to_string()))
                }
            }
            None if self.mirror.root.is_none_or(|r| r == d.id) => (None, None),
            _ => (Some(d.id), None),
        };
        let position = (d.x.unwrap_or(0.0), d.y.unwrap_or(0.0));
        if self.run.is_none()
            && self.touch.is_none()
            && let Some(last) = self.steps.last_mut()
            && last.action == Action::Scroll
            && last.node == node
            && t.saturating_sub(last.t_ms) <= BURST_GAP_MS
        {
            last.t_ms = t;
            last.scroll = Some(position);
            return;
        }
        let mut s = self.step(Action::Scroll, t);
        s.node = node;
        s.scroll = Some(position);
        s.skip = skip;
        self.push(s);
    }

    fn resize(&mut self, size: (u32, u32), t: i64) {
        if self.run.is_none()
            && self.touch.is_none()
            && let Some(last) = self.steps.last_mut()
            && last.action == Action::Resize
            && t.saturating_sub(last.t_ms) <= BURST_GAP_MS
        {
            last.t_ms = t;
            last.size = Some(size);
            return;
        }
        let mut s = self.step(Action::Resize, t);
        s.size = Some(size);
        self.push(s);
    }
}

impl Mutation<'_> {
    /// Whether any node this mutation adds goes under `ancestor` (already applied to `mirror`).
    fn adds_under(&self, ancestor: i64, mirror: &Mirror) -> bool {
        self.adds
            .iter()
            .any(|a| mirror.is_within(a.parent_id(), ancestor))
    }
}
