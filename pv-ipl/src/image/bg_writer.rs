//! A writer that hands its data to a second thread, so the thread that computes the page
//! list digest (one SHA-512 stream: the ceiling of image creation, crypto-perf-and-oracle.md
//! §4) does not also pay for the write system calls. Data is copied into chunks of at most
//! `CHUNK` bytes and sent over a bounded channel; order is kept; the first write error is
//! returned by the next `write`/`flush`, or by [`with_background_writer`].

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::vec::Vec;

/// Bytes per chunk handed to the writer thread.
const CHUNK: usize = 256 * 1024;
/// Chunks in flight.
const DEPTH: usize = 8;

/// The sending side, given to the producer.
pub struct BackgroundWriter {
    tx: Option<SyncSender<Vec<u8>>>,
    buf: Vec<u8>,
    free: Receiver<Vec<u8>>,
}

impl BackgroundWriter {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self.free.try_recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = core::mem::replace(&mut self.buf, next);
        let tx = self.tx.as_ref().ok_or_else(|| io::Error::from(io::ErrorKind::BrokenPipe))?;
        // The receiver is gone only after a write error, which the join reports.
        tx.send(full).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for BackgroundWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send_buf()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buf()
    }
}

/// Runs `produce` with a [`BackgroundWriter`] whose data a scoped thread writes to `out`,
/// in order. Returns `produce`'s result, or the first write error.
pub fn with_background_writer<W, T, E>(
    out: &mut W,
    produce: impl FnOnce(&mut BackgroundWriter) -> core::result::Result<T, E>,
) -> core::result::Result<T, E>
where
    W: Write + Send,
    E: From<io::Error>,
{
    let (tx, rx) = sync_channel::<Vec<u8>>(DEPTH);
    let (free_tx, free_rx) = sync_channel::<Vec<u8>>(DEPTH);
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<()> {
            for mut chunk in rx {
                out.write_all(&chunk)?;
                chunk.clear();
                // Recycle the buffer if the producer has room for it.
                let _ = free_tx.try_send(chunk);
            }
            Ok(())
        });
        let mut bw =
            BackgroundWriter { tx: Some(tx), buf: Vec::with_capacity(CHUNK), free: free_rx };
        let produced = produce(&mut bw);
        let flushed = bw.flush();
        drop(bw.tx.take());
        // A panic in the writer thread is re-raised by the scope; this maps it otherwise.
        let written = writer.join().unwrap_or_else(|_| Err(io::Error::other("writer thread")));
        let value = produced?;
        written?;
        flushed?;
        Ok(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_bytes_with_recycled_buffers() {
        let mut out = Vec::new();
        let data: Vec<u8> = (0..40 * CHUNK + 5).map(|i| (i * 13 % 253) as u8).collect();
        with_background_writer(&mut out, |w| -> io::Result<()> {
            for piece in data.chunks(CHUNK / 2 + 1) {
                w.write_all(piece)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn keeps_order_and_bytes() {
        let mut out = Vec::new();
        let data: Vec<u8> = (0..3 * CHUNK + 123).map(|i| (i * 7 % 251) as u8).collect();
        with_background_writer(&mut out, |w| -> io::Result<()> {
            for piece in data.chunks(4096 + 17) {
                w.write_all(piece)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(out, data);
    }

    struct Failing;
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn reports_write_errors() {
        let mut out = Failing;
        let r = with_background_writer(&mut out, |w| -> io::Result<()> {
            for _ in 0..100 {
                if w.write_all(&[0u8; 65536]).is_err() {
                    break;
                }
            }
            Ok(())
        });
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::StorageFull);
    }
}
