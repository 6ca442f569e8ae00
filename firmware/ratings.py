# The evaluator's rating queue in flash. A rating is written here before
# anything else happens, kept with its original boot/seq/rated_at, re-sent
# after every reconnect, and deleted only when the gateway lists its prompt
# in desired.acked. Writes go to a temp file renamed over the old one, so a
# power cut mid-write leaves either the old or the new queue, never half.
import json
import os

FILE = "ratings.json"
_TMP = "ratings.tmp"
_DONE_KEEP = 16   # prompt ids remembered after delivery: one rating per prompt


class Ratings:
    def __init__(self, path=FILE):
        self.path = path
        self.queue = []   # event dicts, oldest first
        self.done = []    # prompt ids already rated and acknowledged
        try:
            with open(path) as f:
                d = json.load(f)
            self.queue, self.done = d["queue"], d["done"]
        except OSError:
            pass
        except (ValueError, KeyError, TypeError) as e:
            print("ratings: %s unreadable (%r), starting empty" % (path, e))

    def _save(self):
        tmp = self.path[:-5] + ".tmp" if self.path.endswith(".json") else _TMP
        with open(tmp, "w") as f:
            json.dump({"queue": self.queue, "done": self.done}, f)
        os.rename(tmp, self.path)

    def rated(self, prompt):
        if prompt in self.done:
            return True
        for e in self.queue:
            if e["prompt"] == prompt:
                return True
        return False

    def add(self, event):
        self.queue.append(event)
        self._save()

    def ack(self, prompts):
        """Drop the ratings whose prompt the gateway has stored; True if any."""
        keep = [e for e in self.queue if e["prompt"] not in prompts]
        if len(keep) == len(self.queue):
            return False
        for e in self.queue:
            if e["prompt"] in prompts:
                self.done.append(e["prompt"])
        self.done = self.done[-_DONE_KEEP:]
        self.queue = keep
        self._save()
        return True
