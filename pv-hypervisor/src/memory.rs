//! Guest absolute storage (Principles of Operation, chapter 3, "Storage"), sparse: a
//! 4 KiB frame gets host memory on its first write, so a 4 GiB guest that touches 1 MiB
//! costs about 1 MiB plus a small table. Never-written frames read as zeros, as freshly
//! cleared storage does.
//!
//! Frames are grouped in 1 MiB segments; a segment's table (256 frame slots and the 256
//! storage keys) is allocated on the first access that needs it. Reads set the reference
//! bit and writes the reference and change bits of every frame they touch, as the
//! machine does (the same rule as `pv_emu::ram::Ram`). Each frame has a write generation
//! ([`Storage::frame_generation`]) so that pv-emu can keep decoded instructions.

use pv_core::storage::{KEY_FRAME_SIZE, SKEY_CHANGE, SKEY_REF, check_range, copy_small};
use pv_core::{GuestAbs, Storage, StorageFault};

use crate::Error;

/// Bytes per frame.
const FRAME: usize = KEY_FRAME_SIZE as usize;
/// Frames per segment.
const FRAMES_PER_SEGMENT: usize = 256;
/// Bytes per segment (1 MiB).
pub const SEGMENT_SIZE: u64 = (FRAME * FRAMES_PER_SEGMENT) as u64;
/// The largest storage this model accepts (1 TiB).
pub const MAX_MEMORY: u64 = 1 << 40;

type Frame = Box<[u8; FRAME]>;

/// One 1 MiB segment: its frames (allocated on first write) and their storage keys.
#[derive(Clone)]
struct Segment {
    /// A fixed-size table, so that a frame index (`& 255`) needs no bound check.
    frames: [Option<Frame>; FRAMES_PER_SEGMENT],
    keys: [u8; FRAMES_PER_SEGMENT],
    /// Write generation per frame.
    gens: [u32; FRAMES_PER_SEGMENT],
}

impl Segment {
    fn new() -> Box<Self> {
        Box::new(Self {
            frames: [const { None }; FRAMES_PER_SEGMENT],
            keys: [0; FRAMES_PER_SEGMENT],
            gens: [0; FRAMES_PER_SEGMENT],
        })
    }
}

/// The frame index inside its segment of absolute address `a`.
#[inline(always)]
fn frame_index(a: u64) -> usize {
    ((a / FRAME as u64) as usize) % FRAMES_PER_SEGMENT
}

/// Sparse guest absolute storage with storage keys; implements [`Storage`].
#[derive(Clone)]
pub struct GuestMemory {
    size: u64,
    segments: Vec<Option<Box<Segment>>>,
    /// Bumped by [`GuestMemory::clear`] (which drops the segments and their generations).
    epoch: u32,
}

impl core::fmt::Debug for GuestMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GuestMemory")
            .field("size", &self.size)
            .field("resident_frames", &self.resident_frames())
            .finish()
    }
}

impl GuestMemory {
    /// `size` bytes of zeroed storage; `size` must be a non-zero multiple of 1 MiB and at
    /// most [`MAX_MEMORY`].
    pub fn new(size: u64) -> Result<Self, Error> {
        if size == 0 || !size.is_multiple_of(SEGMENT_SIZE) || size > MAX_MEMORY {
            return Err(Error::MemorySize { size });
        }
        let n = (size / SEGMENT_SIZE) as usize;
        Ok(Self { size, segments: (0..n).map(|_| None).collect(), epoch: 0 })
    }

    /// How many 4 KiB frames hold host memory.
    pub fn resident_frames(&self) -> usize {
        self.segments.iter().flatten().map(|s| s.frames.iter().flatten().count()).sum()
    }

    /// Every frame that holds host memory, with its absolute address, in address order
    /// (never-written frames read as zeros and are left out).
    pub fn resident(&self) -> impl Iterator<Item = (u64, &[u8; FRAME])> + '_ {
        self.segments.iter().enumerate().flat_map(|(si, seg)| {
            seg.iter().flat_map(move |seg| {
                seg.frames.iter().enumerate().filter_map(move |(fi, f)| {
                    let addr = si as u64 * SEGMENT_SIZE + (fi * FRAME) as u64;
                    f.as_deref().map(|f| (addr, f))
                })
            })
        })
    }

    /// Clears all storage to zeros and all storage keys to 0 (a clear reset).
    pub fn clear(&mut self) {
        self.segments.iter_mut().for_each(|s| *s = None);
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// Writes `data` at `addr` without touching reference or change bits (for loaders).
    pub fn load(&mut self, addr: u64, data: &[u8]) -> Result<(), StorageFault> {
        check_range(self.size, GuestAbs(addr), data.len())?;
        self.each_chunk(addr, data.len(), |seg, frame, off, pos, len| {
            let f = seg.frames[frame].get_or_insert_with(|| Box::new([0; FRAME]));
            f[off..off + len].copy_from_slice(&data[pos..pos + len]);
            seg.gens[frame] = seg.gens[frame].wrapping_add(1);
        });
        Ok(())
    }

    /// Calls `f(segment, frame index, offset in frame, position in the access, length)`
    /// for each frame piece of an access that was already range-checked.
    fn each_chunk(
        &mut self,
        addr: u64,
        len: usize,
        mut f: impl FnMut(&mut Segment, usize, usize, usize, usize),
    ) {
        let mut pos = 0usize;
        while pos < len {
            let a = addr + pos as u64;
            let seg = self.segments[(a / SEGMENT_SIZE) as usize].get_or_insert_with(Segment::new);
            let frame = frame_index(a);
            let off = (a as usize) % FRAME;
            let take = (FRAME - off).min(len - pos);
            f(seg, frame, off, pos, take);
            pos += take;
        }
    }

    /// The segment and frame index of an access of `len` (at least 1) bytes at `addr`
    /// that lies inside one resident frame of an existing segment, else `None` (the
    /// general path handles it). Storage is a whole number of segments, so a segment
    /// that exists holds the whole access: no separate range check.
    #[inline(always)]
    fn resident_frame(&mut self, addr: u64, len: usize) -> Option<(&mut Segment, usize)> {
        let off = (addr as usize) % FRAME;
        if len == 0 || off + len > FRAME {
            return None;
        }
        let seg = self.segments.get_mut((addr / SEGMENT_SIZE) as usize)?.as_deref_mut()?;
        let i = frame_index(addr);
        seg.frames[i].is_some().then_some((seg, i))
    }

    /// [`Storage::read`] for any access: range check, then frame by frame (never-written
    /// frames read as zeros).
    #[inline(never)]
    fn read_general(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        check_range(self.size, addr, buf.len())?;
        self.each_chunk(addr.get(), buf.len(), |seg, frame, off, pos, len| {
            match &seg.frames[frame] {
                Some(f) => buf[pos..pos + len].copy_from_slice(&f[off..off + len]),
                None => buf[pos..pos + len].fill(0),
            }
            seg.keys[frame] |= SKEY_REF;
        });
        Ok(())
    }

    /// [`Storage::write`] for any access: range check, then frame by frame (allocating).
    #[inline(never)]
    fn write_general(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        check_range(self.size, addr, data.len())?;
        self.each_chunk(addr.get(), data.len(), |seg, frame, off, pos, len| {
            let f = seg.frames[frame].get_or_insert_with(|| Box::new([0; FRAME]));
            f[off..off + len].copy_from_slice(&data[pos..pos + len]);
            seg.keys[frame] |= SKEY_REF | SKEY_CHANGE;
            seg.gens[frame] = seg.gens[frame].wrapping_add(1);
        });
        Ok(())
    }

    fn segment_key(&mut self, addr: GuestAbs) -> Result<&mut u8, StorageFault> {
        check_range(self.size, addr, 1)?;
        let a = addr.get();
        let seg = self.segments[(a / SEGMENT_SIZE) as usize].get_or_insert_with(Segment::new);
        Ok(&mut seg.keys[frame_index(a)])
    }
}

impl Storage for GuestMemory {
    fn size(&self) -> u64 {
        self.size
    }

    /// One resident frame (an instruction's operand, nearly always) inline; anything
    /// else out of line.
    #[inline(always)]
    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        let (a, len) = (addr.get(), buf.len());
        if let Some((seg, i)) = self.resident_frame(a, len)
            && let Some(f) = &seg.frames[i]
        {
            let off = (a as usize) % FRAME;
            copy_small(buf, &f[off..off + len]);
            seg.keys[i] |= SKEY_REF;
            return Ok(());
        }
        self.read_general(addr, buf)
    }

    /// As [`GuestMemory::read`]: one resident frame inline, anything else out of line.
    #[inline(always)]
    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        let (a, len) = (addr.get(), data.len());
        if let Some((seg, i)) = self.resident_frame(a, len)
            && let Some(f) = &mut seg.frames[i]
        {
            let off = (a as usize) % FRAME;
            copy_small(&mut f[off..off + len], data);
            seg.keys[i] |= SKEY_REF | SKEY_CHANGE;
            seg.gens[i] = seg.gens[i].wrapping_add(1);
            return Ok(());
        }
        self.write_general(addr, data)
    }

    fn storage_key(&mut self, addr: GuestAbs) -> Result<u8, StorageFault> {
        self.segment_key(addr).map(|k| *k)
    }

    fn set_storage_key(&mut self, addr: GuestAbs, key: u8) -> Result<(), StorageFault> {
        *self.segment_key(addr)? = key & 0xfe;
        Ok(())
    }

    #[inline]
    fn frame_generation(&self, addr: GuestAbs) -> Option<u64> {
        let a = addr.get();
        if a >= self.size {
            return None;
        }
        // A segment without a table has never been written since the last clear.
        let g = match &self.segments[(a / SEGMENT_SIZE) as usize] {
            Some(seg) => seg.gens[frame_index(a)],
            None => 0,
        };
        Some((u64::from(self.epoch) << 32) | u64::from(g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert!(GuestMemory::new(0).is_err());
        assert!(GuestMemory::new(SEGMENT_SIZE + 4096).is_err());
        assert!(GuestMemory::new(MAX_MEMORY + SEGMENT_SIZE).is_err());
        let m = GuestMemory::new(4 << 30).unwrap();
        assert_eq!((m.size(), m.resident_frames()), (4 << 30, 0));
    }

    #[test]
    fn frame_generations_change_with_writes_loads_and_clear() {
        let mut m = GuestMemory::new(2 << 20).unwrap();
        let g = |m: &GuestMemory, a| m.frame_generation(GuestAbs(a)).unwrap();
        let (g0, other) = (g(&m, 0x1000), g(&m, 0x2000));
        m.read(GuestAbs(0x1000), &mut [0u8; 4]).unwrap();
        assert_eq!(g(&m, 0x1000), g0, "reads keep the generation");
        m.write(GuestAbs(0x1ffe), &[1; 4]).unwrap();
        let g1 = g(&m, 0x1000);
        assert_ne!(g1, g0);
        assert_ne!(g(&m, 0x2000), other, "a write across frames changes both");
        m.load(0x1000, &[2]).unwrap();
        assert_ne!(g(&m, 0x1000), g1);
        let before = g(&m, 0x10_0000);
        m.clear();
        assert_ne!(g(&m, 0x10_0000), before, "clear changes every frame");
        assert_eq!(m.frame_generation(GuestAbs(2 << 20)), None);
    }

    #[test]
    fn sparse_reads_and_writes_across_frames_and_segments() {
        let mut m = GuestMemory::new(4 << 20).unwrap();
        let mut b = [0xaau8; 8];
        m.read(GuestAbs(0x30_0000), &mut b).unwrap();
        assert_eq!(b, [0; 8]);
        assert_eq!(m.resident_frames(), 0, "reads allocate no frames");
        // Crosses a frame and a segment boundary.
        let data: Vec<u8> = (0..16).collect();
        m.write(GuestAbs(SEGMENT_SIZE - 8), &data).unwrap();
        assert_eq!(m.resident_frames(), 2);
        let frames: Vec<(u64, u8, u8)> = m.resident().map(|(a, f)| (a, f[0xfff], f[0])).collect();
        assert_eq!(frames, [(SEGMENT_SIZE - 4096, 7, 0), (SEGMENT_SIZE, 0, 8)]);
        let mut back = [0u8; 20];
        m.read(GuestAbs(SEGMENT_SIZE - 10), &mut back).unwrap();
        assert_eq!(&back[2..18], &data[..]);
        assert_eq!((back[0], back[19]), (0, 0));
        assert!(matches!(
            m.write(GuestAbs((4 << 20) - 2), &[1, 2, 3]),
            Err(StorageFault::Addressing { .. })
        ));
        assert!(matches!(m.read(GuestAbs(4 << 20), &mut b), Err(StorageFault::Addressing { .. })));
    }

    #[test]
    fn keys_and_reference_change_bits() {
        let mut m = GuestMemory::new(1 << 20).unwrap();
        assert_eq!(m.storage_key(GuestAbs(0x5000)), Ok(0));
        m.set_storage_key(GuestAbs(0x5000), 0x31).unwrap();
        assert_eq!(m.storage_key(GuestAbs(0x5fff)), Ok(0x30));
        let mut b = [0u8; 1];
        m.read(GuestAbs(0x5001), &mut b).unwrap();
        assert_eq!(m.storage_key(GuestAbs(0x5000)), Ok(0x34));
        m.write(GuestAbs(0x4fff), &[1, 2]).unwrap();
        assert_eq!(m.storage_key(GuestAbs(0x4000)), Ok(0x06));
        assert_eq!(m.storage_key(GuestAbs(0x5000)), Ok(0x36));
        m.load(GuestAbs(0x8000).get(), &[9]).unwrap();
        assert_eq!(m.storage_key(GuestAbs(0x8000)), Ok(0), "loads set no bits");
        m.clear();
        m.read(GuestAbs(0x4fff), &mut b).unwrap();
        assert_eq!(b, [0]);
        assert_eq!(m.storage_key(GuestAbs(0x4000)), Ok(0x04));
        assert_eq!(m.storage_key(GuestAbs(0x5000)), Ok(0));
        assert!(m.set_storage_key(GuestAbs(1 << 20), 0).is_err());
    }
}
