"""A capture being written: its frames and the truth lines describing them."""
from genlib.pcapfile import LINKTYPE_ETHERNET, PcapWriter


def endpoint(ip, port):
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


class Capture:
    def __init__(self, linktype=LINKTYPE_ETHERNET, step_us=10000):
        self.writer = PcapWriter(linktype, step_us=step_us)
        self.truth = []

    def add(self, frame, gap_us=None):
        return self.writer.add(frame, gap_us)

    def expect(self, frame, proto, layers, src=None, dst=None, transport=None):
        """One truth line: the message completed by `frame` with the given protocol objects."""
        t = {"frame": frame, "ts": self.writer.ts_of(frame), "proto": proto}
        if src:
            t["src"] = endpoint(*src)
        if dst:
            t["dst"] = endpoint(*dst)
        if transport:
            t["transport"] = transport
        t.update(layers)
        self.truth.append(t)

    def malformed(self, frame, what):
        self.truth.append({"frame": frame, "proto": "sip", "malformed": what})

    def done(self):
        self.truth.sort(key=lambda t: t["frame"])
        return self.writer, self.truth
