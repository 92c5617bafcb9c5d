"""The allocator setting the OCR engine makes (glibc, as on Debian): model tensors come from the C heap
and stay there between runs. Checked in a fresh interpreter, since the setting holds for a whole process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import ctypes
    import sys

    import numpy as np

    class MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2 (malloc.h): every field a size_t
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == "set":
        from extractor.load.ocr import keep_freed_memory
        assert keep_freed_memory()
    mapped = libc.mallinfo2().hblkhd
    block = np.ones(64 << 20, dtype=np.uint8)  # as large as the detector's tensors on a 200 dpi page
    grew = libc.mallinfo2().hblkhd - mapped
    heap = libc.mallinfo2().arena
    del block
    print(grew, heap - libc.mallinfo2().arena)
    """
)


def probe(mode: str) -> tuple[int, int]:
    """(bytes newly mapped from the kernel for a 64 MB block, bytes the heap gave back when it was freed)."""
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    mapped, returned = done.stdout.split()
    return int(mapped), int(returned)


def test_a_large_block_comes_from_the_heap_and_stays_there_when_freed() -> None:
    assert probe("set") == (0, 0)


def test_without_the_setting_the_same_block_is_mapped_from_the_kernel() -> None:
    mapped, _ = probe("default")
    assert mapped >= 64 << 20
