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

    // ---- requests (se-format.md §4) ----------------------------------------------
    /// The bytes do not start with the magic of the expected request type (§4.1).
    #[error("wrong magic: not an {kind} request")]
    RequestMagic {
        /// The request type that was expected.
        kind: crate::request::RequestKind,
    },
    /// The request version is not supported (only v1 = 0x0100).
    #[error("unsupported request version {version:#x}")]
    RequestVersion {
        /// The version found.
        version: u32,
    },
    /// The request length field does not fit the request (too small for its layout, or
    /// longer than the bytes given).
    #[error("invalid request length {rql:#x} ({available} bytes available)")]
    RequestLength {
        /// The rql field.
        rql: u32,
        /// The bytes available.
        available: usize,
    },
    /// The number of key slots is 0, above 255, or does not fit the request length.
    #[error("invalid number of key slots: {nks}")]
    RequestKeySlotCount {
        /// The number of key slots (or host keys) given.
        nks: usize,
    },
    /// The encrypted-area size does not fit the request or its type.
    #[error("invalid encrypted-area size {sea:#x}")]
    RequestEncryptedSize {
        /// The sea field.
        sea: u32,
    },
    /// Decrypting a request failed (wrong key or tampered request). Opaque on purpose.
    #[error("request authentication failed")]
    RequestAuth,
    /// An attestation request sets flags this model does not know (§4.2).
    #[error("unsupported attestation flags {flags:#018x}")]
    AttestationFlags {
        /// The unsupported flag bits.
        flags: u64,
    },
    /// The measurement algorithm id is not HMAC-SHA512 (1).
    #[error("unsupported measurement algorithm {mai}")]
    MeasurementAlgorithm {
        /// The algorithm id found.
        mai: u32,
    },
    /// The attestation measurement does not verify. Opaque on purpose.
    #[error("attestation measurement verification failed")]
    MeasurementVerify,
    /// User data is longer than its limit.
    #[error("user data too long: {len} bytes, at most {max}")]
    UserDataTooLong {
        /// The length given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Additional data does not have the size its flags ask for.
    #[error("additional data has {actual} bytes, the flags ask for {expected}")]
    AdditionalDataSize {
        /// The size the flags ask for.
        expected: usize,
        /// The size given.
        actual: usize,
    },
    /// An add-secret request sets flags this model does not know (§4.5).
    #[error("unsupported add-secret flags {flags:#018x}")]
    AddSecretFlags {
        /// The unsupported flag bits.
        flags: u64,
    },
    /// The secret type code is unknown (§4.5 table).
    #[error("unsupported secret type {kind:#06x}")]
    SecretType {
        /// The type code.
        kind: u16,
    },
    /// The secret value has a length its type does not allow.
    #[error("invalid length {len} for secret type {kind:#06x}")]
    SecretLength {
        /// The type code.
        kind: u16,
        /// The length given.
        len: usize,
    },
    /// The user-data type in the add-secret magic is unknown.
    #[error("unknown user-data type {code}")]
    UserDataType {
        /// The type code.
        code: u16,
    },
    /// This crate cannot sign (or verify) user data of this type (RSA-PSS is not
    /// implemented).
    #[error("user-data signatures of type {code} are not supported")]
    UserDataSigningUnsupported {
        /// The user-data type code.
        code: u16,
    },
    /// A user-data signature does not verify, or signing failed. Opaque on purpose.
    #[error("user-data signature verification failed")]
    UserDataSignature,
    /// The bytes are not an SE header, so no boot-header tags can be taken from them.
    #[error("not an SE header: cannot take the boot-header tags")]
    SeHeaderTags,
    /// A pvattest exchange file does not start with the magic `pvattest` (§4.4).
    #[error("not a pvattest exchange file (wrong magic)")]
    ExchangeMagic,
    /// The exchange-file version is not 0x0100.
    #[error("unsupported exchange-file version {version:#x}")]
    ExchangeVersion {
        /// The version found.
        version: u32,
    },
    /// An exchange-file entry points into the header or past the end of the file.
    #[error("exchange-file entry {field} is invalid")]
    ExchangeEntry {
        /// The entry.
        field: crate::request::ExchangeField,
    },
    /// An exchange file lacks an entry it must have.
    #[error("exchange file has no {field}")]
    ExchangeMissing {
        /// The entry.
        field: crate::request::ExchangeField,
    },
    /// An exchange-file entry has a size outside its limits.
    #[error("exchange-file entry {field} has an invalid size {size}")]
    ExchangeFieldSize {
        /// The entry.
        field: crate::request::ExchangeField,
        /// The size found.
        size: usize,
    },
    /// More secret-list entries than one list page holds (§4.6).
    #[error("{count} secret-list entries do not fit one page")]
    SecretListSize {
        /// The number of entries given.
        count: usize,
    },

    // ---- host-key documents (se-format.md §6.3; pvimg's verification rules) --------
    /// The bytes are neither a DER X.509 certificate nor PEM holding certificates.
    #[error("not a PEM or DER X.509 certificate")]
    CertDecode,
    /// The bytes are neither a DER X.509 CRL nor PEM holding CRLs.
    #[error("not a PEM or DER X.509 certificate revocation list")]
    CrlDecode,
    /// The input holds no certificate.
    #[error("no certificate found")]
    NoCertificate,
    /// The host-key document's public key is not an EC key on P-521 (secp521r1).
    #[error("the host-key document's public key is not an EC P-521 key ({algorithm})")]
    HkdKeyNotP521 {
        /// The key algorithm (and curve) found, as dotted OIDs.
        algorithm: alloc::string::String,
    },
    /// No root CA was given. There is no system trust store to fall back on.
    #[error("no root CA certificate given (--root-ca); there is no system trust store")]
    NoRootCa,
    /// No certificate has the subject of an IBM Z host-key signing key.
    #[error("no IBM Z signing key among the certificates")]
    NoIbmSigningKey,
    /// More than one certificate has the subject of an IBM Z host-key signing key.
    #[error("more than one IBM Z signing key among the certificates")]
    ManyIbmSigningKeys,
    /// The issuer of a chain certificate is not among the given certificates.
    #[error("unable to get the issuer certificate of '{subject}'")]
    ChainIssuerNotFound {
        /// Subject of the certificate whose issuer is missing.
        subject: alloc::string::String,
    },
    /// The chain ends at a self-signed certificate that is not a given root CA.
    #[error("self-signed certificate '{subject}' in the chain is not a trusted root CA")]
    ChainUntrustedRoot {
        /// Subject of the self-signed certificate.
        subject: alloc::string::String,
    },
    /// The chain needs more intermediate CAs than allowed.
    #[error("certificate chain too long: more than {max} intermediate CAs")]
    ChainTooLong {
        /// The most intermediate CAs allowed.
        max: usize,
    },
    /// A certificate that issues another one is not a CA (basic constraints, key usage or
    /// path length).
    #[error("'{subject}' may not issue certificates")]
    NotCa {
        /// Subject of the issuing certificate.
        subject: alloc::string::String,
    },
    /// A certificate is not valid yet at the verification time.
    #[error("certificate '{subject}' is not valid yet")]
    CertNotYetValid {
        /// Subject of the certificate.
        subject: alloc::string::String,
    },
    /// A certificate has expired at the verification time.
    #[error("certificate '{subject}' has expired")]
    CertExpired {
        /// Subject of the certificate.
        subject: alloc::string::String,
    },
    /// A certificate signature does not verify with its issuer's key.
    #[error("signature verification failed for certificate '{subject}'")]
    CertSignature {
        /// Subject of the certificate.
        subject: alloc::string::String,
    },
    /// A certificate's authority key identifier does not match its issuer.
    #[error("authority key identifier of '{subject}' does not match the issuer")]
    AkidMismatch {
        /// Subject of the certificate.
        subject: alloc::string::String,
    },
    /// A host-key document's issuer name is not the IBM Z signing key's subject.
    #[error("issuer of '{subject}' is not the IBM Z signing key")]
    IssuerMismatch {
        /// Subject of the host-key document.
        subject: alloc::string::String,
    },
    /// A certificate is listed in a valid CRL of its issuer.
    #[error("certificate '{subject}' has been revoked")]
    CertRevoked {
        /// Subject of the certificate.
        subject: alloc::string::String,
    },
    /// A certificate has a critical extension this verifier does not process.
    #[error("certificate '{subject}' has an unsupported critical extension {oid}")]
    UnsupportedCriticalExtension {
        /// Subject of the certificate.
        subject: alloc::string::String,
        /// The extension OID.
        oid: alloc::string::String,
    },
    /// A signature algorithm (or its parameters) is not supported.
    #[error("unsupported signature algorithm {oid}")]
    UnsupportedSignatureAlgorithm {
        /// The algorithm OID.
        oid: alloc::string::String,
    },
    /// A signer's public key cannot be used for the signature algorithm.
    #[error("unsupported or invalid public key in '{subject}'")]
    UnsupportedSignerKey {
        /// Subject of the signer's certificate.
        subject: alloc::string::String,
    },
    /// A signer's RSA key is shorter than 2048 bits (OpenSSL security level 2).
    #[error("key of '{subject}' is too weak: {bits} bits")]
    WeakKey {
        /// Subject of the signer's certificate.
        subject: alloc::string::String,
        /// The key size.
        bits: usize,
    },
    /// No CRL of the issuer of this certificate was given (`--offline`).
    #[error("no CRL to check the revocation of '{subject}'")]
    NoCrl {
        /// Subject of the certificate.
        subject: alloc::string::String,
    },
    /// No CRL of the issuer of this certificate was given, and this tool does not
    /// download CRLs; they must be given with `--crl`.
    #[error(
        "no CRL to check the revocation of '{subject}'; downloading CRLs is not supported, give them with --crl (distribution points: {uris:?})"
    )]
    CrlDownloadUnsupported {
        /// Subject of the certificate.
        subject: alloc::string::String,
        /// The certificate's CRL distribution points.
        uris: alloc::vec::Vec<alloc::string::String>,
    },
    /// A CRL signed with the issuer's key names a different issuer.
    #[error("CRL issuer '{issuer}' does not match the certificate issuer")]
    CrlIssuerMismatch {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
    },
    /// A CRL signature does not verify with the issuer's key.
    #[error("signature verification failed for the CRL of '{issuer}'")]
    CrlSignature {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
    },
    /// A CRL's authority key identifier does not match the issuer.
    #[error("authority key identifier of the CRL of '{issuer}' does not match")]
    CrlAkidMismatch {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
    },
    /// A CRL is not valid yet (thisUpdate is after the verification time).
    #[error("the CRL of '{issuer}' is not valid yet")]
    CrlNotYetValid {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
    },
    /// A CRL is outdated (nextUpdate is not after the verification time).
    #[error("the CRL of '{issuer}' has expired")]
    CrlExpired {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
    },
    /// A CRL has no nextUpdate, so its freshness cannot be judged.
    #[error("the CRL of '{issuer}' has no nextUpdate")]
    CrlNoNextUpdate {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
    },
    /// A CRL (or one of its entries) has a critical extension this verifier does not
    /// process (delta or indirect CRLs, partitioned by reasons).
    #[error("the CRL of '{issuer}' has an unsupported critical extension {oid}")]
    CrlUnsupportedCriticalExtension {
        /// The issuer named in the CRL.
        issuer: alloc::string::String,
        /// The extension OID.
        oid: alloc::string::String,
    },

    // ---- SE header (se-format.md §1, §3.7, §6.1, §6.2) ------------------------------
    /// No `IBMSecEx` where §3.7 looks for it (pvimg: "No Secure Execution header found.").
    #[error("No Secure Execution header found.")]
    HdrNotFound,
    /// The input ends inside the header (pvimg: I/O error "failed to fill whole buffer").
    #[error(
        "failed to fill whole buffer: the Secure Execution header needs {need} bytes, {have} available"
    )]
    HdrTruncated {
        /// Bytes needed from the start of the header.
        need: usize,
        /// Bytes available from the start of the header.
        have: usize,
    },
    /// The header's sizes or counts break the rules of §6.1 (or a builder was asked for
    /// 0 or more than 95 key slots).
    #[error("Invalid Secure Execution header")]
    InvalidHdr {
        /// Which rule was broken.
        defect: crate::hdr::HdrDefect,
    },
    /// The header version is not 0x100 (pvimg: "Could not match enum variant id = …").
    #[error("unknown Secure Execution header version {version:#x}")]
    UnknownHdrVersion {
        /// The version read.
        version: u32,
    },
    /// GCM authentication of the header failed. Opaque on purpose.
    #[error("Failed to authenticate and decrypt the Secure Execution header")]
    HdrAuth,
    /// The decrypted header has optional items (pvimg: "Assertion error … noi == 0").
    #[error(
        "Assertion error: the Secure Execution header has {noi} bytes of optional items, expected noi == 0"
    )]
    HdrOptionalItems {
        /// The `noi` value decrypted.
        noi: u32,
    },
    /// A UV key-hashes file is not exactly 15 lines of 64 hex digits.
    #[error("Invalid UV key hashes")]
    InvalidKeyHashes,

    // ---- secured components (se-format.md §2) ------------------------------------
    /// A secured component's address is not 4 KiB aligned.
    #[error("component address {addr:#x} is not 4 KiB aligned")]
    ComponentUnaligned {
        /// The address given.
        addr: u64,
    },
    /// A secured component starts below the end of the previous one (components must be
    /// in strictly increasing address order and must not overlap).
    #[error("component address {addr:#x} is below the end {previous_end:#x} of the previous one")]
    ComponentOverlap {
        /// The address given.
        addr: u64,
        /// The first byte after the previous component.
        previous_end: u64,
    },
    /// A page of a secured component would lie beyond the 64-bit address space.
    #[error("component at {addr:#x} runs past the end of the address space")]
    ComponentAddressOverflow {
        /// The component's address.
        addr: u64,
    },
    /// A secured component was finished without any page (an empty input is one zero page).
    #[error("a secured component needs at least one page")]
    ComponentEmpty,
    /// The original size of a secured component does not fit its number of pages.
    #[error("original size {original:#x} does not fit {pages} prepared pages")]
    ComponentSize {
        /// The original size given.
        original: u64,
        /// The number of pages prepared.
        pages: u64,
    },
    /// The secured components do not match the digests (PLD/ALD/TLD/page count) they were
    /// checked against. Opaque on purpose.
    #[error("secured component verification failed")]
    ComponentVerify,
    /// Reading or writing a component stream failed.
    #[cfg(feature = "std")]
    #[error("I/O error: {kind}")]
    Io {
        /// What kind of I/O error occurred.
        kind: std::io::ErrorKind,
    },
}

#[cfg(feature = "std")]
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io { kind: e.kind() }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
