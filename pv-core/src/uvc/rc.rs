//! UVC response codes (rc) and return reason codes (rrc): the generic codes of
//! uv-spec.md §1.3 and the per-command codes of §1.6.
//!
//! Codes marked *\[inferred\]* are not given by any source; pvsim uses them for a
//! condition the spec names without a code (uv-spec.md §11 items 3 and 5). Every other
//! code is the one the spec lists.

/// Success (cc 0).
pub const EXECUTED: u16 = 0x0001;
/// Unknown command, or not available to this caller, or not installed.
pub const INV_CMD: u16 = 0x0002;
/// The object is not in a state that allows the command (also: UV not initialized).
pub const INV_STATE: u16 = 0x0003;
/// `header.len` is wrong.
pub const INV_LEN: u16 = 0x0005;
/// Defined by Linux and kvm-unit-tests, meaning unknown; pvsim never returns it.
pub const NO_RESUME: u16 = 0x0007;
/// The guest (configuration) handle is not valid.
pub const INV_GHANDLE: u16 = 0x0020;
/// The CPU handle is not valid.
pub const INV_CHANDLE: u16 = 0x0021;
/// Guest UVC: the home-space ASCE has the real-space bit set.
pub const GUEST_ASCE_REAL: u16 = 0x0030;
/// Guest UVC: address-translation exception on a request area.
pub const GUEST_TRANSLATION: u16 = 0x0031;
/// Guest UVC: a request address translates to an invalid address.
pub const GUEST_INVALID_ADDR: u16 = 0x0032;
/// cc 1 but the output is valid and there is more (QUI, List Secrets).
pub const MORE_DATA: u16 = 0x0100;
/// ORed into a Create Secure Configuration error when a handle was assigned anyway.
pub const NEED_DESTROY: u16 = 0x8000;

/// Initialize Ultravisor (0x000f).
pub mod init {
    /// The UV is already initialized.
    pub const ALREADY_INITIALIZED: u16 = 0x0101;
    /// More than one host CPU is operating.
    pub const TOO_MANY_CPUS: u16 = 0x0102;
    /// The (truncated) length is below `uv_base_stor_len`.
    pub const STORAGE_TOO_SMALL: u16 = 0x0103;
    /// The origin is not backed by memory.
    pub const ORIGIN_NOT_BACKED: u16 = 0x0104;
    /// Origin + length exceeds the available memory.
    pub const EXCEEDS_MEMORY: u16 = 0x0105;
    /// The origin is below 2 GiB.
    pub const BELOW_2G: u16 = 0x0108;
}

/// Create Secure Configuration (0x0100).
pub mod cgc {
    /// MSO above `max_guest_stor_addr`.
    pub const MSO_TOO_HIGH: u16 = 0x0101;
    /// MSO + MSL above `max_guest_stor_addr`.
    pub const MSL_TOO_HIGH: u16 = 0x0102;
    /// *\[inferred\]* `max_num_sec_conf` configurations exist already.
    pub const TOO_MANY_CONFIGS: u16 = 0x0103;
    /// The ASCE is used by another secure configuration (the spec requires ≥ 0x0104).
    pub const ASCE_IN_USE: u16 = 0x0104;
    /// The ASCE is invalid (private-space bit missing or real-space bit set).
    pub const ASCE_INVALID: u16 = 0x0105;
    /// *\[inferred\]* Base storage not page aligned, or not available (already donated or
    /// secure).
    pub const BASE_UNAVAILABLE: u16 = 0x0106;
    /// The base storage lies beyond the available memory.
    pub const BASE_BEYOND_MEMORY: u16 = 0x0108;
    /// The base storage overlaps a lowcore/prefix area.
    pub const BASE_IN_LOWCORE: u16 = 0x0109;
    /// *\[inferred\]* Variable storage not page aligned, beyond memory or not available.
    pub const VAR_UNAVAILABLE: u16 = 0x010a;
    /// The SCA origin is 0.
    pub const SCA_ZERO: u16 = 0x010c;
    /// The SCA is not accessible.
    pub const SCA_INACCESSIBLE: u16 = 0x010d;
    /// The variable storage contains a lowcore.
    pub const VAR_IN_LOWCORE: u16 = 0x010e;
    /// *\[inferred\]* AP flags given but the AP features are not installed.
    pub const FLAGS_UNSUPPORTED: u16 = 0x0107;
}

/// Destroy Secure Configuration Fast (0x0102).
pub mod dsc_fast {
    /// AP queues are still bound to the configuration.
    pub const APQNS_BOUND: u16 = 0x0104;
}

/// Create Secure CPU (0x0120).
pub mod csc {
    /// `num` above `max_guest_cpu_id`.
    pub const NUM_TOO_HIGH: u16 = 0x0103;
    /// A CPU with this number exists in the configuration.
    pub const NUM_IN_USE: u16 = 0x0104;
    /// The CPU storage is not accessible (pvsim: also unaligned or already donated
    /// *\[inferred\]*).
    pub const STOR_INACCESSIBLE: u16 = 0x0105;
    /// The CPU storage lies in a lowcore.
    pub const STOR_IN_LOWCORE: u16 = 0x0106;
    /// The state description is not accessible.
    pub const STATE_INACCESSIBLE: u16 = 0x0107;
}

/// Set Secure Configuration Parameters (0x0300): rc and rrc pairs.
pub mod ssc {
    /// Access exception reading the SE header.
    pub const HDR_ACCESS: u16 = 0x0103;
    /// rc: SE header version not supported.
    pub const VERSION: u16 = 0x0104;
    /// rrc with [`VERSION`].
    pub const RRC_VERSION: u16 = 0x0001;
    /// rc: unsupported plaintext control flag.
    pub const PCF: u16 = 0x0106;
    /// rrc with [`PCF`].
    pub const RRC_PCF: u16 = 0x0030;
    /// *\[inferred\]* rc: the XTS component key is unusable (both halves equal).
    pub const XTS_KEY: u16 = 0x0107;
    /// rc: key problems.
    pub const KEY: u16 = 0x0108;
    /// rrc with [`KEY`]: no key slot matches the host key.
    pub const RRC_NO_KEYSLOT: u16 = 0x0005;
    /// *\[inferred\]* rrc with [`KEY`]: the key slot or the header does not authenticate.
    pub const RRC_AUTH: u16 = 0x0006;
    /// rrc with [`KEY`]: the customer ECDH public key is invalid.
    pub const RRC_CUST_KEY: u16 = 0x000b;
    /// rrc with [`KEY`]: backup host key hash mismatch.
    pub const RRC_BACKUP_KEY: u16 = 0x0034;
    /// rc: unsupported secret control flag (rrc 0).
    pub const SCF: u16 = 0x0109;
    /// rc: size problems.
    pub const SIZE: u16 = 0x010a;
    /// rrc with [`SIZE`]: the header size field does not match.
    pub const RRC_HDR_SIZE: u16 = 0x0031;
    /// rrc with [`SIZE`]: the size of the encrypted area is invalid.
    pub const RRC_SEA: u16 = 0x0039;
    /// rrc with [`SIZE`]: the header contains no key slots.
    pub const RRC_NO_KEYSLOTS: u16 = 0x0040;
}

/// Unpack (0x0301) and Convert to Secure Storage (0x0200).
pub mod import {
    /// *\[inferred\]* The page belongs to another configuration or is UV storage.
    pub const OTHER_OWNER: u16 = 0x0105;
    /// The page is already secure (a success for import callers; a failure for Unpack).
    pub const ALREADY_SECURE: u16 = 0x0104;
    /// *\[inferred\]* Unpack: the guest address is not page aligned.
    pub const UNALIGNED: u16 = 0x0106;
    /// *\[inferred\]* Import: the exported page failed its integrity check (modified,
    /// moved or replayed).
    pub const INTEGRITY: u16 = 0x0107;
    /// The page is not mapped in the configuration (callers fault it in and retry).
    pub const NOT_MAPPED: u16 = 0x010a;
}

/// Verify Unpack (0x0302).
pub mod verify {
    /// rc: a digest or the page count does not match the header.
    pub const MISMATCH: u16 = 0x0102;
    /// rrc: address list digest mismatch.
    pub const RRC_ALD: u16 = 0x001a;
    /// rrc: page list digest mismatch.
    pub const RRC_PLD: u16 = 0x001b;
    /// rrc: tweak list digest mismatch.
    pub const RRC_TLD: u16 = 0x001c;
    /// rrc: number of encrypted pages mismatch.
    pub const RRC_NEP: u16 = 0x001d;
}

/// Convert from Secure Storage (0x0201), Destroy Secure Storage (0x0202), Pin Page
/// Shared (0x0341), Unpin Page Shared (0x0342).
pub mod page {
    /// *\[inferred\]* Pin/Unpin: the page is not in the state the call needs (pin:
    /// secure and shared; unpin: pinned or shared).
    pub const NOT_SHARED: u16 = 0x0101;
    /// *\[inferred\]* The page is UV-donated storage, or lies beyond memory.
    pub const NOT_GUEST_PAGE: u16 = 0x0102;
    /// *\[inferred\]* Export: the owning configuration no longer exists (destroy the
    /// page instead).
    pub const OWNER_GONE: u16 = 0x0103;
    /// Older firmware, Destroy Secure Storage on a non-secure page (pvsim: newer
    /// behaviour, a no-op success; the code is kept for reference).
    pub const DESTROY_NOT_SECURE: u16 = 0x0107;
    /// rrc with [`DESTROY_NOT_SECURE`].
    pub const RRC_DESTROY_NOT_SECURE: u16 = 0x000d;
}

/// Set CPU State (0x0330).
pub mod cpu_state {
    /// *\[inferred\]* The state value is not 1, 2, 3 or 5.
    pub const INVALID_STATE: u16 = 0x0101;
}

/// Set Shared Access / Remove Shared Access (0x1000 / 0x1001).
pub mod share {
    /// The page address lies outside guest memory.
    pub const OUTSIDE: u16 = 0x0101;
    /// *\[inferred\]* The page is not a secure page of the calling configuration.
    pub const NOT_SECURE: u16 = 0x0102;
}

/// Retrieve Attestation Measurement (0x1020).
pub mod attest {
    /// Continuation token ≠ 0.
    pub const TOKEN: u16 = 0x0101;
    /// `user_data_len` > 256.
    pub const USER_DATA_LEN: u16 = 0x0102;
    /// Access exception on the ARCB.
    pub const ARCB_ACCESS: u16 = 0x0103;
    /// Access exception on the measurement area.
    pub const MEAS_ACCESS: u16 = 0x0104;
    /// Access exception on the additional-data area.
    pub const ADD_ACCESS: u16 = 0x0105;
    /// Unsupported ARCB version.
    pub const VERSION: u16 = 0x0106;
    /// ARCB length does not match the version.
    pub const LENGTH: u16 = 0x0107;
    /// Number of key slots 0 or above the version maximum.
    pub const NKS: u16 = 0x0108;
    /// Size of the encrypted area wrong.
    pub const SEA: u16 = 0x0109;
    /// Unsupported plaintext attestation flag.
    pub const FLAGS: u16 = 0x010a;
    /// Unsupported measurement algorithm.
    pub const ALGORITHM: u16 = 0x010b;
    /// Cannot decrypt/unseal the ARCB.
    pub const UNSEAL: u16 = 0x010c;
    /// `measurement_len` too small.
    pub const MEAS_LEN: u16 = 0x010d;
    /// `add_data_len` too small.
    pub const ADD_LEN: u16 = 0x010e;
}

/// Add Secret (0x1031) and Lock Secret Store (0x1034).
pub mod secret {
    /// Not allowed to modify the store (pvsim: the request is bound to another image or
    /// configuration *\[inferred\]*).
    pub const NOT_ALLOWED: u16 = 0x0101;
    /// The store is locked.
    pub const LOCKED: u16 = 0x0102;
    /// Access exception on the request.
    pub const ACCESS: u16 = 0x0103;
    /// Unsupported request version.
    pub const VERSION: u16 = 0x0104;
    /// Invalid request size.
    pub const SIZE: u16 = 0x0105;
    /// Invalid number of host keys.
    pub const NKS: u16 = 0x0106;
    /// Unsupported flags.
    pub const FLAGS: u16 = 0x0107;
    /// Cannot decrypt.
    pub const DECRYPT: u16 = 0x0108;
    /// Unsupported secret.
    pub const UNSUPPORTED: u16 = 0x0109;
    /// Invalid secret length.
    pub const LENGTH: u16 = 0x010a;
    /// Store full.
    pub const FULL: u16 = 0x010b;
    /// Unable to add (pvsim: a secret with this id exists *\[inferred\]*).
    pub const UNABLE: u16 = 0x010c;
    /// Dump in progress.
    pub const DUMPING: u16 = 0x010d;
}

/// List Secrets (0x1033) and Retrieve Secret (0x1035).
pub mod retrieve {
    /// Access exception on the output buffer (List Secrets too *\[inferred\]*).
    pub const ACCESS: u16 = 0x0102;
    /// Buffer too small.
    pub const BUF_SMALL: u16 = 0x0109;
    /// The store is empty.
    pub const EMPTY: u16 = 0x010f;
    /// No secret with that index.
    pub const NO_INDEX: u16 = 0x0110;
    /// The secret is not retrievable.
    pub const NOT_RETRIEVABLE: u16 = 0x0111;
}

/// Dump Initialize / Configuration Storage State / CPU / Complete (0x0400-0x0403).
pub mod dump {
    /// *\[inferred\]* Dumping is not allowed (PCF "allow dumping" not set, or disabled by
    /// an add-secret request).
    pub const NOT_ALLOWED: u16 = 0x0101;
    /// *\[inferred\]* Access exception on the dump area, or the address is not 1 MiB
    /// aligned / outside guest storage.
    pub const ACCESS: u16 = 0x0102;
}
