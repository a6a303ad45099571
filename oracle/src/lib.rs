//! Interop oracle for pvsim: IBM's `s390_pv` crate (the library behind `pvattest` and
//! `pvsecret`) builds attestation and add-secret requests, pvsim's ultravisor model
//! answers them, and `s390_pv` checks the answers. Everything lives in `tests/`; this
//! library is empty. See `crypto-perf-and-oracle.md` §5-§7.
