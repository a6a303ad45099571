//! The one error type of this crate. Decrypt and verify failures are opaque on purpose
//! (DESIGN.md "Style"): they never say which byte or which key was wrong.

/// Errors of `pv-header`.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // ---- generic -----------------------------------------------------------------
    /// A buffer was shorter than the structure that must be read from it.
    #[error("input too short: need {need} bytes, have {have}")]
    TooShort {
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A key or value had the wrong size (pvimg: "Expected size N, actual M").
    #[error("Expected size {expected}, actual {actual}")]
    WrongSize {
        /// The size required.
        expected: usize,
        /// The size given.
        actual: usize,
    },
    /// The randomness source failed.
    #[error("the random number source failed")]
    Random,

    // ---- keys and key slots (se-format.md §1.3, §1.4) ----------------------------
    /// A 160-byte coordinate encoding had non-zero padding or is not a point on P-521.
    #[error("invalid P-521 public key coordinates")]
    InvalidPublicKey,
    /// A private key could not be parsed or is not a valid P-521 scalar.
    #[error("invalid P-521 private key")]
    InvalidPrivateKey,
    /// No key slot matches the given host key.
    #[error("no key slot matches the host key")]
    NoMatchingKeySlot,
    /// Unwrapping a key slot failed (wrong key or tampered slot).
    #[error("key slot authentication failed")]
    KeySlotAuth,
    /// The two halves of an AES-XTS key are equal (OpenSSL: "xts duplicated keys").
    #[error("the two halves of the AES-XTS key are equal")]
    XtsDuplicatedKeys,
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
