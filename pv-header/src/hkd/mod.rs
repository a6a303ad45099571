//! Host-key documents (HKD) and their verification against IBM's chain of trust
//! (se-format.md §1.4, §6.3). The rules are pvimg's (s390-tools `rust/pv/src/verify.rs`
//! and `verify/helper.rs`, read for facts only); where this module deviates, it says so
//! in [`verify`].
//!
//! - [`HostKeyDocument`]: a PEM or DER certificate holding a P-521 host key, with its
//!   coordinates and public host key hash;
//! - [`read_certs`], [`read_crls`]: PEM/DER readers with pvimg's (OpenSSL's) semantics;
//! - [`CertVerifier`]: `--cert` (IBM Z signing key + intermediate CA), `--crl`,
//!   `--root-ca`, `--offline` and a verification time; [`NoVerify`]: `--no-verify`.
//!
//! Every failure is a typed [`crate::Error`]: expired or not yet valid certificates,
//! revoked ones, wrong issuer, wrong signing-key subject, bad signatures, authority key
//! identifier mismatches, outdated, misnamed or badly signed CRLs, missing CRLs, keys
//! that are not P-521, undecodable input.
//!
//! ```no_run
//! use pv_header::hkd::{CertVerifier, HkdVerifier, HostKeyDocument, VerifyOptions};
//! # fn f(hkd: &[u8], ibm: &[u8], inter: &[u8], crl: &[u8], inter_crl: &[u8], root: &[u8])
//! # -> pv_header::Result<()> {
//! let verifier = CertVerifier::new(&[ibm, inter], &[crl, inter_crl], Some(root), VerifyOptions::now(true))?;
//! let doc = HostKeyDocument::read(hkd)?;
//! verifier.verify(&doc)?;
//! let phkh = doc.phkh();
//! # let _ = phkh; Ok(()) }
//! ```

mod cert;
pub mod chain;
pub mod crl;
mod document;
mod name;
mod pem;
mod sig;
pub mod verify;

pub use cert::Cert;
pub use crl::Crl;
pub use document::HostKeyDocument;
pub use pem::{read_certs, read_crls};
pub use verify::{CertVerifier, HkdVerifier, NoVerify, VerifyOptions};
