//! The sparse frame table behind [`MachineStorage`](super::MachineStorage) (uv-spec.md §4:
//! one protection state per 4 KiB frame).
//!
//! Frames are grouped in 1 MiB segments of 256. A segment holds, per frame, the data
//! (allocated on the first non-zero write), the storage key, the protection state and
//! the write generation, and counts its protected (not non-secure) frames so that range
//! checks skip whole segments. Segments are allocated on first need; the table of
//! segments grows to the highest segment used, so a large storage that is barely touched
//! costs almost nothing. A frame without a segment is zero, key 0, non-secure,
//! generation 0.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{Page, PageState};

/// Frames per segment.
pub(super) const SEGMENT_FRAMES: usize = 256;

/// One 1 MiB segment of frames.
#[derive(Clone)]
pub(super) struct Segment {
    /// The frames' data; `None` is a zero frame that takes no memory.
    pub(super) frames: [Option<Box<Page>>; SEGMENT_FRAMES],
    /// The frames' storage keys.
    pub(super) keys: [u8; SEGMENT_FRAMES],
    /// The frames' protection states.
    pub(super) states: [PageState; SEGMENT_FRAMES],
    /// The frames' write generations (bumped whenever the bytes or the state change).
    pub(super) gens: [u32; SEGMENT_FRAMES],
    /// How many of `states` are not [`PageState::NonSecure`].
    pub(super) protected: u16,
}

impl Segment {
    fn new() -> Box<Self> {
        Box::new(Self {
            frames: [const { None }; SEGMENT_FRAMES],
            keys: [0; SEGMENT_FRAMES],
            states: [PageState::NonSecure; SEGMENT_FRAMES],
            gens: [0; SEGMENT_FRAMES],
            protected: 0,
        })
    }

    /// Bumps the write generation of frame `i`.
    #[inline(always)]
    pub(super) fn bump(&mut self, i: usize) {
        self.gens[i] = self.gens[i].wrapping_add(1);
    }

    /// Sets the state of frame `i` (keeping the protected count) and bumps its
    /// generation.
    pub(super) fn set_state(&mut self, i: usize, to: PageState) {
        let was = self.states[i] != PageState::NonSecure;
        let is = to != PageState::NonSecure;
        match (was, is) {
            (false, true) => self.protected += 1,
            (true, false) => self.protected -= 1,
            _ => {}
        }
        self.states[i] = to;
        self.bump(i);
    }
}

/// The segment index and the index inside it of frame number `frame` (`None` for a frame
/// no table can hold).
#[inline(always)]
pub(super) fn split(frame: u64) -> Option<(usize, usize)> {
    let seg = usize::try_from(frame / SEGMENT_FRAMES as u64).ok()?;
    Some((seg, (frame % SEGMENT_FRAMES as u64) as usize))
}

/// The segments of one storage.
#[derive(Clone, Default)]
pub(super) struct Table {
    segments: Vec<Option<Box<Segment>>>,
}

impl Table {
    /// The segment holding frame number `frame` and the frame's index in it, if the
    /// segment exists.
    #[inline(always)]
    pub(super) fn get(&self, frame: u64) -> Option<(&Segment, usize)> {
        let (s, i) = split(frame)?;
        Some((self.segments.get(s)?.as_deref()?, i))
    }

    /// As [`Self::get`], mutably.
    #[inline(always)]
    pub(super) fn get_mut(&mut self, frame: u64) -> Option<(&mut Segment, usize)> {
        let (s, i) = split(frame)?;
        Some((self.segments.get_mut(s)?.as_deref_mut()?, i))
    }

    /// The segment holding frame number `frame` (allocated if needed) and the frame's
    /// index in it. Callers pass frames inside storage (the table grows to the segment).
    pub(super) fn get_or_new(&mut self, frame: u64) -> (&mut Segment, usize) {
        let (s, i) = split(frame).unwrap_or((usize::MAX, 0));
        if s >= self.segments.len() {
            self.segments.resize_with(s.saturating_add(1), || None);
        }
        (self.segments[s].get_or_insert_with(Segment::new), i)
    }

    /// Every existing segment with the number of its first frame, ascending.
    pub(super) fn segments(&self) -> impl Iterator<Item = (u64, &Segment)> + '_ {
        self.segments
            .iter()
            .enumerate()
            .filter_map(|(s, seg)| Some(((s * SEGMENT_FRAMES) as u64, seg.as_deref()?)))
    }

    /// The existing segments that hold frames `first..=last`, with the number of their
    /// first frame, ascending.
    pub(super) fn segments_of(
        &self,
        first: u64,
        last: u64,
    ) -> impl Iterator<Item = (u64, &Segment)> + '_ {
        let per = SEGMENT_FRAMES as u64;
        let end = self.segments.len() as u64;
        let (from, to) = (first / per, (last / per).saturating_add(1).min(end));
        (from..to).filter_map(move |s| {
            let seg = self.segments.get(usize::try_from(s).ok()?)?.as_deref()?;
            Some((s * per, seg))
        })
    }

    /// How many frames hold memory.
    pub(super) fn resident(&self) -> usize {
        self.segments().map(|(_, s)| s.frames.iter().flatten().count()).sum()
    }
}
