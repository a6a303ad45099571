//! Straight-line runs of pre-decoded instructions ("blocks"): from an instruction
//! address, the [`Pre`] forms of the following instructions up to the first one that is
//! not pre-decoded, the first unconditional branch, the end of the page or [`MAX_ITEMS`]
//! (a conditional branch that is taken leaves the block early). A block is
//! keyed by its absolute address and valid while its frame's write generation is
//! unchanged (the rule of [`super::icache`]); running one needs no per-instruction
//! fetch, only a generation check after each store.

use alloc::boxed::Box;
use alloc::vec;

use pv_core::{GuestAbs, Storage};

use super::Exec;
use super::predecode::{Kind, Pre, pre_decode};
use crate::decode::{Insn, insn_len};

/// Instructions per block at most.
pub const MAX_ITEMS: usize = 16;
/// Blocks in the cache.
const BLOCKS: usize = 512;
/// The tag of an empty block.
const EMPTY: u64 = u64::MAX;

/// One instruction of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The decoded instruction (for tracers).
    pub insn: Insn,
    /// Its pre-decoded form (never [`Kind::Generic`]).
    pub pre: Pre,
    /// Its length in bytes.
    pub len: u8,
    /// What the run checks after it: [`CHECK_BRANCH`] and/or [`CHECK_STORE`].
    pub(crate) checks: u8,
}

/// [`Item::checks`] bit: the instruction may branch (compare the PSW address).
pub(crate) const CHECK_BRANCH: u8 = 1;
/// [`Item::checks`] bit: the instruction may store (compare the frame generation).
pub(crate) const CHECK_STORE: u8 = 2;
/// [`Item::checks`] bit (alone): the instruction neither branches nor stores and the next
/// item is a BRC/BRCL, which the run takes right after it without a dispatch of its own
/// (a compare and the branch on its result, say).
pub(crate) const FUSED: u8 = 4;

/// A block: `count` instructions from absolute address `abs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    abs: u64,
    generation: u64,
    /// How many of `items` are valid (0: the first instruction is not pre-decoded).
    pub count: u8,
    /// The instructions.
    pub items: [Item; MAX_ITEMS],
}

/// The block cache of one CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks {
    /// `BLOCKS` blocks; empty while [`Blocks::take`] lent them out.
    blocks: Box<[Block]>,
}

impl Default for Blocks {
    fn default() -> Self {
        let item = Item { insn: Insn::BLANK, pre: Pre::GENERIC, len: 2, checks: 0 };
        let blank = Block { abs: EMPTY, generation: 0, count: 0, items: [item; MAX_ITEMS] };
        Self { blocks: vec![blank; BLOCKS].into_boxed_slice() }
    }
}

impl Block {
    /// Whether this is the block at `abs` built at frame generation `generation`, with at
    /// least one instruction.
    #[inline(always)]
    pub(crate) fn ready(&self, abs: u64, generation: u64) -> bool {
        self.abs == abs && self.generation == generation && self.count > 0
    }
}

impl Blocks {
    #[inline(always)]
    pub(crate) fn slot(abs: u64) -> usize {
        (abs >> 1) as usize % BLOCKS
    }

    /// Drops every block.
    pub fn purge(&mut self) {
        self.blocks.iter_mut().for_each(|b| b.abs = EMPTY);
    }

    /// The block in slot `i`.
    #[inline(always)]
    pub fn get(&self, i: usize) -> &Block {
        &self.blocks[i % BLOCKS]
    }

    /// Lends the blocks out (leaving none) so that a block runs by reference while the
    /// CPU changes: pre-decoded instructions never look at the block cache. The caller
    /// gives them back with [`Blocks::give_back`] before anything else runs.
    #[inline(always)]
    pub(crate) fn take(&mut self) -> Self {
        Self { blocks: core::mem::take(&mut self.blocks) }
    }

    /// Returns the blocks [`Blocks::take`] lent out.
    #[inline(always)]
    pub(crate) fn give_back(&mut self, lent: Self) {
        self.blocks = lent.blocks;
    }
}

/// Whether a block ends after this instruction: an unconditional branch (BRC/BRCL with
/// mask 15). Conditional branches stay inside blocks: the run leaves the block where one
/// is taken and goes on with the next instruction where it is not.
#[inline(always)]
pub fn ends_block(pre: &Pre) -> bool {
    pre.kind == Kind::Brc && pre.r1 == 15
}

impl<S: Storage + ?Sized> Exec<'_, S> {
    /// The block starting at `addr`, whose page the fetch memo covers (the caller
    /// checked it; `abs` is its absolute address): its slot, built if needed, with its
    /// frame generation. `None` without generations. `known` is an absolute page and its
    /// current generation if the caller knows them (else the page is `NO_PAGE`).
    #[inline(always)]
    pub(crate) fn block_at(&mut self, abs: u64, known: (u64, u64)) -> Option<(usize, u64)> {
        let g = if abs & !0xfff == known.0 {
            known.1
        } else {
            self.mem.frame_generation(GuestAbs(abs))?
        };
        let i = Blocks::slot(abs);
        let b = &self.cpu.icache.blocks.blocks[i % BLOCKS];
        if b.abs == abs && b.generation == g {
            return Some((i, g));
        }
        self.build_block(i, abs, g);
        Some((i, g))
    }

    /// Decodes the block at `abs` (inside the memoized page) into slot `i`.
    #[inline(never)]
    fn build_block(&mut self, i: usize, abs: u64, generation: u64) {
        let mut bytes = [0u8; MAX_ITEMS * 6];
        let room = (4096 - (abs & 0xfff) as usize).min(bytes.len());
        let mut count = 0;
        if self.mem.read(GuestAbs(abs), &mut bytes[..room]).is_ok() {
            let block = &mut self.cpu.icache.blocks.blocks[i % BLOCKS];
            let mut off = 0;
            while count < MAX_ITEMS && off + 2 <= room {
                let len = insn_len(bytes[off]);
                if off + len > room {
                    break;
                }
                let Ok(insn) = Insn::decode(&bytes[off..off + len]) else { break };
                let pre = pre_decode(&insn);
                if pre.kind == Kind::Generic {
                    break;
                }
                let checks = if pre.kind.branches() { CHECK_BRANCH } else { 0 }
                    | if pre.kind.stores() { CHECK_STORE } else { 0 };
                block.items[count] = Item { insn, pre, len: len as u8, checks };
                count += 1;
                off += len;
                if ends_block(&pre) {
                    break;
                }
            }
        }
        let block = &mut self.cpu.icache.blocks.blocks[i % BLOCKS];
        for k in 1..count {
            if block.items[k - 1].checks == 0 && block.items[k].pre.kind == Kind::Brc {
                block.items[k - 1].checks = FUSED;
            }
        }
        block.abs = abs;
        block.generation = generation;
        block.count = count as u8;
    }
}
