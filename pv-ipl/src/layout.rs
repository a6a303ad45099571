//! The SE boot-image layout (se-format.md §3.1): where `pvimg create` places the short PSW,
//! the metadata, the loader, the SE header, the secured components and the IPIB. The
//! image is loaded at absolute 0, so an address is also a file offset.
//!
//! [`ImageLayout::plan`] reproduces pvimg's choices:
//! - stage3a (if any) at 0x10000;
//! - the header at `max(roundup(0x10000 + len(stage3a)), 0x14000)`, reserving the
//!   expected header size for the number of host keys, `560 + 80·nks`;
//! - the secured components, each at the next page boundary, in the order kernel,
//!   ramdisk, cmdline, stage3b (ascending kind prefix, so the IPIB's tweak prefixes are
//!   strictly increasing as the unpack rules require);
//! - the IPIB at the next page boundary after the last component.
//!
//! Images without loaders (the writer adds [`crate::loaders`] only when asked) have no
//! stage3a and no stage3b: the loader area from 0x10000 stays zero and the header PSW
//! points where stage3b would go, the next page boundary after the last component
//! (vectors, set A).

use alloc::vec::Vec;
use core::fmt;

use pv_core::{PAGE_SIZE_U64, Psw, page_align_up};
use pv_header::component::ComponentKind;

use crate::ipib::{Ipib, PvComponent};
use crate::loader_args::{LoadBlob, STAGE3A_ARGS_LEN, Stage3aArgs, Stage3bArgs};
use crate::metadata::{ImageMetadata, METADATA_LEN};
use crate::{Error, Result};

/// Address of the 8-byte short PSW that an IPL loads (se-format.md §3.2).
pub const SHORT_PSW_ADDR: u64 = 0;
/// Address of the `SeImgLnx` image metadata (se-format.md §3.3).
pub const METADATA_ADDR: u64 = 0xc000;
/// Address where stage3a is loaded (se-format.md §3.4).
pub const STAGE3A_ADDR: u64 = 0x10000;
/// stage3a's main entry point; pvimg's short PSW points here (se-format.md §3.2).
pub const STAGE3A_ENTRY: u64 = 0x11000;
/// The lowest header address: header search tools start scanning here (se-format.md §3.1).
pub const MIN_HDR_ADDR: u64 = 0x14000;
/// The kernel entry point stage3b jumps to (se-format.md §3.5).
pub const KERNEL_ENTRY: u64 = 0x10000;
/// Most host keys (key slots) one header can hold (se-format.md §6.3).
pub const MAX_HOST_KEYS: usize = 95;
/// Size of the fixed part of an IPIB of type 5 before its component entries.
pub const IPIB_PV_FIXED_LEN: u64 = 136;
/// Size of one IPIB component entry.
pub const IPIB_PV_COMPONENT_LEN: u64 = 24;

/// The size a v1 SE header has with `nks` key slots and no optional items:
/// `0x1a0 + 80·nks + 128 + 16 = 560 + 80·nks` (se-format.md §1.1, §3.1).
pub const fn expected_header_size(nks: usize) -> u64 {
    560 + 80 * nks as u64
}

/// The IPL PSW pvimg stores (short form) at absolute 0: 64-bit addressing at stage3a's
/// entry (se-format.md §3.2).
pub const fn default_ipl_psw() -> Psw {
    Psw::new_64bit(STAGE3A_ENTRY)
}

/// A byte range of the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Region {
    /// First address.
    pub addr: u64,
    /// Size in bytes.
    pub size: u64,
}

impl Region {
    /// The first address after the region.
    pub const fn end(&self) -> u64 {
        self.addr + self.size
    }
}

/// A secured component's place in the image (se-format.md §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedComponent {
    /// Which component.
    pub kind: ComponentKind,
    /// Its address (page aligned).
    pub addr: u64,
    /// Size of the input bytes (the cmdline's including its NUL).
    pub original_size: u64,
    /// Size in the image: whole pages, at least one (se-format.md §2.2).
    pub prepared_size: u64,
}

impl PlannedComponent {
    /// The component's region in the image.
    pub const fn region(&self) -> Region {
        Region { addr: self.addr, size: self.prepared_size }
    }
}

/// The prepared size of a component of `size` input bytes: whole pages, and one page even
/// for an empty input (se-format.md §2.2).
pub fn prepared_size(size: u64) -> Result<u64> {
    Ok(page_align_up(size).ok_or(Error::AddressOverflow)?.max(PAGE_SIZE_U64))
}

/// The planned layout of one SE image (se-format.md §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLayout {
    /// The number of host keys the header is sized for.
    pub nks: usize,
    /// stage3a's region at 0x10000; `None` for images without a loader.
    pub stage3a: Option<Region>,
    /// The SE header slot (its size is the expected header size).
    pub header: Region,
    /// The secured components in address order.
    pub components: Vec<PlannedComponent>,
    /// The IPIB (`136 + 24·n` bytes), the last bytes of the image.
    pub ipib: Region,
}

impl ImageLayout {
    /// Plans an image for `nks` host keys, a stage3a of `stage3a_len` bytes (0: none) and
    /// the secured components `components` (kind and input size). The kernel is required;
    /// the kinds must be distinct and in the order kernel, ramdisk, cmdline, stage3b.
    pub fn plan(nks: usize, stage3a_len: u64, components: &[(ComponentKind, u64)]) -> Result<Self> {
        if nks == 0 || nks > MAX_HOST_KEYS {
            return Err(Error::KeyCount { nks });
        }
        check_kinds(components)?;
        let stage3a = match stage3a_len {
            0 => None,
            len if len < STAGE3A_ARGS_LEN as u64 => return Err(Error::Stage3aSize { len }),
            len => Some(Region { addr: STAGE3A_ADDR, size: len }),
        };
        let header = header_region(nks, stage3a_len)?;
        let mut next = align(header.end())?;
        let mut planned = Vec::with_capacity(components.len());
        for &(kind, size) in components {
            let prepared = prepared_size(size)?;
            planned.push(PlannedComponent {
                kind,
                addr: next,
                original_size: size,
                prepared_size: prepared,
            });
            next = next.checked_add(prepared).ok_or(Error::AddressOverflow)?;
        }
        let n = planned.len() as u64;
        let ipib = Region { addr: next, size: IPIB_PV_FIXED_LEN + IPIB_PV_COMPONENT_LEN * n };
        ipib.addr.checked_add(ipib.size).ok_or(Error::AddressOverflow)?;
        Ok(Self { nks, stage3a, header, components: planned, ipib })
    }

    /// The total image size: the file ends at the last byte of the IPIB.
    pub fn image_size(&self) -> u64 {
        self.ipib.end()
    }

    /// The component of `kind`, if planned.
    pub fn component(&self, kind: ComponentKind) -> Option<&PlannedComponent> {
        self.components.iter().find(|c| c.kind == kind)
    }

    /// The address the SE header's PSW starts the secure guest at: stage3b's address, or
    /// where stage3b would go (the page after the last component) if there is none
    /// (se-format.md §3.5; vectors, set A).
    pub fn psw_addr(&self) -> u64 {
        match self.component(ComponentKind::Stage3b) {
            Some(c) => c.addr,
            None => self.ipib.addr,
        }
    }

    /// The SE header PSW: 64-bit addressing at [`ImageLayout::psw_addr`].
    pub fn header_psw(&self) -> Psw {
        Psw::new_64bit(self.psw_addr())
    }

    /// The `SeImgLnx` metadata for this layout (se-format.md §3.3).
    pub fn metadata(&self) -> ImageMetadata {
        ImageMetadata::new(self.header.addr, self.ipib.addr)
    }

    /// stage3a's argument block, if the layout has a stage3a: header and IPIB offsets
    /// relative to the block in the last 24 bytes of stage3a (se-format.md §3.4).
    pub fn stage3a_args(&self) -> Option<Stage3aArgs> {
        let s = self.stage3a?;
        let block = s.end() - STAGE3A_ARGS_LEN as u64;
        Stage3aArgs::new(block, self.header.addr, self.header.size, self.ipib.addr).ok()
    }

    /// stage3b's argument block: kernel, cmdline and initrd at their image addresses with
    /// their original sizes ({0, 0} if absent), and the kernel PSW (se-format.md §3.5).
    pub fn stage3b_args(&self) -> Stage3bArgs {
        let blob = |kind| {
            self.component(kind)
                .map(|c| LoadBlob { src: c.addr, size: c.original_size })
                .unwrap_or_default()
        };
        Stage3bArgs {
            kernel: blob(ComponentKind::Kernel),
            cmdline: blob(ComponentKind::Cmdline),
            initrd: blob(ComponentKind::Ramdisk),
            psw: Psw::new_64bit(KERNEL_ENTRY),
        }
    }

    /// The type-5 IPIB for this layout, given each component's tweak prefix in layout
    /// order (se-format.md §3.6). Fails if the number of prefixes differs.
    pub fn ipib(&self, tweak_prefixes: &[u64]) -> Result<Ipib> {
        if tweak_prefixes.len() != self.components.len() {
            return Err(Error::ComponentSet { reason: "one tweak prefix per component" });
        }
        let comps = self
            .components
            .iter()
            .zip(tweak_prefixes)
            .map(|(c, &t)| PvComponent { tweak_prefix: t, addr: c.addr, len: c.prepared_size })
            .collect();
        Ok(Ipib::new_pv(self.header.addr, self.header.size, comps))
    }
}

/// The header slot for `nks` host keys after a stage3a of `stage3a_len` bytes (0: none):
/// at `max(roundup(0x10000 + stage3a_len), 0x14000)`, [`expected_header_size`] bytes long
/// (se-format.md §3.1). The first component starts at the next page boundary after it.
pub fn header_region(nks: usize, stage3a_len: u64) -> Result<Region> {
    if nks == 0 || nks > MAX_HOST_KEYS {
        return Err(Error::KeyCount { nks });
    }
    let after_loader = STAGE3A_ADDR.checked_add(stage3a_len).ok_or(Error::AddressOverflow)?;
    let addr = align(after_loader)?.max(MIN_HDR_ADDR);
    Ok(Region { addr, size: expected_header_size(nks) })
}

/// Rounds up to a page boundary.
fn align(v: u64) -> Result<u64> {
    page_align_up(v).ok_or(Error::AddressOverflow)
}

/// The position of `kind` in pvimg's component order.
pub(crate) fn kind_rank(kind: ComponentKind) -> usize {
    ComponentKind::ALL.iter().position(|&k| k == kind).unwrap_or(usize::MAX)
}

/// Kernel first; kinds distinct and in pvimg's order.
fn check_kinds(components: &[(ComponentKind, u64)]) -> Result<()> {
    match components.first() {
        Some((ComponentKind::Kernel, _)) => {}
        _ => return Err(Error::ComponentSet { reason: "the kernel must come first" }),
    }
    for w in components.windows(2) {
        if kind_rank(w[0].0) >= kind_rank(w[1].0) {
            return Err(Error::ComponentSet {
                reason: "kinds must be distinct, in the order kernel, ramdisk, cmdline, stage3b",
            });
        }
    }
    Ok(())
}

/// The name pvimg's layout table uses for a component kind.
pub fn kind_label(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Kernel => "Linux kernel",
        ComponentKind::Ramdisk => "ramdisk",
        ComponentKind::Cmdline => "kernel cmdline",
        ComponentKind::Stage3b => "stage3b",
        _ => "component",
    }
}

/// Formats the layout as pvimg's `-v` table (component, first and last address).
impl fmt::Display for ImageLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "----------------------------------------------------------------";
        writeln!(f, "{rule}")?;
        writeln!(f, "|{:^62}|", "Secure Execution image layout")?;
        writeln!(f, "|--------------------------------------------------------------|")?;
        writeln!(f, "| {:<23} | {:<34} |", "Component type", "Component address")?;
        writeln!(f, "|-------------------------|------------------------------------|")?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, r: Region| {
            let last = r.end().saturating_sub(1);
            let addrs = alloc::format!("start: {:>#10x} stop: {:>#10x}", r.addr, last);
            writeln!(f, "| {name:<23} | {addrs:<34} |")
        };
        row(f, "short PSW", Region { addr: SHORT_PSW_ADDR, size: 8 })?;
        row(f, "Image metadata", Region { addr: METADATA_ADDR, size: METADATA_LEN as u64 })?;
        if let Some(s) = self.stage3a {
            row(f, "stage3a", s)?;
        }
        row(f, "Secure Execution header", self.header)?;
        for c in &self.components {
            row(f, kind_label(c.kind), c.region())?;
        }
        row(f, "IPIB", self.ipib)?;
        write!(f, "{rule}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentKind::*;

    #[test]
    fn header_sizes_agree_with_pv_header() {
        assert_eq!(expected_header_size(1), 640);
        assert_eq!(expected_header_size(2), 720);
        for nks in 1..=MAX_HOST_KEYS {
            let theirs = pv_header::hdr::expected_size(nks).unwrap() as u64;
            assert_eq!(expected_header_size(nks), theirs);
        }
        assert!(pv_header::hdr::expected_size(MAX_HOST_KEYS + 1).is_err());
    }

    #[test]
    fn kind_rules() {
        assert!(matches!(ImageLayout::plan(0, 0, &[(Kernel, 1)]), Err(Error::KeyCount { nks: 0 })));
        assert!(matches!(ImageLayout::plan(96, 0, &[(Kernel, 1)]), Err(Error::KeyCount { .. })));
        assert!(ImageLayout::plan(95, 0, &[(Kernel, 1)]).is_ok());
        assert!(matches!(ImageLayout::plan(1, 0, &[]), Err(Error::ComponentSet { .. })));
        assert!(matches!(
            ImageLayout::plan(1, 0, &[(Ramdisk, 1)]),
            Err(Error::ComponentSet { .. })
        ));
        let dup = [(Kernel, 1), (Cmdline, 1), (Cmdline, 1)];
        assert!(matches!(ImageLayout::plan(1, 0, &dup), Err(Error::ComponentSet { .. })));
        let order = [(Kernel, 1), (Cmdline, 1), (Ramdisk, 1)];
        assert!(matches!(ImageLayout::plan(1, 0, &order), Err(Error::ComponentSet { .. })));
        assert!(matches!(ImageLayout::plan(1, 23, &[(Kernel, 1)]), Err(Error::Stage3aSize { .. })));
        let huge = [(Kernel, u64::MAX - 10)];
        assert!(matches!(ImageLayout::plan(1, 0, &huge), Err(Error::AddressOverflow)));
    }

    #[test]
    fn empty_component_gets_one_page_and_big_stage3a_moves_header() {
        let l = ImageLayout::plan(1, 0x5001, &[(Kernel, 0)]).unwrap();
        assert_eq!(l.header.addr, 0x16000);
        assert_eq!(l.components[0].addr, 0x17000);
        assert_eq!(l.components[0].prepared_size, 0x1000);
        assert_eq!(l.ipib.addr, 0x18000);
        assert_eq!(l.psw_addr(), 0x18000);
    }

    #[test]
    fn table_rows() {
        let l = ImageLayout::plan(1, 0, &[(Kernel, 0x3011)]).unwrap();
        let t = alloc::format!("{l}");
        assert!(t.contains("| Secure Execution header | start:    0x14000 stop:    0x1427f |"));
        assert!(t.contains("| Linux kernel            | start:    0x15000 stop:    0x18fff |"));
        assert!(!t.contains("stage3a"));
    }
}
