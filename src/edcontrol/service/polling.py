"""A background thread that does one unit of work per tick and waits ``poll_s`` when there was none."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("edcontrol.service")


class PollingThread(threading.Thread):
    """Subclasses implement ``tick`` (True when it did work, so the next tick follows at once); an error in
    a tick is logged and waited out, so transient database or network trouble never ends the thread."""

    def __init__(self, name: str, poll_s: float) -> None:
        super().__init__(daemon=True, name=name)
        self.poll_s = poll_s
        self.stop_event = threading.Event()

    def tick(self) -> bool:
        raise NotImplementedError

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                busy = self.tick()
            except Exception:
                log.exception("%s: error in its loop", self.name)
                busy = False
            if not busy:
                self.stop_event.wait(self.poll_s)

    def stop(self) -> None:
        self.stop_event.set()
