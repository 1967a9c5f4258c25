//! A light mirror of the recorded DOM: for every rrweb node id, the few facts the step rules need
//! (kind, tag, a handful of attributes, parent and children, text), kept up to date from full
//! snapshots and mutations. Nodes are parsed one level at a time (children stay raw JSON until
//! their turn), so no nesting depth can exhaust the stack.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};

/// rrweb's serialized node types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Document,
    Element,
    Text,
    Other,
}

/// The attributes the rules look at.
#[derive(Debug, Clone, Default)]
pub(super) struct Attrs {
    pub id: Option<String>,
    /// `type`, lowercased.
    pub input_type: Option<String>,
    pub autofocus: bool,
    pub contenteditable: Option<String>,
    /// `for` (of a `<label>`).
    pub label_for: Option<String>,
    pub class: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Node {
    pub kind: Kind,
    /// Lowercase tag name; empty for anything but elements.
    pub tag: String,
    pub attrs: Attrs,
    pub parent: Option<i64>,
    pub children: Vec<i64>,
    /// Text nodes: their content.
    pub text: Option<String>,
}

impl Node {
    pub fn has_class(&self, class: &str) -> bool {
        self.attrs
            .class
            .as_deref()
            .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
    }
}

#[derive(Deserialize)]
struct RawNode<'a> {
    #[serde(rename = "type")]
    kind: i64,
    id: i64,
    #[serde(default, rename = "tagName")]
    tag: Option<String>,
    #[serde(default, borrow)]
    attributes: Option<HashMap<String, &'a RawValue>>,
    #[serde(default, rename = "childNodes", borrow)]
    children: Option<Vec<&'a RawValue>>,
    #[serde(default, rename = "textContent")]
    text: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Add<'a> {
    #[serde(rename = "parentId")]
    parent: i64,
    #[serde(borrow)]
    node: &'a RawValue,
}

impl Add<'_> {
    pub fn parent_id(&self) -> i64 {
        self.parent
    }
}

#[derive(Deserialize)]
pub(super) struct Remove {
    id: i64,
}

#[derive(Deserialize)]
pub(super) struct TextChange {
    pub id: i64,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct AttributeChange<'a> {
    id: i64,
    #[serde(borrow)]
    attributes: HashMap<String, &'a RawValue>,
}

/// The parts of a Mutation event the mirror applies.
#[derive(Deserialize, Default)]
pub(super) struct Mutation<'a> {
    #[serde(default, borrow)]
    pub adds: Vec<Add<'a>>,
    #[serde(default)]
    pub removes: Vec<Remove>,
    #[serde(default)]
    pub texts: Vec<TextChange>,
    #[serde(default, borrow)]
    pub attributes: Vec<AttributeChange<'a>>,
}

/// An attribute value as a string: strings as they are, numbers and booleans printed, `null`
/// (removed) and anything else as `None`.
fn attr_string(raw: &RawValue) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Sets (or, for `None`, clears) the attribute `name` when it is one the rules use.
fn set_attr(attrs: &mut Attrs, name: &str, value: Option<String>) {
    match name {
        "id" => attrs.id = value,
        "type" => attrs.input_type = value.map(|v| v.to_ascii_lowercase()),
        "autofocus" => attrs.autofocus = value.is_some(),
        "contenteditable" => attrs.contenteditable = value,
        "for" => attrs.label_for = value,
        "class" => attrs.class = value,
        "value" => attrs.value = value,
        _ => {}
    }
}

#[derive(Debug, Default)]
pub(super) struct Mirror {
    nodes: HashMap<i64, Node>,
    /// The top document's id (from the last full snapshot).
    pub root: Option<i64>,
}

impl Mirror {
    pub fn get(&self, id: i64) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Forgets everything and loads a full snapshot's `data.node`. Returns the ids of elements with
    /// `autofocus`, in document order.
    pub fn reset(&mut self, node: &RawValue) -> Vec<i64> {
        self.nodes.clear();
        self.root = None;
        let mut autofocus = Vec::new();
        if let Some(root) = self.insert_tree(node, None, &mut autofocus) {
            self.root = Some(root);
        }
        autofocus
    }

    /// Applies a Mutation. Returns the ids of elements with `autofocus` it added, in order.
    pub fn apply(&mut self, m: &Mutation) -> Vec<i64> {
        for r in &m.removes {
            self.remove_tree(r.id);
        }
        let mut autofocus = Vec::new();
        for add in &m.adds {
            self.insert_tree(add.node, Some(add.parent), &mut autofocus);
        }
        for t in &m.texts {
            if let Some(n) = self.nodes.get_mut(&t.id) {
                n.text = t.value.clone();
            }
        }
        for a in &m.attributes {
            if let Some(n) = self.nodes.get_mut(&a.id) {
                for (name, value) in &a.attributes {
                    set_attr(&mut n.attrs, name, attr_string(value));
                }
            }
        }
        autofocus
    }

    /// Records the value an Input event reported.
    pub fn set_value(&mut self, id: i64, value: &str) {
        if let Some(n) = self.nodes.get_mut(&id) {
            n.attrs.value = Some(value.to_string());
        }
    }

    /// Inserts `node` (and its subtree) under `parent`; returns its id when it parsed.
    fn insert_tree(
        &mut self,
        node: &RawValue,
        parent: Option<i64>,
        autofocus: &mut Vec<i64>,
    ) -> Option<i64> {
        let mut top = None;
        // Children are pushed in reverse so that they pop in document order.
        let mut stack: Vec<(&RawValue, Option<i64>)> = vec![(node, parent)];
        while let Some((raw, parent)) = stack.pop() {
            let Ok(n) = serde_json::from_str::<RawNode>(raw.get()) else {
                continue;
            };
            let kind = match n.kind {
                0 => Kind::Document,
                2 => Kind::Element,
                3 => Kind::Text,
                _ => Kind::Other,
            };
            let mut attrs = Attrs::default();
            for (name, value) in n.attributes.iter().flatten() {
                set_attr(&mut attrs, name, attr_string(value));
            }
            if kind == Kind::Element && attrs.autofocus {
                autofocus.push(n.id);
            }
            if let Some(old) = self.nodes.get(&n.id).map(|o| o.parent) {
                // rrweb re-adds a moved node under its new parent without removing it first.
                self.detach(n.id, old);
            }
            self.nodes.insert(
                n.id,
                Node {
                    kind,
                    tag: n.tag.map(|t| t.to_ascii_lowercase()).unwrap_or_default(),
                    attrs,
                    parent,
                    children: Vec::new(),
                    text: n.text,
                },
            );
            if let Some(p) = parent
                && let Some(pn) = self.nodes.get_mut(&p)
            {
                pn.children.push(n.id);
            }
            top.get_or_insert(n.id);
            for child in n.children.iter().flatten().rev() {
                stack.push((child, Some(n.id)));
            }
        }
        top
    }

    fn detach(&mut self, id: i64, parent: Option<i64>) {
        if let Some(p) = parent
            && let Some(pn) = self.nodes.get_mut(&p)
        {
            pn.children.retain(|c| *c != id);
        }
    }

    fn remove_tree(&mut self, id: i64) {
        let parent = self.nodes.get(&id).and_then(|n| n.parent);
        self.detach(id, parent);
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if let Some(n) = self.nodes.remove(&id) {
                stack.extend(n.children);
            }
        }
    }

    /// `id` and its ancestors, innermost first.
    pub fn ancestry(&self, id: i64) -> impl Iterator<Item = (i64, &Node)> {
        let mut next = Some(id);
        let mut guard = 0usize;
        std::iter::from_fn(move || {
            let id = next?;
            let node = self.nodes.get(&id)?;
            guard += 1;
            next = if guard > 10_000 { None } else { node.parent };
            Some((id, node))
        })
    }

    /// Whether `id` is `ancestor` or lies inside it.
    pub fn is_within(&self, id: i64, ancestor: i64) -> bool {
        self.ancestry(id).any(|(a, _)| a == ancestor)
    }

    /// Whether the element (or the nearest ancestor that says) is editable content.
    pub fn is_content_editable(&self, id: i64) -> bool {
        for (_, n) in self.ancestry(id) {
            if let Some(v) = &n.attrs.contenteditable {
                return !v.eq_ignore_ascii_case("false");
            }
        }
        false
    }

    /// Trimmed texts of every text node in the document, for telling newly rendered text apart.
    pub fn texts(&self, max_len: usize) -> HashSet<String> {
        self.nodes
            .values()
            .filter_map(|n| n.text.as_deref())
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= max_len)
            .map(str::to_string)
            .collect()
    }

    /// The `<option>` elements under a `<select>`, in document order: (id, value), where the
    /// value is the `value` attribute or else the option's trimmed, collapsed text.
    pub fn options(&self, select: i64) -> Vec<(i64, String)> {
        let mut out = Vec::new();
        let mut stack: Vec<i64> = self
            .nodes
            .get(&select)
            .map(|n| n.children.iter().rev().copied().collect())
            .unwrap_or_default();
        while let Some(id) = stack.pop() {
            let Some(n) = self.nodes.get(&id) else {
                continue;
            };
            if n.tag == "option" {
                let value = match &n.attrs.value {
                    Some(v) => v.clone(),
                    None => collapse(&self.text_of(id)),
                };
                out.push((id, value));
            } else if n.tag == "optgroup" {
                stack.extend(n.children.iter().rev().copied());
            }
        }
        out
    }

    /// The concatenated text of the subtree under `id`.
    pub fn text_of(&self, id: i64) -> String {
        let mut out = String::new();
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let Some(n) = self.nodes.get(&id) else {
                continue;
            };
            if let Some(t) = &n.text {
                out.push_str(t);
            }
            stack.extend(n.children.iter().rev().copied());
        }
        out
    }
}

/// The texts a Mutation adds or changes, in the order it lists them: added text nodes (and text
/// nodes inside added subtrees), then changed text nodes.
pub(super) fn mutation_texts(m: &Mutation) -> Vec<String> {
    let mut out = Vec::new();
    for add in &m.adds {
        let mut stack = vec![add.node];
        while let Some(raw) = stack.pop() {
            let Ok(n) = serde_json::from_str::<RawNode>(raw.get()) else {
                continue;
            };
            if n.kind == 3
                && let Some(t) = n.text
            {
                out.push(t);
            }
            stack.extend(n.children.iter().flatten().rev());
        }
    }
    out.extend(m.texts.iter().filter_map(|t| t.value.clone()));
    out
}

/// Whitespace runs collapsed to one space, trimmed (how an option's text becomes its value).
pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn snapshot_mutations_and_removal() {
        let mut m = Mirror::default();
        let af = m.reset(
            &raw(
                r#"{"type":0,"id":1,"childNodes":[{"type":2,"id":2,"tagName":"HTML","attributes":{},"childNodes":[
                {"type":2,"id":3,"tagName":"input","attributes":{"id":"q","autofocus":"","type":"Text"},"childNodes":[]},
                {"type":2,"id":4,"tagName":"select","attributes":{},"childNodes":[
                    {"type":2,"id":5,"tagName":"option","attributes":{"value":"a"},"childNodes":[]},
                    {"type":2,"id":6,"tagName":"option","attributes":{},"childNodes":[{"type":3,"id":7,"textContent":"  Be   here "}]}]}]}]}"#,
            ),
        );
        assert_eq!(af, vec![3]);
        assert_eq!(m.root, Some(1));
        assert_eq!(m.get(2).unwrap().tag, "html");
        assert_eq!(m.get(3).unwrap().attrs.input_type.as_deref(), Some("text"));
        assert_eq!(
            m.options(4),
            vec![(5, "a".to_string()), (6, "Be here".to_string())]
        );
        let mutation: Mutation = serde_json::from_str(
            r#"{"adds":[{"parentId":2,"nextId":null,"node":{"type":2,"id":8,"tagName":"div","attributes":{"contenteditable":"true"},"childNodes":[]}},
                        {"parentId":8,"nextId":null,"node":{"type":3,"id":9,"textContent":"hi"}}],
                "removes":[{"parentId":2,"id":4}],
                "texts":[],"attributes":[{"id":3,"attributes":{"class":"x y","autofocus":null,"style":{"color":"red"}}}]}"#,
        )
        .unwrap();
        assert!(m.apply(&mutation).is_empty());
        assert!(m.get(4).is_none() && m.get(7).is_none(), "subtree removed");
        assert!(m.is_content_editable(9));
        assert!(m.get(3).unwrap().has_class("y"));
        assert!(!m.get(3).unwrap().attrs.autofocus);
        assert!(m.texts(100).contains("hi"));
        assert!(!m.texts(100).contains("Be   here"));
    }

    #[test]
    fn deep_trees_do_not_recurse() {
        let depth = 1_500;
        let mut s = String::new();
        for i in 0..depth {
            s.push_str(&format!(
                r#"{{"type":2,"id":{i},"tagName":"div","attributes":{{}},"childNodes":["#
            ));
        }
        for _ in 0..depth {
            s.push_str("]}");
        }
        let mut m = Mirror::default();
        m.reset(&raw(&s));
        assert!(m.get(depth - 1).is_some());
        assert_eq!(m.ancestry(depth - 1).count(), 1_500);
    }
}
