"""Stage 2, finding hands: the Hand record and detector interface, MediaPipe's palm and
landmark models through LiteRT, the video tracker and where it looks, still-image detection."""
