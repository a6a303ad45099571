//! Two-thread preparation of a streamed component (feature `std`; performance facts:
//! crypto-perf-and-oracle.md §0, §4).
//!
//! The PLD is one sequential SHA-512 over every prepared page, so one image can never be
//! prepared faster than one SHA-512 stream. Because the PLD covers the *prepared* pages,
//! encryption is independent of hashing and can run ahead on another thread:
//!
//! - the input is cut into numbered batches of pages; whoever *claims* the next batch reads
//!   it (zero-padding the last page) and encrypts it, then files it under its number;
//! - a worker thread does nothing but claim batches while free buffers exist;
//! - the calling thread takes the batches in order, feeds PLD, ALD, TLD and nep (ALD/TLD
//!   cost 24 bytes of hash input per page, about 0.6 % of the PLD) and queues them for
//!   writing. When the next batch is not ready and a buffer is free (the worker is late,
//!   for example because another process holds the second core), the calling thread claims
//!   a batch itself instead of waiting;
//! - hashed batches are written, in order, by whichever thread holds the writer: the worker
//!   writes them between claims, so the write system calls stay off the hashing thread; the
//!   calling thread writes what is left at the end. A written buffer is recycled.
//!
//! So with two free cores the calling thread does little but SHA-512, and with one it still
//! runs at single-thread speed. Memory use is `depth × batch` bytes whatever the input
//! size. Output and digests are identical to [`Preparer::prepare_reader`].

use std::collections::{BTreeMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use sha2::Digest;

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

/// A read and encrypted batch.
struct Batch {
    buf: Vec<u8>,
    /// Prepared bytes (whole pages) at the start of `buf`.
    len: usize,
    /// Index of its first page in the component.
    first_page: u64,
}

/// The input side: only the thread holding this lock reads.
struct Input<R> {
    reader: R,
    next_batch: u64,
    pages: u64,
    original: u64,
    eof: bool,
}

/// What the two threads exchange.
#[derive(Default)]
struct Queue {
    free: Vec<Vec<u8>>,
    done: BTreeMap<u64, Batch>,
    /// Hashed batches waiting to be written, in order.
    hashed: VecDeque<Batch>,
    /// The number of batches, once the input has ended.
    total: Option<u64>,
    error: Option<Error>,
    /// Set by the caller when it stops (done or failed).
    stop: bool,
    /// Set when the worker has exited (normally or by panic).
    worker_gone: bool,
}

/// State shared by the caller and the worker.
struct Shared<'a, R, W> {
    spec: ComponentSpec,
    xts: Option<&'a Xts>,
    input: Mutex<Input<R>>,
    /// The output. Taking a batch from `Queue::hashed` happens only while holding this
    /// lock, so batches are written in order whoever writes them.
    output: Mutex<W>,
    queue: Mutex<Queue>,
    changed: Condvar,
}

/// Locks, ignoring poisoning: a panicking worker is re-raised by the thread scope.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<R: Read, W: Write> Shared<'_, R, W> {
    /// Writes every hashed batch queued so far, in order, and recycles the buffers.
    fn write_hashed(&self) -> Result<()> {
        let mut out = lock(&self.output);
        loop {
            let Some(b) = lock(&self.queue).hashed.pop_front() else { return Ok(()) };
            let written = out.write_all(&b.buf[..b.len]);
            lock(&self.queue).free.push(b.buf);
            self.changed.notify_all();
            written?;
        }
    }

    /// Claims, reads and encrypts the next batch if a buffer is free and input remains.
    /// Returns whether a batch was filed.
    fn claim(&self) -> Result<bool> {
        let Some(mut buf) = lock(&self.queue).free.pop() else { return Ok(false) };
        let job = {
            let mut input = lock(&self.input);
            let job = if input.eof { None } else { Self::read_batch(&mut input, &mut buf)? };
            if input.eof {
                lock(&self.queue).total = Some(input.next_batch);
            }
            job
        };
        let Some((index, first_page, len)) = job else {
            lock(&self.queue).free.push(buf);
            self.changed.notify_all();
            return Ok(false);
        };
        if let Some(xts) = self.xts {
            for (i, chunk) in buf[..len].chunks_exact_mut(PAGE_SIZE).enumerate() {
                let (_, tweak) = page_position(self.spec, first_page + i as u64)?;
                xts.encrypt_page(as_page(chunk), tweak);
            }
        }
        lock(&self.queue).done.insert(index, Batch { buf, len, first_page });
        self.changed.notify_all();
        Ok(true)
    }

    /// Reads one batch into `buf`: `(batch index, first page, prepared length)`, or `None`
    /// if the input ended exactly at the previous batch.
    fn read_batch(input: &mut Input<R>, buf: &mut [u8]) -> Result<Option<(u64, u64, usize)>> {
        let n = read_padded(&mut input.reader, buf)?;
        input.original += n as u64;
        input.eof = n < buf.len();
        let pages = if n == 0 && input.pages == 0 { 1 } else { n.div_ceil(PAGE_SIZE) };
        if pages == 0 {
            return Ok(None);
        }
        let job = (input.next_batch, input.pages, pages * PAGE_SIZE);
        input.next_batch += 1;
        input.pages += pages as u64;
        Ok(Some(job))
    }

    /// The worker thread: write hashed batches and claim new ones while buffers are free,
    /// until told to stop (the caller writes whatever is left).
    fn work(&self) {
        let _gone = WorkerGone(&self.queue, &self.changed);
        loop {
            let write_first = {
                let mut q = lock(&self.queue);
                while q.hashed.is_empty() && (q.free.is_empty() || q.total.is_some()) && !q.stop {
                    q = self.changed.wait(q).unwrap_or_else(PoisonError::into_inner);
                }
                if q.stop {
                    return;
                }
                !q.hashed.is_empty()
            };
            let r = if write_first { self.write_hashed() } else { self.claim().map(|_| ()) };
            if let Err(e) = r {
                lock(&self.queue).error = Some(e);
                self.changed.notify_all();
                return;
            }
        }
    }
}

/// Marks the worker as gone when it exits, even by panic, so the caller never waits for it.
struct WorkerGone<'a>(&'a Mutex<Queue>, &'a Condvar);

impl Drop for WorkerGone<'_> {
    fn drop(&mut self) {
        lock(self.0).worker_gone = true;
        self.1.notify_all();
    }
}

/// Tells the worker to stop when the caller leaves, on success or error.
struct StopWorker<'a>(&'a Mutex<Queue>, &'a Condvar);

impl Drop for StopWorker<'_> {
    fn drop(&mut self) {
        lock(self.0).stop = true;
        self.1.notify_all();
    }
}

/// What the calling thread should do next.
enum Step {
    Consume(Batch),
    Claim,
    Finished,
}

impl Preparer {
    /// [`Preparer::prepare_reader`] with reading, encryption and most writing on a second
    /// thread and PLD/ALD/TLD on the calling thread ([`PipelineConfig::default`] sizes).
    ///
    /// After an error the preparer's digests are unspecified; discard it.
    pub fn prepare_reader_pipelined<R: Read + Send, W: Write + Send>(
        &mut self,
        spec: ComponentSpec,
        reader: R,
        writer: W,
    ) -> Result<PreparedComponent> {
        self.prepare_reader_pipelined_with(spec, reader, writer, PipelineConfig::default())
    }

    /// [`Preparer::prepare_reader_pipelined`] with explicit batch sizes (values of 0 are
    /// treated as 1).
    pub fn prepare_reader_pipelined_with<R: Read + Send, W: Write + Send>(
        &mut self,
        spec: ComponentSpec,
        reader: R,
        writer: W,
        config: PipelineConfig,
    ) -> Result<PreparedComponent> {
        self.check_start(spec)?;
        let batch = config.batch_pages.max(1) * PAGE_SIZE;
        let shared = Shared {
            spec,
            xts: self.xts.as_ref(),
            input: Mutex::new(Input { reader, next_batch: 0, pages: 0, original: 0, eof: false }),
            output: Mutex::new(writer),
            queue: Mutex::new(Queue {
                free: (0..config.depth.max(1)).map(|_| alloc::vec![0u8; batch]).collect(),
                ..Queue::default()
            }),
            changed: Condvar::new(),
        };
        let digests = &mut self.digests;
        std::thread::scope(|s| -> Result<()> {
            s.spawn(|| shared.work());
            let _stop = StopWorker(&shared.queue, &shared.changed);
            let mut next = 0u64;
            loop {
                match next_step(&shared, next)? {
                    Step::Consume(b) => {
                        let bytes = &b.buf[..b.len];
                        for (i, page) in bytes.chunks_exact(PAGE_SIZE).enumerate() {
                            let (addr, tweak) = page_position(spec, b.first_page + i as u64)?;
                            digests.list.page(addr, tweak);
                            digests.pld.update(page);
                        }
                        lock(&shared.queue).hashed.push_back(b);
                        shared.changed.notify_all();
                        next += 1;
                    }
                    Step::Claim => {
                        shared.claim()?;
                    }
                    Step::Finished => return shared.write_hashed(),
                }
            }
        })?;
        let input = lock(&shared.input);
        let info = finish_info(spec, input.pages, input.original)?;
        self.next_free = Some(spec.addr.get() + info.prepared_size);
        Ok(info)
    }
}

/// Waits until batch `next` is ready, the input is exhausted, or the caller should claim a
/// batch itself (the next one is missing and a buffer is free).
fn next_step<R, W>(shared: &Shared<'_, R, W>, next: u64) -> Result<Step> {
    let mut q = lock(&shared.queue);
    loop {
        if let Some(e) = q.error.take() {
            return Err(e);
        }
        if let Some(b) = q.done.remove(&next) {
            return Ok(Step::Consume(b));
        }
        if q.total == Some(next) {
            return Ok(Step::Finished);
        }
        if !q.free.is_empty() && q.total.is_none() {
            return Ok(Step::Claim);
        }
        if q.worker_gone && q.total.is_none() && q.free.is_empty() {
            // Only after a worker panic, which the thread scope re-raises; never observed.
            return Err(Error::Io { kind: ErrorKind::Other });
        }
        q = shared.changed.wait(q).unwrap_or_else(PoisonError::into_inner);
    }
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
        let top = u64::MAX - 0x2fff;
        let mut p = Preparer::new(&key, Encryption::Enabled);
        let e = p.prepare_reader_pipelined_with(spec(top), &data[..], io::sink(), cfg);
        assert_eq!(e.unwrap_err(), Error::ComponentAddressOverflow { addr: top });
    }

    #[test]
    fn a_single_buffer_still_finishes() {
        let mut a = Preparer::plaintext();
        let mut b = Preparer::plaintext();
        let data: Vec<u8> = (0..10 * PAGE_SIZE + 5).map(|i| i as u8).collect();
        let cfg = PipelineConfig { batch_pages: 0, depth: 0 };
        let mut out = Vec::new();
        let info = a.prepare_reader_pipelined_with(spec(0), &data[..], &mut out, cfg).unwrap();
        assert_eq!(info.prepared_size, 11 * PAGE_SIZE as u64);
        let (want, _) = b.prepare_slice(spec(0), &data).unwrap();
        assert_eq!(out, want);
        assert_eq!(a.finish(), b.finish());
    }
}
