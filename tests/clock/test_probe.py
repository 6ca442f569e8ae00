"""The probe of the Pi's clock: a state file in place of the system, a battery RTC trusted only
while it keeps a real time that agrees with the system clock, chrony's leap status, the kernel's
own word."""
import subprocess
import time

from gateway.clock import probe


def test_the_state_file(tmp_path):
    f = tmp_path / "state"
    f.write_text("synchronized chrony\n")
    assert probe.state_file(f) == probe.Reading(True, "chrony", f"as {f} says")
    f.write_text("unsynchronized\n")
    assert probe.state_file(f).synced is False
    assert probe.state_file(tmp_path / "missing").synced is False


def test_the_system_probe_reads_the_state_file_named_in_the_environment(tmp_path, monkeypatch):
    f = tmp_path / "state"
    f.write_text("unsynchronized")
    monkeypatch.setenv(probe.ENV, str(f))
    assert probe.system().synced is False
    f.write_text("synchronized rtc")
    assert probe.system() == probe.Reading(True, "rtc", f"as {f} says")
    assert probe.chosen(simulated_clock=True) is probe.system  # the file wins over a simulation
    monkeypatch.delenv(probe.ENV)
    assert probe.chosen(simulated_clock=True)().via == "simulated"


def rtc(tmp_path, since_epoch: str | None, name: str = "rtc-ds1307"):
    d = tmp_path / "rtc0"
    d.mkdir()
    (d / "name").write_text(name + "\n")
    if since_epoch is not None:
        (d / "since_epoch").write_text(since_epoch + "\n")
    return d


def test_a_battery_rtc_that_keeps_the_time_is_trusted(tmp_path):
    now = time.time()
    got = probe.rtc_reading(rtc(tmp_path, str(int(now))), lambda: now)
    assert (got.synced, got.via) == (True, "rtc") and "rtc-ds1307" in got.detail


def test_an_rtc_that_lost_its_time_is_not(tmp_path):
    now = float(int(time.time()))
    pi5 = probe.rtc_reading(rtc(tmp_path, "12", "rpi-rtc"), lambda: now)  # no battery: back to 1970
    assert pi5.synced is False and "1970-01-01" in pi5.detail
    (tmp_path / "b").mkdir()
    stopped = probe.rtc_reading(rtc(tmp_path / "b", None), lambda: now)  # DS3231 oscillator stopped
    assert stopped.synced is False and "cannot be read" in stopped.detail
    (tmp_path / "c").mkdir()
    apart = probe.rtc_reading(rtc(tmp_path / "c", str(int(now) - 600)), lambda: now)
    assert apart.synced is False and "+600 s" in apart.detail
    assert probe.rtc_reading(tmp_path / "none", lambda: now) is None


def test_chrony_leap_status(tmp_path, monkeypatch):
    monkeypatch.setattr(probe.shutil, "which", lambda name: "/usr/bin/chronyc")
    monkeypatch.setattr(probe.Path, "is_dir", lambda self: str(self) == "/run/chrony")
    line = "A29FC87B,162.159.200.123,3,1700000000.1,-0.000001,0.0,0.0,-1.2,0.0,0.0,0.02,0.001,64.0,{}\n"

    def ran(status):
        def run(argv, **kw):
            assert argv[1:] == ["-n", "-c", "tracking"] and kw["timeout"] == 2.0
            return subprocess.CompletedProcess(argv, 0, line.format(status), "")
        return run
    assert probe.chrony_synced(ran("Normal")) is True
    assert probe.chrony_synced(ran("Not synchronised")) is False
    line = "7F7F0101,,10,1700000000.1,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,{}\n"  # `local stratum 10`, offline
    assert probe.chrony_synced(ran("Normal")) is False


def test_the_kernel_answers_yes_or_no():
    assert probe.kernel_synced() in (True, False)  # adjtimex(2) read-only: no privilege needed
