"""python -m hil.printer [--port N | --pty]: an emulated thermal printer that prints each ticket's
text and QR payload to stdout; type a state (ok, paper_near_end, paper_out, cover_open, offline,
no_answer) and Enter to change it."""
import argparse
import sys
import time

from hil.printer.emulator import FAULTS, PrinterEmulator


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m hil.printer")
    ap.add_argument("--port", type=int, default=9100)
    ap.add_argument("--pty", action="store_true", help="a pty instead of TCP (give its path as serial:PATH:19200)")
    args = ap.parse_args()
    emu = PrinterEmulator()
    where = f"serial:{emu.serve_pty()}:19200" if args.pty else f"network:127.0.0.1:{emu.serve_tcp(args.port)}"
    print(f"printer emulator: {where}; states: {', '.join(FAULTS)}", flush=True)
    seen = 0
    try:
        while True:
            for t in emu.tickets[seen:]:
                print(("--- ticket (torn: paper ran out) ---" if t.torn else "--- ticket ---") + "\n" + t.text
                      + "".join(f"\n[QR] {q}" for q in t.qr) + "".join(f"\n[image {i.size[0]}x{i.size[1]}]"
                                                                       for i in t.images), flush=True)
            seen = len(emu.tickets)
            import select
            r, _, _ = select.select([sys.stdin], [], [], 0.3)
            if r:
                line = sys.stdin.readline()
                if not line:
                    time.sleep(0.3)
                    continue
                try:
                    emu.set_state(line.strip())
                    print(f"state: {emu.state}", flush=True)
                except ValueError as e:
                    print(e, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        emu.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
