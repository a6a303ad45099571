//! The page list digest (PLD) on a second thread, for the ultravisor side of unpacking
//! (se-format.md §2.3; uv-spec.md §3.2 step 4). Feature `std`.
//!
//! PLD is one SHA-512 stream over every secured page in unpack order, so it bounds the
//! throughput of Unpack; decryption, ALD, TLD and the storage work of each Unpack call are
//! independent of it. [`PldThread`] takes copies of the pages (the ciphertext, as received)
//! in batches and hashes them on a worker thread, so the caller's work overlaps the digest.
//! The stream's order is the order of [`PldThread::page`] calls. Memory is bounded: at most
//! [`QUEUED_BATCHES`] full batches wait for the worker; their buffers are recycled.

use std::sync::mpsc::{Receiver, Sender, SyncSender, TryRecvError, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::vec::Vec;

use sha2::{Digest, Sha512};

use super::{PAGE_SIZE, Page};

/// Pages per batch handed to the worker (256 KiB).
pub const BATCH_PAGES: usize = 64;
/// Full batches that may wait for the worker before [`PldThread::page`] blocks.
pub const QUEUED_BATCHES: usize = 4;

/// What the caller sends to the worker.
enum Job {
    /// Pages to hash, in order.
    Data(Vec<u8>),
    /// Reply with a copy of the hasher's state (everything sent before is included).
    Snapshot,
}

/// What the worker sends back.
enum Back {
    /// A hashed batch's buffer, for reuse.
    Empty(Vec<u8>),
    /// The state asked for by [`Job::Snapshot`].
    State(Sha512),
}

/// A SHA-512 stream over whole pages, computed on a worker thread.
pub(crate) struct PldThread {
    jobs: Option<SyncSender<Job>>,
    back: Receiver<Back>,
    batch: Vec<u8>,
    spare: Vec<Vec<u8>>,
    worker: Option<JoinHandle<()>>,
}

impl core::fmt::Debug for PldThread {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PldThread {{ pending: {} bytes }}", self.batch.len())
    }
}

impl PldThread {
    /// Continues the stream `state` on a new worker thread (taking the hasher out of
    /// `state`); `None`, with `state` untouched, if the thread cannot be started.
    pub(crate) fn spawn(state: &mut Sha512) -> Option<Self> {
        let (jobs, jobs_rx) = sync_channel::<Job>(QUEUED_BATCHES);
        let (back_tx, back) = channel::<Back>();
        // The worker takes the hasher from this slot; after a failed spawn it is still
        // there and goes back to the caller, who keeps hashing inline.
        let slot = Arc::new(Mutex::new(Some(core::mem::take(state))));
        let theirs = Arc::clone(&slot);
        let spawned = std::thread::Builder::new().name("pv-pld".into()).spawn(move || {
            let taken = theirs.lock().map(|mut s| s.take()).unwrap_or_default();
            if let Some(hasher) = taken {
                work(hasher, &jobs_rx, &back_tx);
            }
        });
        match spawned {
            Ok(worker) => Some(Self {
                jobs: Some(jobs),
                back,
                batch: Vec::with_capacity(BATCH_PAGES * PAGE_SIZE),
                spare: Vec::new(),
                worker: Some(worker),
            }),
            Err(_) => {
                if let Some(s) = slot.lock().ok().and_then(|mut s| s.take()) {
                    *state = s;
                }
                None
            }
        }
    }

    /// Appends one page to the stream.
    pub(crate) fn page(&mut self, page: &Page) {
        self.batch.extend_from_slice(page);
        if self.batch.len() >= BATCH_PAGES * PAGE_SIZE {
            self.flush();
        }
    }

    /// The digest of everything appended so far (the stream continues).
    pub(crate) fn snapshot(&mut self) -> [u8; 64] {
        self.state().finalize().into()
    }

    /// The final digest; ends the worker.
    pub(crate) fn finish(mut self) -> [u8; 64] {
        let d = self.snapshot();
        self.stop();
        d
    }

    /// A copy of the worker's hasher after everything appended so far. Should the worker
    /// be gone (only a panic could end it early), this is the state of an empty stream, so
    /// Verify fails closed with a PLD mismatch instead of accepting anything.
    fn state(&mut self) -> Sha512 {
        self.flush();
        let Some(jobs) = &self.jobs else { return Sha512::new() };
        if jobs.send(Job::Snapshot).is_err() {
            return Sha512::new();
        }
        loop {
            match self.back.recv() {
                Ok(Back::Empty(buf)) => self.spare.push(buf),
                Ok(Back::State(s)) => return s,
                Err(_) => return Sha512::new(),
            }
        }
    }

    /// Hands the current batch to the worker and takes a fresh buffer.
    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        loop {
            match self.back.try_recv() {
                Ok(Back::Empty(buf)) => self.spare.push(buf),
                Ok(Back::State(_)) => {}
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let mut next = self.spare.pop().unwrap_or_default();
        next.clear();
        next.reserve(BATCH_PAGES * PAGE_SIZE);
        let full = core::mem::replace(&mut self.batch, next);
        if let Some(jobs) = &self.jobs {
            // A send fails only if the worker is gone; `state` then fails closed.
            let _ = jobs.send(Job::Data(full));
        }
    }

    /// Closes the job channel and waits for the worker.
    fn stop(&mut self) {
        self.jobs = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for PldThread {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The worker: hashes batches in order until the job channel closes.
fn work(mut hasher: Sha512, jobs: &Receiver<Job>, back: &Sender<Back>) {
    while let Ok(job) = jobs.recv() {
        match job {
            Job::Data(buf) => {
                hasher.update(&buf);
                let _ = back.send(Back::Empty(buf));
            }
            Job::Snapshot => {
                let _ = back.send(Back::State(hasher.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(i: usize) -> Page {
        let mut p = [0u8; PAGE_SIZE];
        for (j, b) in p.iter_mut().enumerate() {
            *b = (i * 31 + j * 7) as u8;
        }
        p
    }

    #[test]
    fn equals_one_inline_stream_across_batches_and_snapshots() {
        let mut inline = Sha512::new();
        inline.update(b"prefix");
        let mut t = PldThread::spawn(&mut inline.clone()).expect("spawn");
        for i in 0..(3 * BATCH_PAGES + 5) {
            let p = page(i);
            t.page(&p);
            inline.update(p);
            if i == BATCH_PAGES - 1 || i == 2 * BATCH_PAGES + 1 {
                let want: [u8; 64] = inline.clone().finalize().into();
                assert_eq!(t.snapshot(), want, "snapshot after page {i}");
            }
        }
        let want: [u8; 64] = inline.finalize().into();
        assert_eq!(t.finish(), want);
    }

    #[test]
    fn empty_stream_and_drop_without_finish() {
        let t = PldThread::spawn(&mut Sha512::new()).expect("spawn");
        let want: [u8; 64] = Sha512::new().finalize().into();
        assert_eq!(t.finish(), want);
        let mut t = PldThread::spawn(&mut Sha512::new()).expect("spawn");
        t.page(&page(1));
        drop(t);
    }
}
