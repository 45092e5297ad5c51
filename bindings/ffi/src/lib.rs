//! # coachline-ffi
//!
//! The UniFFI surface of [`coachline_core`]: the API the Android (Kotlin) and iOS
//! (Swift) shells, and Python tests, call. Generated with proc-macros only (no UDL);
//! the namespace is `coachline`. See `README.md` beside this crate for the API at a
//! glance, the conventions and how to regenerate the bindings.
//!
//! - [`store`]: [`CoachlineStore`], the one object: a device's store, shared between
//!   threads;
//! - [`decisions`]: [`CallDecisions`], one agreement's call decision bound once, for
//!   screens that ask it often;
//! - [`screens`]: [`CoachlineScreens`], every screen of both apps computed by the
//!   core, and `act`, the one entry point for what a person does;
//! - [`relay`]: [`RelayPass`], one sync pass through a relay, whose HTTP requests
//!   the shell makes with its platform's stack;
//! - [`records`]: the plain data and enums that cross the boundary;
//! - [`error`]: [`CoachlineError`], the one error type, and the guard that turns a
//!   panic into an error instead of letting it cross;
//! - [`convert`]: conversions from the core's types, and checks on foreign input.
//!
//! Nothing here decides anything: every rule lives in the core, and this crate only
//! translates types and guards the boundary.

uniffi::setup_scaffolding!("coachline");

pub mod convert;
pub mod decisions;
pub mod error;
pub mod records;
pub mod relay;
pub mod screens;
pub mod store;

pub use decisions::CallDecisions;
pub use error::CoachlineError;
pub use relay::RelayPass;
pub use screens::CoachlineScreens;
pub use store::{ChangeListener, CoachlineStore};

/// A new random store key: 32 bytes for `CoachlineStore.open`, to keep in the
/// platform's keystore (Android Keystore, iOS Keychain). Apps may as well make their
/// own with the platform's secure random generator.
#[uniffi::export]
pub fn new_store_key() -> Vec<u8> {
    coachline_core::store::StoreKey::generate()
        .as_bytes()
        .to_vec()
}

/// The version of the Coachline core this library was built from, e.g. `0.1.0`.
/// (Also the cheapest call there is: benchmarks measure the boundary with it.)
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
