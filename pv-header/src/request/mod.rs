//! Attestation and add-secret requests to the Ultravisor (se-format.md §4).
//!
//! Both request types share one [`envelope`] (§4.1): a 48-byte header, request-specific
//! authenticated data, a fresh customer P-521 key, one [`Keyslot`](crate::keyslot::Keyslot)
//! per host key, optional trailing authenticated data, an AES-256-GCM encrypted area and the
//! tag. On top of it:
//!
//! - [`arcb`]: the attestation request control block v1 (§4.2), built by a customer and
//!   opened by the Ultravisor (or by the customer again, who holds the customer key);
//! - [`measurement`]: the boot-header tags, the additional data and the HMAC-SHA512
//!   attestation measurement (§4.3);
//! - [`exchange`]: the `pvattest` exchange file v1 (§4.4);
//! - [`asrcb`], [`secret_kind`], [`user_data`]: the add-secret request v1 (§4.5), the
//!   secret types and the optional (signed) user data;
//! - [`secret_list`]: the list-secrets page and retrieved secrets (§4.6).
//!
//! Builders take their randomness from a [`RandomSource`](crate::rand::RandomSource) or
//! from explicit values ([`RequestKeys::new`]), so fixed inputs give fixed bytes. Openers
//! check the fields in the order the Ultravisor reports them (uv-spec.md §1.6), so a UV
//! model can map each error to its return reason code.

pub mod arcb;
pub mod asrcb;
pub mod envelope;
pub mod exchange;
pub mod measurement;
pub mod secret_kind;
pub mod secret_list;
pub mod user_data;

pub use arcb::{
    AttestationFlags, AttestationRequest, MeasurementAlgorithm, OpenedAttestationRequest,
};
pub use asrcb::{AddSecretFlags, AddSecretRequest, ExtensionSecret, OpenedAddSecretRequest};
pub use envelope::{Envelope, RequestKeys, RequestOpener};
pub use exchange::{ExchangeRequest, ExchangeResponse};
pub use measurement::{AdditionalData, BootHdrTags, MeasurementInput};
pub use secret_kind::{GuestSecret, SecretId, SecretKind};
pub use secret_list::{RetrievedSecret, SecretEntry, SecretList};
pub use user_data::{UserData, UserDataType};

/// The two request types that share the envelope (§4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Attestation request control block (magic: 8 zero bytes).
    Attestation,
    /// Add-secret request control block (magic `asrcbM` + user-data type).
    AddSecret,
}

impl core::fmt::Display for RequestKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Attestation => "attestation",
            Self::AddSecret => "add-secret",
        })
    }
}

/// The five entries of a `pvattest` exchange file, in file order (§4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeField {
    /// The attestation request (ARCB).
    Arcb,
    /// The measurement (or its expected size, in a request).
    Measurement,
    /// The additional data (or its expected size, in a request).
    Additional,
    /// The user data.
    UserData,
    /// The configuration unique id.
    ConfigUid,
}

impl core::fmt::Display for ExchangeField {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Arcb => "attestation request",
            Self::Measurement => "measurement",
            Self::Additional => "additional data",
            Self::UserData => "user data",
            Self::ConfigUid => "configuration unique id",
        })
    }
}

/// Big-endian u16 at `off` (the caller has checked the length).
pub(crate) fn be16(b: &[u8], off: usize) -> u16 {
    u16::from_be_bytes([b[off], b[off + 1]])
}

/// Big-endian u32 at `off` (the caller has checked the length).
pub(crate) fn be32(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// Big-endian u64 at `off` (the caller has checked the length).
pub(crate) fn be64(b: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_be_bytes(a)
}

/// Copies `N` bytes at `off` (the caller has checked the length).
pub(crate) fn array_at<const N: usize>(b: &[u8], off: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[off..off + N]);
    a
}
