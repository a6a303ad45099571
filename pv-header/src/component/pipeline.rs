//! Two-thread preparation of a streamed component (feature `std`; performance facts:
//! crypto-perf-and-oracle.md §0, §4).
//!
//! The PLD is one sequential SHA-512 over every prepared page, so one image can never be
//! prepared faster than one SHA-512 stream. Because the PLD covers the *prepared* pages,
//! encryption is independent of hashing: a worker thread reads batches of pages, encrypts
//! them and updates ALD/TLD/nep (24 bytes of hash input per page), while the calling thread
//! feeds PLD and writes the output. Batches travel over bounded channels and their buffers
//! are recycled, so memory use is `depth × batch` bytes whatever the input size.
//!
//! Output and digests are identical to [`Preparer::prepare_reader`].

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::vec::Vec;

use sha2::Digest;

use super::digest::ListDigests;
use super::prepare::{as_page, finish_info, page_position, read_padded};
use super::xts::Xts;
use super::{ComponentSpec, PAGE_SIZE, PreparedComponent};
use crate::component::Preparer;
use crate::{Error, Result};

/// Sizes of the two-thread pipeline of [`Preparer::prepare_reader_pipelined_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineConfig {
    /// Pages per batch (a batch is one read, one hand-over and one write).
    pub batch_pages: usize,
    /// Batches in flight (buffers allocated); at least 2 for any overlap.
    pub depth: usize,
}

impl Default for PipelineConfig {
    /// 128 KiB batches, 4 in flight (512 KiB of buffers).
    fn default() -> Self {
        Self { batch_pages: 32, depth: 4 }
    }
}

/// Worker → caller messages.
enum Msg {
    /// `len` prepared bytes (whole pages) at the start of the buffer.
    Batch { buf: Vec<u8>, len: usize },
    /// The input ended: its size and the number of pages.
    Done { original: u64, pages: u64 },
    /// Reading or placing a page failed.
    Failed(Error),
}

impl Preparer {
    /// [`Preparer::prepare_reader`] with encryption and ALD/TLD on a second thread and PLD
    /// and writing on the calling thread ([`PipelineConfig::default`] sizes).
    ///
    /// After an error the preparer's digests are unspecified; discard it.
    pub fn prepare_reader_pipelined<R: Read + Send, W: Write>(
        &mut self,
        spec: ComponentSpec,
        reader: R,
        writer: W,
    ) -> Result<PreparedComponent> {
        self.prepare_reader_pipelined_with(spec, reader, writer, PipelineConfig::default())
    }

    /// [`Preparer::prepare_reader_pipelined`] with explicit batch sizes (values of 0 are
    /// treated as 1).
    pub fn prepare_reader_pipelined_with<R: Read + Send, W: Write>(
        &mut self,
        spec: ComponentSpec,
        reader: R,
        mut writer: W,
        config: PipelineConfig,
    ) -> Result<PreparedComponent> {
        self.check_start(spec)?;
        let batch = config.batch_pages.max(1) * PAGE_SIZE;
        let depth = config.depth.max(1);
        let xts = self.xts.as_ref();
        let pld = &mut self.digests.pld;
        let list = &mut self.digests.list;

        let (free_tx, free_rx) = sync_channel::<Vec<u8>>(depth);
        let (full_tx, full_rx) = sync_channel::<Msg>(depth);
        for _ in 0..depth {
            // Cannot block or fail: the channel holds `depth` items and `free_rx` is alive.
            let _ = free_tx.send(alloc::vec![0u8; batch]);
        }

        let (original, pages) = std::thread::scope(|s| {
            s.spawn(move || worker(spec, reader, xts, list, free_rx, full_tx));
            // Own both channel ends here, so an early return drops them and the worker
            // (blocked on either channel) stops before the scope joins it.
            let (free_tx, full_rx) = (free_tx, full_rx);
            loop {
                match full_rx.recv() {
                    Ok(Msg::Batch { buf, len }) => {
                        pld.update(&buf[..len]);
                        writer.write_all(&buf[..len])?;
                        // The worker may already be done; a lost buffer is fine then.
                        let _ = free_tx.send(buf);
                    }
                    Ok(Msg::Done { original, pages }) => return Ok((original, pages)),
                    Ok(Msg::Failed(e)) => return Err(e),
                    // The worker panicked; the scope re-raises the panic.
                    Err(_) => return Err(Error::ComponentEmpty),
                }
            }
        })?;
        let info = finish_info(spec, pages, original)?;
        self.next_free = Some(spec.addr.get() + info.prepared_size);
        Ok(info)
    }
}

/// The worker: read, pad, encrypt, ALD/TLD, hand over; then report the sizes.
fn worker<R: Read>(
    spec: ComponentSpec,
    mut reader: R,
    xts: Option<&Xts>,
    list: &mut ListDigests,
    free_rx: Receiver<Vec<u8>>,
    full_tx: SyncSender<Msg>,
) {
    let mut original = 0u64;
    let mut pages = 0u64;
    let mut run = || -> Result<Option<()>> {
        loop {
            let Ok(mut buf) = free_rx.recv() else { return Ok(None) };
            let n = read_padded(&mut reader, &mut buf)?;
            original += n as u64;
            let batch_pages = if n == 0 && pages == 0 { 1 } else { n.div_ceil(PAGE_SIZE) };
            if batch_pages == 0 {
                return Ok(Some(()));
            }
            let len = batch_pages * PAGE_SIZE;
            for chunk in buf[..len].chunks_exact_mut(PAGE_SIZE) {
                let (addr, tweak) = page_position(spec, pages)?;
                if let Some(xts) = xts {
                    xts.encrypt_page(as_page(chunk), tweak);
                }
                list.page(addr, tweak);
                pages += 1;
            }
            let more = n == buf.len();
            if full_tx.send(Msg::Batch { buf, len }).is_err() {
                return Ok(None);
            }
            if !more {
                return Ok(Some(()));
            }
        }
    };
    let msg = match run() {
        Ok(Some(())) => Msg::Done { original, pages },
        // The caller stopped listening.
        Ok(None) => return,
        Err(e) => Msg::Failed(e),
    };
    let _ = full_tx.send(msg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{Encryption, TweakPrefix, XtsKey};
    use pv_core::GuestAbs;
    use std::io;

    fn spec(addr: u64) -> ComponentSpec {
        ComponentSpec { addr: GuestAbs(addr), tweak_prefix: TweakPrefix(0x0032_1111_2222_3333) }
    }

    /// A reader that fails after `ok` bytes.
    struct Failing {
        ok: usize,
    }
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.ok == 0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            let n = buf.len().min(self.ok);
            buf[..n].fill(7);
            self.ok -= n;
            Ok(n)
        }
    }

    /// A writer that fails at once.
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn errors_on_either_side_stop_the_pipeline() {
        let key = XtsKey::from_slice(&[[1u8; 32], [2u8; 32]].concat()).unwrap();
        let cfg = PipelineConfig { batch_pages: 2, depth: 2 };
        let mut p = Preparer::new(&key, Encryption::Enabled);
        let e = p.prepare_reader_pipelined_with(spec(0), Failing { ok: 5 * 8192 }, io::sink(), cfg);
        assert_eq!(e.unwrap_err(), Error::Io { kind: io::ErrorKind::BrokenPipe });
        let mut p = Preparer::new(&key, Encryption::Enabled);
        let data = std::vec![0u8; 100 * PAGE_SIZE];
        let e = p.prepare_reader_pipelined_with(spec(0), &data[..], Full, cfg);
        assert_eq!(e.unwrap_err(), Error::Io { kind: io::ErrorKind::StorageFull });
        let e = p.prepare_reader_pipelined(spec(0x1001), &data[..], io::sink());
        assert_eq!(e.unwrap_err(), Error::ComponentUnaligned { addr: 0x1001 });
    }
}
