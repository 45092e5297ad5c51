//! Which projected rows a set of document changes touched.
//!
//! The store keeps SQLite tables in step with the document by re-reading only the
//! entries a change touched: a diff between the heads before and after a local change
//! or a merge names them, so the cost follows the size of the change, not of the
//! history.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Patch, PatchAction, Prop};

use super::Collection;

/// The entries touched by a diff.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changed {
    /// The root keys or `terms` changed: re-read the agreement row.
    pub agreement: bool,
    pub entries: BTreeMap<Collection, BTreeSet<String>>,
    /// Collections whose whole map was (re)created: re-read every entry.
    pub whole: BTreeSet<Collection>,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        !self.agreement && self.entries.is_empty() && self.whole.is_empty()
    }
}

fn map_key(prop: &Prop) -> Option<&str> {
    match prop {
        Prop::Map(key) => Some(key),
        Prop::Seq(_) => None,
    }
}

/// Sorts patches into the projected rows they touch.
pub fn changed_entries(patches: &[Patch]) -> Changed {
    let mut changed = Changed::default();
    for patch in patches {
        let action_key = match &patch.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => Some(key.as_str()),
            _ => None,
        };
        let mut path = patch.path.iter().filter_map(|(_, prop)| map_key(prop));
        match (path.next(), path.next()) {
            (None, _) => match action_key.and_then(Collection::from_key) {
                Some(collection) => {
                    changed.whole.insert(collection);
                }
                None => changed.agreement = true,
            },
            (Some(top), second) => match Collection::from_key(top) {
                Some(collection) => {
                    if let Some(id) = second.or(action_key) {
                        changed
                            .entries
                            .entry(collection)
                            .or_default()
                            .insert(id.to_owned());
                    }
                }
                None => changed.agreement = true,
            },
        }
    }
    changed
}
