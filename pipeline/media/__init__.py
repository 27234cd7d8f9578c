"""Files in and out: FFmpeg, image sequences, image headers and pixels, atomic writes, streaming."""
