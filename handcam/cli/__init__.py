"""The `handcam` command and its sub-commands (predict, bench, record)."""
