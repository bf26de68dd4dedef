//! The allocator: a run's first allocations come from a fixed arena, the rest from the system.
//!
//! Most runs are over in a millisecond and allocate a few hundred small values. musl's allocator
//! (the static release binary's) maps and unmaps a page for many of them: `--help` made 129
//! `mmap`/`munmap` calls, more time than all its own work. Here an allocation takes the next
//! bytes of a static arena (untouched pages cost nothing), the newest one can grow or be given
//! back in place, and the others are not reused: a run that outgrows the arena, such as
//! `exec --server`, goes on with the system allocator at the cost of the arena's size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The arena's size: what the paths without network use, with room to spare.
const ARENA: usize = 512 * 1024;

/// The global allocator (see the module's comment); running out of memory ends the run with
/// our one-line message instead of the standard library's.
pub struct Allocator<const N: usize = ARENA> {
    arena: UnsafeCell<[u8; N]>,
    /// Bytes of the arena handed out, from its start.
    used: AtomicUsize,
}

// SAFETY: the arena's bytes are only reached through ranges handed out by compare-and-swap on
// `used`, so no two live blocks share a byte; bytes given back and handed out again pass
// between threads through the same atomic (acquire and release), so their uses are ordered.
unsafe impl<const N: usize> Sync for Allocator<N> {}

impl<const N: usize> Allocator<N> {
    pub const fn new() -> Self {
        Self {
            arena: UnsafeCell::new([0; N]),
            used: AtomicUsize::new(0),
        }
    }

    fn base(&self) -> *mut u8 {
        self.arena.get().cast()
    }

    /// The offset of `ptr` in the arena, when it was handed out from there.
    fn offset(&self, ptr: *mut u8) -> Option<usize> {
        let offset = (ptr as usize).wrapping_sub(self.base() as usize);
        (offset < N).then_some(offset)
    }

    /// The next `layout.size()` bytes at `layout.align()`, or null when the arena is full.
    fn bump(&self, layout: Layout) -> *mut u8 {
        let base = self.base() as usize;
        let mut used = self.used.load(Ordering::Acquire);
        loop {
            let Some(start) = (base + used)
                .checked_next_multiple_of(layout.align())
                .map(|at| at - base)
            else {
                return std::ptr::null_mut();
            };
            let end = match start.checked_add(layout.size()) {
                Some(end) if end <= N => end,
                _ => return std::ptr::null_mut(),
            };
            match self
                .used
                .compare_exchange_weak(used, end, Ordering::AcqRel, Ordering::Acquire)
            {
                // SAFETY: start <= end <= N: inside the arena.
                Ok(_) => return unsafe { self.base().add(start) },
                Err(now) => used = now,
            }
        }
    }

    /// Moves the arena's end from `from` to `to` when nothing was handed out after `from`: the
    /// newest allocation grows, shrinks or is given back in place.
    fn move_end(&self, from: usize, to: usize) -> bool {
        to <= N
            && self
                .used
                .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }
}

impl<const N: usize> Default for Allocator<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: arena blocks are distinct ranges of the arena at the asked alignment (see `bump`),
// never handed out twice while live; every other pointer is the system allocator's and goes
// back to it, with the caller's contract unchanged.
unsafe impl<const N: usize> GlobalAlloc for Allocator<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = self.bump(layout);
        if !ptr.is_null() {
            return ptr;
        }
        // SAFETY: same contract as the caller's.
        out_of_memory(unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = self.bump(layout);
        if !ptr.is_null() {
            // Bytes given back in place may have been written.
            // SAFETY: `bump` handed out `layout.size()` bytes at `ptr`.
            unsafe { ptr.write_bytes(0, layout.size()) };
            return ptr;
        }
        // SAFETY: same contract as the caller's.
        out_of_memory(unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match self.offset(ptr) {
            Some(start) => {
                // Only the newest block is given back; the others stay used until the end.
                self.move_end(start + layout.size(), start);
            }
            // SAFETY: same contract as the caller's: the system allocator gave `ptr`.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(start) = self.offset(ptr) else {
            // SAFETY: same contract as the caller's: the system allocator gave `ptr`.
            return out_of_memory(unsafe { System.realloc(ptr, layout, new_size) });
        };
        if new_size <= layout.size() {
            // Shrunk where it is (the newest block gives its tail back).
            self.move_end(start + layout.size(), start + new_size);
            return ptr;
        }
        if self.move_end(start + layout.size(), start + new_size) {
            return ptr; // the newest block, grown where it is
        }
        // SAFETY: the new layout is valid: the caller's contract gives `new_size` at this
        // alignment; the old block holds `layout.size()` bytes, fewer than the new one's.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            std::ptr::copy_nonoverlapping(ptr, new, layout.size());
            self.dealloc(ptr, layout);
            new
        }
    }
}

fn out_of_memory(ptr: *mut u8) -> *mut u8 {
    if ptr.is_null() {
        // No allocation here: a fixed message straight to stderr, then the end.
        use std::io::Write;
        let _ = std::io::stderr()
            .write_all(b"mfa-env: internal error: out of memory; nothing was printed\n");
        std::process::abort();
    }
    ptr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn blocks_are_aligned_distinct_and_the_newest_is_reused() {
        let arena = Box::new(Allocator::<4096>::new());
        unsafe {
            let a = arena.alloc(layout(3, 1));
            let b = arena.alloc(layout(8, 8));
            assert_eq!(b as usize % 8, 0);
            assert!(b as usize >= a as usize + 3);
            let c = arena.alloc(layout(64, 64));
            assert_eq!(c as usize % 64, 0);
            // The newest block goes back in place and its bytes are handed out again.
            arena.dealloc(c, layout(64, 64));
            assert_eq!(arena.alloc(layout(64, 64)), c);
            // An older block is not reused.
            arena.dealloc(a, layout(3, 1));
            assert_ne!(arena.alloc(layout(3, 1)), a);
        }
    }

    #[test]
    fn the_newest_block_grows_in_place_and_an_older_one_moves() {
        let arena = Box::new(Allocator::<4096>::new());
        unsafe {
            let a = arena.alloc(layout(4, 1));
            a.copy_from(b"abcd".as_ptr(), 4);
            let grown = arena.realloc(a, layout(4, 1), 100);
            assert_eq!(grown, a);
            let b = arena.alloc(layout(4, 1));
            let moved = arena.realloc(grown, layout(100, 1), 200);
            assert!(moved != grown && moved > b);
            assert_eq!(std::slice::from_raw_parts(moved, 4), b"abcd");
            // Shrinking stays in place.
            assert_eq!(arena.realloc(moved, layout(200, 1), 10), moved);
        }
    }

    #[test]
    fn a_full_arena_hands_over_to_the_system() {
        let arena = Box::new(Allocator::<256>::new());
        unsafe {
            let inside = arena.alloc(layout(200, 8));
            assert!(arena.offset(inside).is_some());
            let outside = arena.alloc_zeroed(layout(100, 8));
            assert!(arena.offset(outside).is_none());
            assert!(
                std::slice::from_raw_parts(outside, 100)
                    .iter()
                    .all(|b| *b == 0)
            );
            // Growing past the end moves the block to the system allocator, bytes and all.
            inside.write_bytes(7, 200);
            let moved = arena.realloc(inside, layout(200, 8), 1000);
            assert!(arena.offset(moved).is_none());
            assert!(
                std::slice::from_raw_parts(moved, 200)
                    .iter()
                    .all(|b| *b == 7)
            );
            arena.dealloc(moved, layout(1000, 8));
            arena.dealloc(outside, layout(100, 8));
        }
    }

    #[test]
    fn given_back_bytes_are_zeroed_when_asked() {
        let arena = Box::new(Allocator::<256>::new());
        unsafe {
            let a = arena.alloc(layout(16, 1));
            a.write_bytes(9, 16);
            arena.dealloc(a, layout(16, 1));
            let z = arena.alloc_zeroed(layout(16, 1));
            assert_eq!(z, a);
            assert!(std::slice::from_raw_parts(z, 16).iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn threads_never_share_a_block() {
        let arena = std::sync::Arc::new(Allocator::<65536>::new());
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                let arena = arena.clone();
                std::thread::spawn(move || unsafe {
                    let blocks: Vec<_> = (0..100).map(|_| arena.alloc(layout(16, 8))).collect();
                    for &b in &blocks {
                        b.write_bytes(t, 16);
                    }
                    std::thread::yield_now();
                    blocks
                        .iter()
                        .all(|b| std::slice::from_raw_parts(*b, 16).iter().all(|x| *x == t))
                })
            })
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap()));
    }
}
