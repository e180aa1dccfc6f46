"""Glue to the machine: native libraries' logs, the C allocator, LiteRT, atomic files, timing."""
