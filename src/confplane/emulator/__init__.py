"""What makes confplane a test double: injected faults, DingTalk's rate limit, a journal
of the calls made, and controls over the clock (``confplane serve --emulator``)."""
