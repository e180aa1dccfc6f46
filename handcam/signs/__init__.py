"""Stage 5, from readings to signs and text: smoothing in time, J and Z from motion,
composing text, practice rounds and their scores."""
