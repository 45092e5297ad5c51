//! [`CallDecisions`]: one agreement's "may the client call now?", bound once.
//!
//! The client's home screen asks the same question of the same agreement again and
//! again, every minute and on every resume. Through JNA each argument that is not a
//! plain number costs its own native round trip (a buffer for the id string, another
//! for an optional instant), so an object that already holds the agreement, asked
//! with a plain `Long`, makes the question about as cheap as a call can be.

use std::sync::Arc;

use coachline_core::model::AgreementId;
use coachline_core::Timestamp;

use crate::convert::{instant, parse_agreement_id};
use crate::error::Result;
use crate::records::Decision;
use crate::store::CoachlineStore;

/// The call decision of one agreement, for screens that ask it often. Same answers
/// as `CoachlineStore.status`; closing the store closes this too (`Closed`).
#[derive(uniffi::Object)]
pub struct CallDecisions {
    store: Arc<CoachlineStore>,
    id: AgreementId,
}

#[uniffi::export]
impl CoachlineStore {
    /// The call decisions of an agreement of this store (`NotFound` otherwise), for a
    /// screen that shows them often.
    pub fn call_decisions(self: Arc<Self>, agreement_id: String) -> Result<Arc<CallDecisions>> {
        let id = parse_agreement_id(&agreement_id)?;
        self.agreement(agreement_id)?;
        Ok(Arc::new(CallDecisions { store: self, id }))
    }
}

#[uniffi::export]
impl CallDecisions {
    /// The decision at `now_ms` (milliseconds since the epoch).
    pub fn decide(&self, now_ms: i64) -> Result<Decision> {
        self.decide_at(instant("now_ms", Some(now_ms))?)
    }

    /// The decision now, by the system clock.
    pub fn decide_now(&self) -> Result<Decision> {
        self.decide_at(Timestamp::now())
    }
}

impl CallDecisions {
    fn decide_at(&self, now: Timestamp) -> Result<Decision> {
        self.store.decide(&self.id, now)
    }
}
