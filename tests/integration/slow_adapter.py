"""A Twilio messaging adapter that parses slowly: the worker-killed-mid-task test's victim.

Only a test worker started with CXHUB_TEST_SLOW_PARSE_S installs it (see worker_settings.py);
the web process keeps the real adapter, so the stored event is an ordinary Twilio delivery.
`parse` runs inside the processing transaction, after the event's row lock is taken
(interactions/services/events.py), so while it sleeps the task is truly mid-flight: received,
unacknowledged (acks_late), its event locked and not yet processed.
"""

from __future__ import annotations

import sys
import time

from interactions.channels import registry
from interactions.channels.twilio import TwilioMessaging

# Written to the worker's log (stderr) once the task holds the event's lock.
STARTED = "Slow parse started for"
# The registry imports adapters from interactions.channels.<module>; this module answers there.
ALIAS = "slow_test_adapter"


class SlowTwilioMessaging(TwilioMessaging):
    delay_s = 60.0

    def parse(self, payload, raw):
        print(f"{STARTED} {payload.get('MessageSid')}", file=sys.stderr, flush=True)
        time.sleep(self.delay_s)
        return super().parse(payload, raw)


def install(delay_s: float) -> None:
    """Make this process's "twilio" adapter the slow one."""
    SlowTwilioMessaging.delay_s = delay_s
    sys.modules[f"interactions.channels.{ALIAS}"] = sys.modules[__name__]
    registry.register("twilio", f"{ALIAS}:SlowTwilioMessaging")
