"""Allocator tuning: the glibc settings asked for, the opt-out, and other systems."""

from __future__ import annotations

import sys

import pytest

from handcam.system import allocator


class FakeLibc:
    def __init__(self, refuse: int | None = None) -> None:
        self.calls: list[tuple[int, int]] = []
        self.refuse = refuse

    def mallopt(self, param, value) -> int:
        self.calls.append((param.value, value.value))
        return 0 if param.value == self.refuse else 1


def test_large_buffers_are_mapped_and_arenas_capped():
    libc = FakeLibc()
    applied = allocator.tune_allocator(libc)
    assert dict(libc.calls) == {
        allocator.M_MMAP_THRESHOLD: 256 * 1024,  # a 640x480 frame (900 KB) is above it
        allocator.M_TRIM_THRESHOLD: 1024 * 1024,
        allocator.M_ARENA_MAX: 2,
    }
    assert applied == {"M_MMAP_THRESHOLD": 262144, "M_TRIM_THRESHOLD": 1048576, "M_ARENA_MAX": 2}


def test_a_refused_setting_is_left_out_and_the_others_stay(caplog):
    caplog.set_level("INFO", logger="handcam.system.allocator")
    applied = allocator.tune_allocator(FakeLibc(refuse=allocator.M_ARENA_MAX))
    assert "M_ARENA_MAX" not in applied and "M_MMAP_THRESHOLD" in applied
    assert "M_ARENA_MAX" in caplog.text


def test_the_environment_can_turn_it_off(monkeypatch):
    monkeypatch.setenv("HANDCAM_MALLOC_TUNING", "0")
    libc = FakeLibc()
    assert allocator.tune_allocator(libc) == {} and libc.calls == []


def test_nothing_happens_without_glibc(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert allocator._glibc() is None
    assert allocator.tune_allocator() == {}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_glibc_accepts_the_settings():
    if allocator._glibc() is None:
        pytest.skip("not a glibc system")
    wanted = {"M_MMAP_THRESHOLD", "M_TRIM_THRESHOLD", "M_ARENA_MAX"}
    assert set(allocator.tune_allocator()) == wanted
