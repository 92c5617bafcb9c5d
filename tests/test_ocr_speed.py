"""The allocator setting the OCR engine makes (glibc, as on Debian): model tensors come from the C heap
and stay there between runs."""

from __future__ import annotations

import ctypes

import numpy as np

from extractor.load.ocr import KEEP_FREED_BYTES, keep_freed_memory


class MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (malloc.h): every field a size_t."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def mallinfo() -> MallInfo2:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    info: MallInfo2 = libc.mallinfo2()
    return info


def test_a_large_block_comes_from_the_heap_and_stays_there_when_freed() -> None:
    assert keep_freed_memory()
    mapped_before = mallinfo().hblkhd
    block = np.ones(64 << 20, dtype=np.uint8)  # as large as the detector's tensors on a 200 dpi page
    assert block.sum() == 64 << 20
    assert mallinfo().hblkhd == mapped_before  # not a fresh mapping from the kernel
    heap_with_block = mallinfo().arena
    del block
    assert mallinfo().arena == heap_with_block  # freed, but kept for the next model run


def test_the_setting_bounds_what_the_heap_keeps() -> None:
    assert keep_freed_memory()
    mapped_before = mallinfo().hblkhd
    huge = np.empty(KEEP_FREED_BYTES + (1 << 20), dtype=np.uint8)  # beyond the bound: mapped, given back
    assert mallinfo().hblkhd > mapped_before
    del huge
    assert mallinfo().hblkhd == mapped_before
