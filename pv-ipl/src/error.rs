//! The one error type of this crate (DESIGN.md "Style": typed, with fields, no `String`
//! catch-alls). Architected DIAG 308 outcomes (response codes, program exceptions) are
//! values in [`crate::diag308`], not errors.

/// Errors of `pv-ipl`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- IPL information blocks (uv-spec.md §6.4, se-format.md §3.6) ---------------
    /// A buffer is shorter than the structure (or the declared length) to be read.
    #[error("input too short: need {need} bytes, have {have}")]
    TooShort {
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The IPIB length field exceeds the 4096-byte maximum.
    #[error("IPIB length {len} exceeds the maximum of 4096 bytes")]
    IpibTooLong {
        /// The declared length.
        len: u32,
    },
    /// The IPIB is shorter than the minimum its block type requires.
    #[error("IPIB of type {pbt} has length {len}, below the minimum {min}")]
    IpibTooShortForType {
        /// The parameter-block type.
        pbt: u8,
        /// The declared total length.
        len: u32,
        /// The minimum for this type.
        min: u32,
    },
    /// A fixed-size block type has another length.
    #[error("IPIB of type {pbt} must be {expected} bytes long, got {len}")]
    IpibLengthForType {
        /// The parameter-block type.
        pbt: u8,
        /// The declared total length.
        len: u32,
        /// The required length.
        expected: u32,
    },
    /// The parameter-block length is not the IPIB length minus the 8-byte list header.
    #[error("parameter block length {blk_len} does not match IPIB length {len} - 8")]
    BlockLength {
        /// The declared total length.
        len: u32,
        /// The declared parameter-block length.
        blk_len: u32,
    },
    /// A block of one type was expected, another was found.
    #[error("expected parameter block type {expected}, found {found}")]
    WrongBlockType {
        /// The expected type.
        expected: u8,
        /// The type found.
        found: u8,
    },
    /// A reserved byte is not zero.
    #[error("reserved byte at offset {offset:#x} is not zero")]
    ReservedNotZero {
        /// Offset of the first non-zero reserved byte inside the IPIB.
        offset: usize,
    },
    /// The PV parameter block has a version other than 1.
    #[error("unsupported PV parameter block version {version}")]
    UnsupportedPvVersion {
        /// The version found.
        version: u8,
    },
    /// The number of PV components does not match the IPIB length.
    #[error("IPIB length {len} does not fit {num_comp} PV components")]
    ComponentCount {
        /// The component count field.
        num_comp: u32,
        /// The declared total length.
        len: u32,
    },
    /// A PV IPIB lists no components.
    #[error("the PV IPIB lists no components")]
    NoComponents,
    /// A PV component address is not 4 KiB aligned.
    #[error("PV component {index} address {addr:#x} is not page aligned")]
    ComponentNotAligned {
        /// Index of the component in the IPIB.
        index: usize,
        /// Its address.
        addr: u64,
    },
    /// PV tweak prefixes are not strictly increasing.
    #[error("PV component {index} tweak prefix is not above its predecessor's")]
    TweakPrefixOrder {
        /// Index of the offending component.
        index: usize,
    },
    /// The SE header named by a PV IPIB is larger than 8192 bytes.
    #[error("SE header size {size} exceeds 8192 bytes")]
    HeaderTooLarge {
        /// The declared header size.
        size: u64,
    },
    /// The list-directed (FCP, NVMe) SCP data length does not match the IPIB length.
    #[error("SCP data length {scp_data_len} does not match IPIB length {len}")]
    ScpDataLength {
        /// The SCP data length field.
        scp_data_len: u32,
        /// The declared total length.
        len: u32,
    },
    /// The CCW VM parameter length exceeds its 64-byte field.
    #[error("VM parameter length {vm_parm_len} exceeds 64")]
    VmParmLength {
        /// The length field.
        vm_parm_len: u32,
    },
    /// A value does not fit the field it is written to.
    #[error("value too large for its field: {what}")]
    FieldOverflow {
        /// Which field.
        what: &'static str,
    },

    // ---- image layout (se-format.md §3) -------------------------------------------
    /// The number of host keys is outside 1..=95.
    #[error("the number of host keys must be 1 to 95, got {nks}")]
    KeyCount {
        /// The count given.
        nks: usize,
    },
    /// A component kind appears twice, or the kernel is missing.
    #[error("invalid component set: {reason}")]
    ComponentSet {
        /// What is wrong.
        reason: &'static str,
    },
    /// An address computation overflowed (a component is absurdly large).
    #[error("image address overflow")]
    AddressOverflow,
    /// stage3a does not fit below the header area or is too short for its argument block.
    #[error("stage3a of {len} bytes does not fit")]
    Stage3aSize {
        /// Its length.
        len: u64,
    },
    /// stage3b is shorter than its 64-byte argument block.
    #[error("stage3b of {len} bytes is shorter than its argument block")]
    Stage3bSize {
        /// Its length.
        len: u64,
    },
    /// The metadata at 0xc000 does not start with `SeImgLnx`.
    #[error("no SeImgLnx image metadata")]
    NoMetadata,
    /// A loader argument block points outside the image.
    #[error("loader argument block inconsistent with the image layout")]
    LoaderArgs,

    // ---- image reader -------------------------------------------------------------
    /// The image is shorter than a structure it must contain.
    #[error("image too short: need {need} bytes, have {have}")]
    ImageTooShort {
        /// Bytes needed.
        need: u64,
        /// Bytes in the image.
        have: u64,
    },

    // ---- lower layers -------------------------------------------------------------
    /// An error from `pv-header` (header building, component preparation).
    #[error(transparent)]
    Header(#[from] pv_header::Error),
    /// An I/O error while reading inputs or writing the image.
    #[cfg(feature = "std")]
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
