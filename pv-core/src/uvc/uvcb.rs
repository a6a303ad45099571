//! The UVCB header (uv-spec.md §1.2) and the host-command UVCB layouts (§1.5).
//!
//! Every layout is declared with `uvcb!`: explicit offsets, big-endian fields, the
//! command and the length, with a compile-time assertion that the fields fit. Reserved
//! bytes are not represented; encoding leaves them zero.

use super::cmd::UvcCmd;
use super::field::uvcb;
use crate::be::{get_u16, put_u16};

/// Size of the UVCB header.
pub const HEADER_LEN: usize = 8;
/// The largest UVCB of any command (Query Ultravisor Keys, 0x200 bytes).
pub const MAX_UVCB_LEN: usize = 0x200;

/// The 8-byte header at offset 0 of every UVCB (uv-spec.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UvcbHeader {
    /// 0x00, in: the UVCB length.
    pub len: u16,
    /// 0x02, in: the command code.
    pub cmd: u16,
    /// 0x04, out: the response code.
    pub rc: u16,
    /// 0x06, out: the return reason code.
    pub rrc: u16,
}

impl UvcbHeader {
    /// A request header for `cmd` with length `len` (rc and rrc zero).
    pub const fn new(cmd: UvcCmd, len: u16) -> Self {
        Self { len, cmd: cmd.code(), rc: 0, rrc: 0 }
    }

    /// Reads the header; `None` if `b` has fewer than 8 bytes.
    pub fn read(b: &[u8]) -> Option<Self> {
        Some(Self {
            len: get_u16(b, 0)?,
            cmd: get_u16(b, 2)?,
            rc: get_u16(b, 4)?,
            rrc: get_u16(b, 6)?,
        })
    }

    /// Writes the header into the first 8 bytes (nothing if `b` is shorter).
    pub fn write(&self, b: &mut [u8]) {
        if b.len() >= HEADER_LEN {
            put_u16(b, 0, self.len);
            put_u16(b, 2, self.cmd);
            put_u16(b, 4, self.rc);
            put_u16(b, 6, self.rrc);
        }
    }

    /// Writes only rc and rrc (what the UV stores back).
    pub fn write_response(b: &mut [u8], rc: u16, rrc: u16) {
        if b.len() >= HEADER_LEN {
            put_u16(b, 4, rc);
            put_u16(b, 6, rrc);
        }
    }
}

/// A UVCB layout: the fields after the header of one command (uv-spec.md §1.5).
pub trait Uvcb: Sized {
    /// The command this UVCB belongs to.
    const CMD: UvcCmd;
    /// The UVCB length the command requires (the UV's full size for QUI).
    const LEN: usize;
    /// Reads every field from `b` (fields beyond `b` read as zero).
    fn decode(b: &[u8]) -> Self;
    /// Writes every field into `b` (fields beyond `b` are skipped); the header and
    /// reserved bytes are left as they are.
    fn encode_into(&self, b: &mut [u8]);

    /// The complete UVCB image: header `{LEN, CMD, 0, 0}` and the fields, in the first
    /// [`Self::LEN`] bytes of a [`MAX_UVCB_LEN`] buffer.
    fn to_image(&self) -> [u8; MAX_UVCB_LEN] {
        let mut b = [0u8; MAX_UVCB_LEN];
        UvcbHeader::new(Self::CMD, Self::LEN as u16).write(&mut b);
        self.encode_into(&mut b[..Self::LEN]);
        b
    }
}

uvcb! {
    /// Initialize Ultravisor, 0x48 bytes (uv-spec.md §1.5 "init").
    pub struct InitUvcb (UvcCmd::Init, 0x48) {
        /// 0x18, in: absolute origin of the donated storage.
        stor_origin: u64 = 0x18,
        /// 0x20, in: its length.
        stor_len: u64 = 0x20,
    }
}

uvcb! {
    /// Create Secure Configuration, 0x80 bytes (uv-spec.md §1.5 "cgc").
    pub struct CgcUvcb (UvcCmd::CreateConfig, 0x80) {
        /// 0x18, out: the guest (configuration) handle.
        guest_handle: u64 = 0x18,
        /// 0x20, in: absolute origin of the base storage.
        conf_base_stor_origin: u64 = 0x20,
        /// 0x28, in: origin of the variable storage (host virtual).
        conf_virt_stor_origin: u64 = 0x28,
        /// 0x36, in: flags (0x0001 AP instructions, 0x0002 AP interrupts).
        flags: u16 = 0x36,
        /// 0x38, in: main-storage origin (MSO).
        guest_stor_origin: u64 = 0x38,
        /// 0x40, in: main-storage length (MSL).
        guest_stor_len: u64 = 0x40,
        /// 0x48, in: absolute SCA origin.
        guest_sca: u64 = 0x48,
        /// 0x50, in: the guest ASCE.
        guest_asce: u64 = 0x50,
    }
}

uvcb! {
    /// Create Secure CPU, 0x60 bytes (uv-spec.md §1.5 "csc").
    pub struct CscUvcb (UvcCmd::CreateCpu, 0x60) {
        /// 0x18, out: the CPU handle.
        cpu_handle: u64 = 0x18,
        /// 0x20, in: the guest handle.
        guest_handle: u64 = 0x20,
        /// 0x28, in: absolute origin of the donated CPU storage.
        stor_origin: u64 = 0x28,
        /// 0x36, in: the CPU number.
        num: u16 = 0x36,
        /// 0x38, in: absolute address of the CPU's state description.
        state_origin: u64 = 0x38,
    }
}

uvcb! {
    /// Convert to Secure Storage, 0x28 bytes (uv-spec.md §1.5 "cts").
    pub struct CtsUvcb (UvcCmd::ConvertToSecure, 0x28) {
        /// 0x18: the guest handle.
        guest_handle: u64 = 0x18,
        /// 0x20: the guest absolute address.
        gaddr: u64 = 0x20,
    }
}

uvcb! {
    /// Unpin Page Shared, 0x28 bytes (same layout as "cts").
    pub struct UnpinUvcb (UvcCmd::UnpinShared, 0x28) {
        /// 0x18: the guest handle.
        guest_handle: u64 = 0x18,
        /// 0x20: the guest absolute address.
        gaddr: u64 = 0x20,
    }
}

uvcb! {
    /// Convert from Secure Storage, 0x20 bytes (uv-spec.md §1.5 "cfs").
    pub struct CfsUvcb (UvcCmd::ConvertFromSecure, 0x20) {
        /// 0x18: host absolute address of the page frame.
        paddr: u64 = 0x18,
    }
}

uvcb! {
    /// Destroy Secure Storage, 0x20 bytes (same layout as "cfs").
    pub struct DestroyPageUvcb (UvcCmd::DestroyPage, 0x20) {
        /// 0x18: host absolute address of the page frame.
        paddr: u64 = 0x18,
    }
}

uvcb! {
    /// Pin Page Shared, 0x20 bytes (same layout as "cfs").
    pub struct PinUvcb (UvcCmd::PinShared, 0x20) {
        /// 0x18: host absolute address of the page frame.
        paddr: u64 = 0x18,
    }
}

uvcb! {
    /// Set Secure Configuration Parameters, 0x50 bytes (uv-spec.md §1.5 "ssc").
    pub struct SscUvcb (UvcCmd::SetParams, 0x50) {
        /// 0x18: the guest handle.
        guest_handle: u64 = 0x18,
        /// 0x20: origin of the SE header (host virtual).
        sec_header_origin: u64 = 0x20,
        /// 0x28: its length.
        sec_header_len: u32 = 0x28,
    }
}

uvcb! {
    /// Unpack, 0x50 bytes (uv-spec.md §1.5 "unp").
    pub struct UnpackUvcb (UvcCmd::Unpack, 0x50) {
        /// 0x18: the guest handle.
        guest_handle: u64 = 0x18,
        /// 0x20: guest absolute address of the page.
        gaddr: u64 = 0x20,
        /// 0x28: `tweak[0]`, the component tweak prefix.
        tweak0: u64 = 0x28,
        /// 0x30: `tweak[1]`, the page's byte offset inside its component.
        tweak1: u64 = 0x30,
    }
}

/// The "nodata" layout (0x40 bytes, uv-spec.md §1.5): one handle at 0x18. Used by every
/// command whose UVCB carries only a handle; the command is given at encode time by
/// [`NodataUvcb::image`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodataUvcb {
    /// 0x18: configuration or CPU handle (0 for Lock Secret Store).
    pub handle: u64,
}

/// Length of a "nodata" UVCB.
pub const NODATA_LEN: usize = 0x40;

impl NodataUvcb {
    /// The UVCB image for `cmd` (which must be a 0x40-byte nodata command).
    pub fn image(&self, cmd: UvcCmd) -> [u8; MAX_UVCB_LEN] {
        let mut b = [0u8; MAX_UVCB_LEN];
        UvcbHeader::new(cmd, NODATA_LEN as u16).write(&mut b);
        crate::be::put_u64(&mut b, 0x18, self.handle);
        b
    }

    /// Reads the handle.
    pub fn decode(b: &[u8]) -> Self {
        Self { handle: crate::be::get_u64(b, 0x18).unwrap_or(0) }
    }
}

uvcb! {
    /// Destroy Secure Configuration Fast, 0x48 bytes (uv-spec.md §1.5 "destroy_fast").
    pub struct DestroyFastUvcb (UvcCmd::DestroyConfigFast, 0x48) {
        /// 0x18: the guest handle.
        handle: u64 = 0x18,
    }
}

uvcb! {
    /// Set CPU State, 0x50 bytes (uv-spec.md §1.5 "cpu_set_state").
    pub struct CpuSetStateUvcb (UvcCmd::SetCpuState, 0x50) {
        /// 0x18: the CPU handle.
        cpu_handle: u64 = 0x18,
        /// 0x27: the state (1 operating, 2 stopped, 3 check-stop, 5 operating-load).
        state: u8 = 0x27,
    }
}

uvcb! {
    /// Dump CPU, 0x50 bytes (uv-spec.md §1.5 "dump_cpu").
    pub struct DumpCpuUvcb (UvcCmd::DumpCpu, 0x50) {
        /// 0x18: the CPU handle.
        cpu_handle: u64 = 0x18,
        /// 0x20: the dump area (`cpu_stor_len` bytes written).
        dump_area_origin: u64 = 0x20,
    }
}

uvcb! {
    /// Dump Configuration Storage State, 0x50 bytes (uv-spec.md §1.5 "dump_stor_state").
    pub struct DumpStorStateUvcb (UvcCmd::DumpStorState, 0x50) {
        /// 0x18: the guest handle.
        config_handle: u64 = 0x18,
        /// 0x20: the dump area (`conf_dump_storage_state_len` bytes written).
        dump_area_origin: u64 = 0x20,
        /// 0x28: the 1 MiB aligned guest address of the block.
        gaddr: u64 = 0x28,
    }
}

uvcb! {
    /// Dump Complete, 0x50 bytes (uv-spec.md §1.5 "dump_complete").
    pub struct DumpCompleteUvcb (UvcCmd::DumpComplete, 0x50) {
        /// 0x18: the guest handle.
        config_handle: u64 = 0x18,
        /// 0x20: the dump area (`conf_dump_finalize_len` bytes written).
        dump_area_origin: u64 = 0x20,
    }
}

uvcb! {
    /// Query Ultravisor Keys, 0x200 bytes (uv-spec.md §1.5 "query_keys"): 15 key hashes
    /// of 32 bytes (index 0 host key, 1 backup host key).
    pub struct QueryKeysUvcb (UvcCmd::QueryKeys, 0x200) {
        /// 0x20, out: 15 × 32-byte hashes.
        key_hashes: [u8; 480] = 0x20,
    }
}

impl QueryKeysUvcb {
    /// Hash number `i` (0..15).
    pub fn key_hash(&self, i: usize) -> Option<[u8; 32]> {
        self.key_hashes.get(i * 32..i * 32 + 32)?.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = UvcbHeader { len: 0x48, cmd: 0x000f, rc: 1, rrc: 2 };
        let mut b = [0u8; 8];
        h.write(&mut b);
        assert_eq!(b, [0, 0x48, 0, 0x0f, 0, 1, 0, 2]);
        assert_eq!(UvcbHeader::read(&b), Some(h));
        assert_eq!(UvcbHeader::read(&b[..7]), None);
        UvcbHeader::write_response(&mut b, 0x0101, 0);
        assert_eq!(&b[4..], &[1, 1, 0, 0]);
    }

    #[test]
    fn cgc_image_is_big_endian_at_spec_offsets() {
        let u = CgcUvcb {
            guest_handle: 0,
            conf_base_stor_origin: 0x0102_0304_0506_0708,
            conf_virt_stor_origin: 0x1000,
            flags: 0x0003,
            guest_stor_origin: 0x4000_0000,
            guest_stor_len: 0x1000_0000,
            guest_sca: 0x9000,
            guest_asce: 0x1234_5000 | 0x100,
        };
        let b = u.to_image();
        assert_eq!(&b[..4], &[0, 0x80, 0x01, 0x00]);
        assert_eq!(&b[0x20..0x28], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&b[0x36..0x38], &[0, 3]);
        assert_eq!(&b[0x50..0x58], &0x1234_5100u64.to_be_bytes());
        assert!(b[0x30..0x36].iter().all(|&x| x == 0));
        assert!(b[0x58..].iter().all(|&x| x == 0));
        assert_eq!(CgcUvcb::decode(&b[..0x80]), u);
    }

    #[test]
    fn set_state_byte_and_nodata() {
        let b = CpuSetStateUvcb { cpu_handle: 9, state: 5 }.to_image();
        assert_eq!(b[0x27], 5);
        assert_eq!(&b[..4], &[0, 0x50, 0x03, 0x30]);
        let n = NodataUvcb { handle: 0x77 }.image(UvcCmd::Verify);
        assert_eq!(&n[..4], &[0, 0x40, 0x03, 0x02]);
        assert_eq!(NodataUvcb::decode(&n).handle, 0x77);
    }

    #[test]
    fn query_keys_hashes() {
        let mut b = [0u8; 0x200];
        b[0x20 + 32] = 0xab;
        let q = QueryKeysUvcb::decode(&b);
        assert_eq!(q.key_hash(1).unwrap()[0], 0xab);
        assert_eq!(q.key_hash(15), None);
    }
}
