//! The coaching rules, as pure functions of (agreement state, now), with no I/O.
