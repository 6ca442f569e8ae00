# The evaluator's rating queue in flash, as a journal: one line per rating,
# appended before anything else happens, kept with its original
# boot/seq/rated_at, re-sent after every reconnect, and marked acked in place
# (its first byte) when the gateway lists its prompt in desired.acked. RAM
# holds a count, not the ratings: sending streams the file from a byte
# offset. Once every rating is acked the file is rewritten small (a temp
# file renamed over it). A power cut mid-append loses at most that line:
# littlefs commits a file on close, and a torn last line is skipped.
#   Q{json}  a rating waiting for the gateway's ack
#   A{json}  acked (Q flipped in place; offsets never move)
#   D"id"    an acked prompt remembered after compaction: one rating per prompt
import json
import os

FILE = "ratings.log"
_OLD = "ratings.json"   # the whole-queue file of firmware before the journal
_DONE_KEEP = 16


def _needle(prompt):
    # how json.dumps writes an event's prompt field: a cheap filter before parsing
    return ('"prompt": ' + json.dumps(prompt)).encode()


def _parse(line):
    try:
        return json.loads(line[1:])
    except ValueError:
        return None   # torn by a power cut


class Ratings:
    def __init__(self, path=FILE):
        self.path = path
        self.count = 0      # ratings waiting for the gateway's ack
        self.done = []      # the last acked prompt ids
        self.gen = 0        # grows when the file is rewritten: byte offsets restart
        self._asked = None  # (prompt, rated) of the last rated() question
        last = b"\n"
        try:
            with open(path, "rb") as f:
                while True:
                    line = f.readline()
                    if not line:
                        break
                    last = line
                    if line[-1] != 10:
                        continue
                    if line[0] == 81:    # Q
                        self.count += 1
                    elif line[0] == 65:  # A
                        e = _parse(line)
                        if e:
                            self._remember(e["prompt"])
                    elif line[0] == 68:  # D
                        p = _parse(line)
                        if p:
                            self._remember(p)
        except OSError:
            pass
        if last[-1] != 10:
            self._append("\n")   # end a torn line, so the next one starts clean
        self._migrate()

    def _migrate(self):
        try:
            with open(_OLD) as f:
                d = json.load(f)
        except OSError:
            return
        except ValueError:
            d = {"queue": [], "done": []}
        for p in d.get("done", ()):
            self._remember(p)
        for e in d.get("queue", ()):
            self.add(e)
        os.remove(_OLD)

    def _remember(self, prompt):
        self.done.append(prompt)
        if len(self.done) > _DONE_KEEP:
            self.done.pop(0)

    def _append(self, text):
        with open(self.path, "a") as f:
            f.write(text)

    def add(self, event):
        """Journal a rating; back only once it is on flash."""
        self._append("Q%s\n" % json.dumps(event))
        self.count += 1
        self._asked = (event["prompt"], True)

    def rated(self, prompt):
        if prompt in self.done:
            return True
        if self._asked and self._asked[0] == prompt:
            return self._asked[1]
        found = False
        needle = _needle(prompt)
        try:
            with open(self.path, "rb") as f:
                while not found:
                    line = f.readline()
                    if not line:
                        break
                    if (line[0] == 81 or line[0] == 65) and needle in line:
                        e = _parse(line)
                        found = bool(e) and e["prompt"] == prompt
        except OSError:
            pass
        self._asked = (prompt, found)
        return found

    def next(self, pos):
        """The first waiting rating at byte offset pos or after it, and the
        offset past it: (event, end), or (None, pos) when there is none."""
        try:
            f = open(self.path, "rb")
        except OSError:
            return None, pos
        with f:
            f.seek(pos)
            while True:
                line = f.readline()
                if not line or line[-1] != 10:
                    return None, pos
                pos += len(line)
                if line[0] == 81:
                    e = _parse(line)
                    if e:
                        return e, pos

    def ack(self, prompts):
        """Mark acked the ratings of the prompts the gateway has stored; True if any."""
        todo = [_needle(p) for p in prompts if p not in self.done]
        if not todo or not self.count:
            return False
        hits = []
        with open(self.path, "r+b") as f:
            pos = 0
            while True:
                line = f.readline()
                if not line:
                    break
                if line[0] == 81 and line[-1] == 10:
                    for n in todo:
                        if n in line:
                            e = _parse(line)
                            if e and e["prompt"] in prompts:
                                hits.append(pos)
                                self._remember(e["prompt"])
                            break
                pos += len(line)
            for at in hits:
                f.seek(at)
                f.write(b"A")
        self.count -= len(hits)
        if hits and not self.count:
            self._compact()
        return bool(hits)

    def _compact(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            for p in self.done:
                f.write("D%s\n" % json.dumps(p))
        os.rename(tmp, self.path)
        self.gen += 1
