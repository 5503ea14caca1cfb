"""The ticker: a background thread that advances jobs by the clock."""

import threading

TICK_SECONDS = 0.05


class Ticker:
    """Calls ``array.tick()`` (which takes the array lock) every TICK_SECONDS."""

    def __init__(self, array):
        self.array = array
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name='array-ticker-%s' % self.array.name, daemon=True)
            self._thread.start()

    def stop(self):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _run(self):
        while not self._stop.wait(TICK_SECONDS):
            self.array.tick()
