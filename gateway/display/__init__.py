"""Window display content: text rendered into 1-bit frames for the LED panels."""
