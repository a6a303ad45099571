//! The pvsim integration suite: flows that cross crates and trust boundaries
//! (docs/DESIGN.md "The main flow"). The tests are in `tests/`; this library is empty.
