"""The mcr program as an operator drives it: --check, the console from a
pipe and from --cmdline-file, --stats-period, and telemetry through
dpdk-telemetry.py."""

import os
import subprocess
import tempfile
import time
import unittest

from labkit import MCR, SOURCE_DIR, Lab, Mcr, run, skip_unless_root
from test_ports import config


class CheckTest(unittest.TestCase):
    def test_check_accepts_the_shipped_configs(self):
        for name in sorted(os.listdir(os.path.join(SOURCE_DIR, "config"))):
            if name.endswith(".yaml"):
                with self.subTest(config=name):
                    r = run(MCR, "--", "--config", os.path.join(SOURCE_DIR, "config", name),
                            "--check", check=False)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertIn(": ok", r.stdout)

    def test_check_prints_every_error_and_exits_1(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("ports:\n  - name: up0\n    iface: x\n    drivr: auto\n"
                    "rules:\n  - name: r\n    match: { port: up9, dst: 239.1.1.1, dport: 5000 }\n"
                    "    outputs: [ { port: up0 } ]\n")
        try:
            r = run(MCR, "--", "--config", f.name, "--check", check=False)
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.strip().splitlines()
        self.assertGreaterEqual(len(lines), 2, r.stderr)
        self.assertTrue(all(l.startswith(f.name + ":") for l in lines), r.stderr)
        self.assertIn(f"{f.name}:4:5: unknown key 'drivr'", r.stderr)
        self.assertIn("unknown port 'up9'", r.stderr)

    def test_bad_option_is_a_usage_error(self):
        r = run(MCR, "--", "--config", "x.yaml", "--bogus", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option '--bogus'", r.stderr)
        self.assertIn("usage:", r.stderr)


@skip_unless_root
class ConsoleTest(unittest.TestCase):
    def test_piped_commands_run_then_forwarding_continues(self):
        commands = ("show port stats all\nshow pools\nshow workers\nhelp\n"
                    "show port stats nosuch\nfrobnicate\nshow port xstats up0\n")
        with Lab() as lab:
            mcr = Mcr(lab, config("af_packet"), stdin_text=commands).start()
            self.addCleanup(mcr.close)
            mcr.proc.stdin.close()
            sent = lab.send_udp(100)
            self.assertEqual(mcr.wait_rx("up0", sent), sent)
            self.assertEqual(mcr.stop(), 0)
        out = mcr.stdout
        self.assertIn("######## port up0 (af_packet on", out)
        self.assertIn("######## port down0", out)
        self.assertIn("small", out)  # show pools
        self.assertIn("worker 0 lcore 1", out)
        self.assertIn("show port stats NAME", out)  # help
        self.assertIn("error: no port named 'nosuch'", out)
        self.assertIn("error: unknown command 'frobnicate'", out)

    def test_cmdline_file_and_quit(self):
        with Lab() as lab, tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("show pools\nquit\nshow workers\n")
            f.close()
            mcr = Mcr(lab, config("af_packet"), extra_args=("--cmdline-file", f.name,
                                                            "--no-console"))
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 0)
            os.unlink(f.name)
        self.assertIn("in-use", mcr.stdout)
        self.assertNotIn("worker 0 lcore 1", mcr.stdout)  # after quit

    def test_stats_period_prints_counters(self):
        with Lab() as lab, Mcr(lab, config("af_packet"),
                               extra_args=("--stats-period", "1", "--no-console")) as mcr:
            lab.send_udp(50)
            time.sleep(2.5)
            mcr.stop()
        self.assertIn("RX-packets: 50", mcr.stdout)

    def test_dpdk_telemetry_py_finds_mcr(self):
        with Lab() as lab, Mcr(lab, config("af_packet")) as mcr:
            sent = lab.send_udp(30)
            mcr.wait_rx("up0", sent)
            r = lab.exec("relay", "dpdk-telemetry.py", "-f", mcr.file_prefix,
                         input="/mcr/ports\n/mcr/pools\n/mcr/workers\n")
            self.assertIn('"up0"', r.stdout)
            self.assertIn(f'"rx_packets": {sent}', r.stdout)
            self.assertIn('"small"', r.stdout)
            self.assertIn('"busy_polls"', r.stdout)


if __name__ == "__main__":
    unittest.main()


@skip_unless_root
class TtyTest(unittest.TestCase):
    """The interactive console on a terminal: completion, history, errors."""

    def test_completion_history_and_errors_on_a_tty(self):
        import os
        import pty
        import select

        from labkit import LAB_SH

        def read_until(fd, text, timeout=10):
            out = b""
            deadline = time.time() + timeout
            while text.encode() not in out and time.time() < deadline:
                if select.select([fd], [], [], 0.2)[0]:
                    try:
                        out += os.read(fd, 4096)
                    except OSError:
                        break
            return out.decode(errors="replace")

        with Lab() as lab:
            mcr = Mcr(lab, config("af_packet"))
            self.addCleanup(mcr.close)
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(LAB_SH, [LAB_SH, "exec", "--prefix", lab.prefix, "relay", *mcr.args])
            try:
                self.assertIn("mcr> ", read_until(fd, "mcr> ", 30))
                os.write(fd, b"sho\t")           # completes the only command word
                self.assertIn("show", read_until(fd, "show"))
                os.write(fd, b" poo\t\r")        # "show pools"
                self.assertIn("in-use", read_until(fd, "in-use"))
                os.write(fd, b"frobnicate\r")     # cmdline's own answer on a TTY
                self.assertIn("Command not found", read_until(fd, "Command not found"))
                os.write(fd, b"show port stats nosuch\r")
                self.assertIn("error: no port named 'nosuch'", read_until(fd, "error: no port"))
                os.write(fd, b"\x1b[A\x1b[A\x1b[A\r")  # history: up three = show pools
                self.assertIn("in-use", read_until(fd, "in-use"))
                os.write(fd, b"quit\r")
                _, status = os.waitpid(pid, 0)
                self.assertEqual(os.waitstatus_to_exitcode(status), 0)
            finally:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
                os.close(fd)
