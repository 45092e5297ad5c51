//! Phone-to-phone sync: pairing, sealed messages, and one sync session per peer.
//!
//! The core is transport-agnostic. It produces and consumes opaque messages
//! ([`crate::store::Store::sync_next`], [`crate::store::Store::sync_receive`]); a
//! shell moves them by nearby radio, a relay or a file, in any order, with losses and
//! duplicates. Nothing here needs a connection.
//!
//! ## Pairing
//!
//! The therapist's phone issues an [`invitation::Invitation`] for an agreement: one
//! line carrying the agreement id, the therapist device's two public keys, a one-time
//! secret and an expiry, signed by the therapist's identity key. The client's phone
//! `join`s with it: it records the therapist as the agreement's peer (the document
//! itself arrives with the first sync) and, until the therapist answers, seals its
//! messages with the secret as HPKE pre-shared key and a proof binding its own keys
//! ([`join`]). The therapist's store accepts the first such message only if the
//! invitation is its own, unexpired and unspent (or spent by this very client); it
//! then records the client as the agreement's paired peer and spends the invitation,
//! in the same transaction that applies the message. An agreement has one paired peer
//! per store: pairing a new client phone (after a lost phone, say) replaces the old
//! one, whose messages are refused from then on.
//!
//! ## Sealed messages
//!
//! Every message is sealed for exactly one peer with HPKE in auth mode ([`seal`]),
//! inside a versioned envelope whose header — agreement, sender, recipient, counter,
//! fragment — is authenticated with it ([`envelope`]). Before anything is applied,
//! a receiver refuses, in this order: a malformed envelope (counters are below 2^63);
//! one addressed to another device; one from a device that is not the agreement's
//! paired peer — or, for a joining client's message, one whose invitation is unknown,
//! spent by another device or expired, or that imitates the paired peer's device id
//! under another key, all decided from the header before any fragment is opened or
//! held; a counter not above the last one accepted from that peer (a replay, or a
//! message overtaken by a newer one); a fragment there is no room to hold
//! ([`fragments`] bounds what unpaired senders may leave waiting); and one that does
//! not open (any changed byte). Then the content must be a valid change of that
//! agreement that inflates to at most [`crate::inflation::MAX_INFLATED`] bytes,
//! checked like an import before anything is stored. A refused message leaves the
//! store exactly as it was: document, sync state, counters.
//!
//! ## Sessions
//!
//! Automerge's sync protocol, with its state persisted per (agreement, peer) in its
//! own encoding and primed and re-sent by a due rule so that restarts and lost
//! messages neither loop nor stall ([`session`]). A message never exceeds
//! [`envelope::MAX_MESSAGE_BYTES`]; larger sync messages travel as fragments
//! ([`fragments`]). Document, sync state and counters change together, in the
//! transaction that applies an accepted message.

pub mod envelope;
pub mod fragments;
pub mod invitation;
pub mod join;
pub mod seal;
pub mod session;

#[cfg(test)]
mod simulation;

pub use fragments::Fragments;
