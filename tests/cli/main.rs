//! End-to-end tests: the real `coachline` binary on real SQLite files.

mod agreement;
#[cfg(unix)]
mod at_rest;
mod backup;
mod bad_input;
mod coaching;
mod convergence;
#[cfg(unix)]
mod crash;
mod many_hands;
mod phone;
mod png;
mod relay;
mod salvage;
mod screens;
mod screenshot;
mod sync;
