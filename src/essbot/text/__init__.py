"""French text tools shared by every stage: tokens, stems and sentences."""
