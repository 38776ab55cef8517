"""``pullproof demo``: the seed incident, told end to end against a throw-away emulator."""
