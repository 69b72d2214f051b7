"""Time, injectable: tests replace `sleep` to assert the wait asked for without waiting."""

import time

sleep = time.sleep
monotonic = time.monotonic
now = time.time
