//! Writing an SE boot image (se-format.md §3), streaming: the kernel and ramdisk are read
//! and written in batches of pages, never held whole in memory.
//!
//! [`create_image`] writes, in one forward pass, zeros up to the first component, then
//! every secured component as pv-header's [`Preparer`] produces it, then the IPIB; and
//! finally goes back to fill in the short PSW, the metadata, stage3a (if any) and the
//! sealed header. Every byte up to the end of the IPIB is written explicitly, so gaps are
//! zero whatever the writer does with holes. The output must start empty (the CLI writes
//! a fresh `<output>.part` and renames it).

use alloc::vec::Vec;
use core::fmt;
use std::io::{Read, Seek, SeekFrom, Write};

use pv_core::{GuestAbs, Psw};
use pv_header::component::{
    ComponentDigests, ComponentKind, ComponentSpec, Encryption, PreparedComponent, Preparer,
    TweakPrefix, XtsKey, cmdline_with_nul,
};
use pv_header::hdr::{SeHdr, SeHdrBuilder};
use pv_header::rand::RandomSource;

use crate::ipib::Ipib;
use crate::layout::{
    ImageLayout, METADATA_ADDR, SHORT_PSW_ADDR, STAGE3A_ADDR, default_ipl_psw,
    expected_header_size, header_region,
};
use crate::loader_args::{STAGE3A_ARGS_LEN, STAGE3B_ARGS_LEN};
use crate::{Error, Result};

/// A readable input that may be handed to the preparation thread.
pub type Input<'a> = &'a mut (dyn Read + Send);

/// The inputs of one image. The loaders are optional: without them the loader area at
/// 0x10000 stays zero and the header PSW points where stage3b would go.
pub struct ImageInputs<'a> {
    /// The kernel (always).
    pub kernel: Input<'a>,
    /// The initial RAM disk (`-r`).
    pub ramdisk: Option<Input<'a>>,
    /// The kernel parameter line (`-p`); a NUL is appended unless it ends in one.
    pub cmdline: Option<Input<'a>>,
    /// The stage3a loader, placed at 0x10000 with its last 24 bytes replaced by the
    /// argument block (se-format.md §3.4).
    pub stage3a: Option<&'a [u8]>,
    /// The stage3b loader, secured as the last component with its last 64 bytes replaced
    /// by the argument block (se-format.md §3.5).
    pub stage3b: Option<&'a [u8]>,
}

impl fmt::Debug for ImageInputs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageInputs")
            .field("ramdisk", &self.ramdisk.is_some())
            .field("cmdline", &self.cmdline.is_some())
            .field("stage3a", &self.stage3a.map(<[u8]>::len))
            .field("stage3b", &self.stage3b.map(<[u8]>::len))
            .finish_non_exhaustive()
    }
}

/// Options of [`create_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    /// The PSW stored in short form at absolute 0 (default: stage3a's entry 0x11000, as
    /// pvimg).
    pub ipl_psw: Psw,
    /// Fixed tweak prefixes per component kind (expert mode); the others are drawn from
    /// the random source, in component order, after the header's secrets.
    pub tweak_prefixes: Vec<(ComponentKind, TweakPrefix)>,
    /// Prepare the kernel and ramdisk on two threads (identical output).
    pub pipelined: bool,
    /// The PSW sealed into the header; `None` (default) means the layout's entry (stage3b's
    /// address, as pvimg). pvimg's hidden `--x-psw` sets it.
    pub header_psw: Option<Psw>,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            ipl_psw: default_ipl_psw(),
            tweak_prefixes: Vec::new(),
            pipelined: true,
            header_psw: None,
        }
    }
}

/// What [`create_image`] wrote.
#[derive(Debug, Clone)]
pub struct ImageSummary {
    /// The layout (addresses, original and prepared sizes).
    pub layout: ImageLayout,
    /// The IPIB written at the end of the image.
    pub ipib: Ipib,
    /// The digests sealed into the header.
    pub digests: ComponentDigests,
    /// The sealed header (public parts; its secrets are not kept).
    pub header: SeHdr,
}

/// Formats pvimg's layout table followed by one size line per component.
impl fmt::Display for ImageSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.layout)?;
        for c in &self.layout.components {
            writeln!(
                f,
                "{:<15} original size {:#x}, prepared size {:#x}",
                crate::layout::kind_label(c.kind),
                c.original_size,
                c.prepared_size
            )?;
        }
        write!(
            f,
            "image size {:#x}, {} encrypted pages",
            self.layout.image_size(),
            self.digests.nep
        )
    }
}

/// Writes an SE image to `out` (which must be empty): prepares the components with the
/// header's XTS key, seals the header built by `builder` over their digests, and places
/// everything as [`ImageLayout::plan`] says (se-format.md §3). Randomness (header secrets
/// not given to `builder`, then tweak prefixes not given in `options`) comes from `rng` only,
/// so fixed inputs give fixed bytes.
pub fn create_image<W: Write + Seek + Send>(
    out: &mut W,
    builder: SeHdrBuilder,
    inputs: ImageInputs<'_>,
    options: &CreateOptions,
    rng: &mut impl RandomSource,
) -> Result<ImageSummary> {
    let mut hdr = builder.prepare(rng)?;
    let hdr_size = hdr.size() as u64;
    let nks = key_count(hdr_size)?;
    let s3a_len = inputs.stage3a.map_or(0, |s| s.len() as u64);
    let s3b_len = inputs.stage3b.map(|s| s.len() as u64);
    if s3b_len.is_some_and(|l| l < STAGE3B_ARGS_LEN as u64) {
        return Err(Error::Stage3bSize { len: s3b_len.unwrap_or(0) });
    }
    if s3a_len != 0 && s3a_len < STAGE3A_ARGS_LEN as u64 {
        return Err(Error::Stage3aSize { len: s3a_len });
    }
    let start = header_region(nks, s3a_len)?;
    let next = pv_core::page_align_up(start.end()).ok_or(Error::AddressOverflow)?;
    out.seek(SeekFrom::Start(0))?;
    write_zeros(out, next)?;

    let key = XtsKey::new(hdr.xts_key().clone())?;
    let prep = Preparer::new(&key, Encryption::from_pcf(hdr.pcf().bits()));
    let mut w = Components { out: &mut *out, prep, rng, options, next, done: Vec::new() };
    w.add(ComponentKind::Kernel, Source::Stream(inputs.kernel))?;
    if let Some(r) = inputs.ramdisk {
        w.add(ComponentKind::Ramdisk, Source::Stream(r))?;
    }
    if let Some(r) = inputs.cmdline {
        let mut line = Vec::new();
        r.read_to_end(&mut line)?;
        w.add(ComponentKind::Cmdline, Source::Bytes(cmdline_with_nul(&line)))?;
    }
    // stage3b's arguments name the components before it, so plan them first.
    let mut sizes: Vec<(ComponentKind, u64)> =
        w.done.iter().map(|(k, c)| (*k, c.original_size)).collect();
    if let Some(s3b) = inputs.stage3b {
        let before = ImageLayout::plan(nks, s3a_len, &sizes)?;
        let mut bytes = s3b.to_vec();
        let at = bytes.len() - STAGE3B_ARGS_LEN;
        bytes[at..].copy_from_slice(&before.stage3b_args().to_bytes());
        w.add(ComponentKind::Stage3b, Source::Bytes(bytes))?;
        sizes.push((ComponentKind::Stage3b, s3b.len() as u64));
    }
    let Components { prep, next, done, .. } = w;

    // The final layout must agree with what was written.
    let layout = ImageLayout::plan(nks, s3a_len, &sizes)?;
    let agrees = layout
        .components
        .iter()
        .zip(&done)
        .all(|(p, (_, c))| p.addr == c.addr.get() && p.prepared_size == c.prepared_size);
    if !agrees || layout.ipib.addr != next || layout.header.size != hdr_size {
        return Err(Error::ComponentSet { reason: "prepared components disagree with the plan" });
    }
    let prefixes: Vec<u64> = done.iter().map(|(_, c)| c.tweak_prefix.get()).collect();
    let ipib = layout.ipib(&prefixes)?;
    out.write_all(&ipib.to_bytes()?)?;

    hdr.set_psw(options.header_psw.unwrap_or_else(|| layout.header_psw()));
    let digests = prep.finish();
    let sealed = hdr.seal(&digests)?;
    let hdr_bytes = sealed.to_bytes();
    write_at(out, layout.header.addr, &hdr_bytes)?;
    let short = options.ipl_psw.to_short().ok_or(Error::FieldOverflow { what: "ipl_psw" })?;
    write_at(out, SHORT_PSW_ADDR, &short.to_be_bytes())?;
    write_at(out, METADATA_ADDR, &layout.metadata().to_bytes())?;
    if let (Some(s3a), Some(args)) = (inputs.stage3a, layout.stage3a_args()) {
        let mut bytes = s3a.to_vec();
        let at = bytes.len() - STAGE3A_ARGS_LEN;
        bytes[at..].copy_from_slice(&args.to_bytes());
        write_at(out, STAGE3A_ADDR, &bytes)?;
    }
    out.seek(SeekFrom::Start(layout.image_size()))?;
    out.flush()?;
    Ok(ImageSummary { layout, ipib, digests, header: sealed.into_hdr() })
}

/// The forward pass over the secured components.
struct Components<'a, W, R> {
    out: &'a mut W,
    prep: Preparer,
    rng: &'a mut R,
    options: &'a CreateOptions,
    /// Address (= file position) of the next component.
    next: u64,
    done: Vec<(ComponentKind, PreparedComponent)>,
}

impl<W: Write + Send, R: RandomSource> Components<'_, W, R> {
    /// Prepares and writes the next component at `self.next`.
    fn add(&mut self, kind: ComponentKind, src: Source<'_>) -> Result<()> {
        let tweak_prefix = match self.options.tweak_prefixes.iter().find(|(k, _)| *k == kind) {
            Some(&(_, t)) if t.kind() == Some(kind) => t,
            Some(_) => return Err(Error::ComponentSet { reason: "tweak prefix of another kind" }),
            None => TweakPrefix::random(kind, &mut *self.rng)?,
        };
        let spec = ComponentSpec { addr: GuestAbs(self.next), tweak_prefix };
        let out = &mut *self.out;
        let info = match src {
            Source::Stream(r) if self.options.pipelined => {
                // Reading, encryption and writing run on the pipeline's worker, the digests
                // on this thread, so this thread does little but SHA-512.
                self.prep.prepare_reader_pipelined(spec, r, out)?
            }
            Source::Stream(r) => self.prep.prepare_reader(spec, r, out)?,
            Source::Bytes(b) => {
                let (bytes, info) = self.prep.prepare_slice(spec, &b)?;
                out.write_all(&bytes)?;
                info
            }
        };
        self.next =
            info.addr.get().checked_add(info.prepared_size).ok_or(Error::AddressOverflow)?;
        self.done.push((kind, info));
        Ok(())
    }
}

/// Where a component's bytes come from.
enum Source<'a> {
    /// Streamed (kernel, ramdisk).
    Stream(Input<'a>),
    /// Already in memory (cmdline with its NUL, patched stage3b).
    Bytes(Vec<u8>),
}

/// The host-key count of a header of `size` bytes (`560 + 80·nks`).
fn key_count(size: u64) -> Result<usize> {
    let nks = size.saturating_sub(expected_header_size(0)) / 80;
    let nks = usize::try_from(nks).map_err(|_| Error::KeyCount { nks: usize::MAX })?;
    if expected_header_size(nks) != size {
        return Err(Error::KeyCount { nks });
    }
    Ok(nks)
}

fn write_at<W: Write + Seek>(out: &mut W, addr: u64, bytes: &[u8]) -> Result<()> {
    out.seek(SeekFrom::Start(addr))?;
    out.write_all(bytes)?;
    Ok(())
}

fn write_zeros<W: Write>(out: &mut W, mut n: u64) -> Result<()> {
    let zeros = [0u8; 4096];
    while n > 0 {
        let k = n.min(zeros.len() as u64) as usize;
        out.write_all(&zeros[..k])?;
        n -= k as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_counts_from_sizes() {
        assert_eq!(key_count(640).unwrap(), 1);
        assert_eq!(key_count(720).unwrap(), 2);
        assert!(key_count(641).is_err());
    }
}
