//! The changes a persisted partition records for its store, in the order they happened.

use crate::cookie::{CookieKey, StoredCookie};
use crate::space::{AuthEntry, ProtectionSpace};

/// One change to a persisted partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A cookie was added or replaced (same [`CookieKey`]).
    Cookie(StoredCookie),
    /// A cookie was removed: deleted, expired, evicted, or refused when restored.
    CookieRemoved(CookieKey),
    /// Credentials were stored or replaced for their protection space.
    Auth(AuthEntry),
    /// Credentials were forgotten, or refused when restored.
    AuthRemoved(ProtectionSpace),
}

/// Changes waiting to be persisted: records nothing until a store enables it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Journal(Option<Vec<Change>>);

impl Journal {
    pub(crate) fn enable(&mut self) {
        self.0.get_or_insert_with(Vec::new);
    }

    pub(crate) fn take(&mut self) -> Vec<Change> {
        self.0.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub(crate) fn record(&mut self, change: Change) {
        if let Some(journal) = &mut self.0 {
            journal.push(change);
        }
    }
}
