"""The lab for mcr's integration tests: namespaces from tools/lab.sh with a
unique prefix, mcr started inside the relay host, traffic from the generator
host, counters read over DPDK telemetry. Everything a test creates is
removed when it ends, whatever happened."""

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("MCR_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("MCR_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
LAB_SH = os.path.join(SOURCE_DIR, "tools", "lab.sh")
MCR = os.path.join(BUILD_DIR, "app", "mcr")
MCR_CTL = os.path.join(BUILD_DIR, "tools", "mcr-ctl")
TRAFFIC_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "traffic.py")
SINK_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sink.py")

_counter = 0


def unique_prefix():
    """Short (interface names), unique per test and process."""
    global _counter
    _counter += 1
    return f"t{os.getpid() % 100000}{_counter}"


def run(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, text=True, capture_output=True, **kw)


def skip_unless_root(test):
    return unittest.skipUnless(os.geteuid() == 0, "lab tests need root")(test)


def ipv6_of(address):
    """The lab's IPv6 address for a host's IPv4 one (lab.sh --ipv6):
    198.18.N.H is 2001:2:0:N::H."""
    _, _, link, host = address.split(".")
    return f"2001:2:0:{link}::{host}"


class Capture:
    """tcpdump on one link of the lab (Lab.capture): running and listening
    once constructed; text() stops it and returns what it decoded, one
    packet a line (-n -vv). tcpdump is our child itself (lab.sh exec
    execs it), so signals reach it and nothing outlives close(); lab.sh
    down ends it too."""

    def __init__(self, lab, host, iface, bpf_filter):
        self.proc = lab.popen(host, "tcpdump", "-l", "-n", "-vv", "-i", iface,
                              *bpf_filter.split(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        seen = ""
        while time.time() < deadline and "listening on" not in seen:
            if select.select([self.proc.stderr], [], [], 0.1)[0]:
                line = self.proc.stderr.readline()
                if not line:
                    break
                seen += line
        if "listening on" not in seen:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"tcpdump did not start on {iface}: {seen}")

    def text(self, linger=0.3):
        """Stops the capture (after `linger` seconds for what is on its
        way) and returns its output."""
        time.sleep(linger)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


class Lab:
    """tools/lab.sh up/down around a block, plus helpers inside it."""

    def __init__(self, sinks=1, queues=1, neighbours=None, ipv6=False):
        """neighbours: 'static' or 'none' (lab.sh --neighbours); None for
        lab.sh's default. ipv6: IPv6 on in every host, with addresses from
        2001:2::/48 on each link (lab.sh --ipv6, ipv6_of)."""
        self.prefix = unique_prefix()
        self.sinks = sinks
        self.queues = queues
        self.neighbours = neighbours
        self.ipv6 = ipv6

    def __enter__(self):
        extra = ["--neighbours", self.neighbours] if self.neighbours else []
        if self.ipv6:
            extra.append("--ipv6")
        run(LAB_SH, "up", "--prefix", self.prefix, "--sinks", str(self.sinks),
            "--queues", str(self.queues), *extra)
        return self

    def __exit__(self, *exc):
        run(LAB_SH, "down", "--prefix", self.prefix, check=False)

    def ns(self, host):
        return f"{self.prefix}-{host}"

    def iface(self, side):
        """'g0' generator side, 'r0' relay ingress, 'r1'.. relay egress, 's1'.. sinks."""
        return f"{self.prefix}{side}"

    def exec(self, host, *cmd, check=True, **kw):
        return run(LAB_SH, "exec", "--prefix", self.prefix, host, *cmd, check=check, **kw)

    def popen(self, host, *cmd, **kw):
        return subprocess.Popen([LAB_SH, "exec", "--prefix", self.prefix, host, *cmd], **kw)

    def capture(self, host, iface, bpf_filter):
        """A Capture (tcpdump) on iface in host, already listening. Kernel
        control traffic (IGMP, MLD, ND) is best matched by its decoded
        text: MLD reports carry a hop-by-hop header, which tcpdump's
        `icmp6` primitive does not look past, so capture `ip6` and search
        for "multicast listener report"."""
        return Capture(self, host, iface, bpf_filter)

    def xdp_prog_id(self, host, iface):
        out = self.exec(host, "ip", "-d", "-j", "link", "show", "dev", iface).stdout
        info = json.loads(out)[0]
        xdp = info.get("xdp")
        return 0 if xdp is None else xdp.get("prog", {}).get("id", 0) or xdp.get("attached", [{}])[0].get("prog", {}).get("id", 0)

    def send_udp(self, count, dst="239.1.1.1", dport=5000, size=64, src_port=4000,
                 src="198.18.1.2"):
        """Sends `count` datagrams (traffic.make_payload) from the generator
        host with a kernel socket, paced so veth never drops; returns the
        count sent. src_port may be a list: one flow each, interleaved. src
        must be an address of the generator's interface (add_gen_address);
        an IPv6 dst is sent from the generator's IPv6 address by default
        (Lab(ipv6=True))."""
        ports = ",".join(map(str, src_port)) if isinstance(src_port, (list, tuple)) else str(src_port)
        if ":" in dst and src == "198.18.1.2":
            src = ipv6_of(src)  # an IPv6 destination: the generator's IPv6 address
        out = self.exec("gen", "/usr/bin/python3", TRAFFIC_PY, str(count), dst, str(dport),
                        str(size), ports, src).stdout
        return int(out.strip())

    def add_gen_address(self, address):
        """A second source on the generator (198.18.1.0/24, like its own)."""
        self.exec("gen", "ip", "addr", "add", f"{address}/24", "dev", self.iface("g0"))

    def start_sink(self, host, expected, endpoints, seconds=20):
        """sink.py in a sink host; returns it once its sockets are bound."""
        proc = self.popen(host, "/usr/bin/python3", SINK_PY, str(seconds), str(expected),
                          *endpoints, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.kill()
            raise AssertionError(f"sink did not start: {line}")
        time.sleep(0.3)  # the IGMP joins reach the relay's kernel
        return proc

    @staticmethod
    def sink_result(proc, timeout=30):
        out, _ = proc.communicate(timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])


class Mcr:
    """mcr running in the relay host with a config written for this lab."""

    def __init__(self, lab, config_text, lcores="0,1", extra_args=(), stdin_text=None):
        """lcores: EAL's -l list, or an --lcores map when it holds '@'."""
        self.lab = lab
        self.file_prefix = f"mcr{lab.prefix}"
        self.dir = tempfile.TemporaryDirectory(prefix="mcr-lab-")
        self.config = os.path.join(self.dir.name, "mcr.yaml")
        with open(self.config, "w") as f:
            f.write(config_text.replace("@P@", lab.prefix))
        cores = ["--lcores", lcores] if "@" in lcores else ["-l", lcores]
        self.args = [MCR, *cores, "--no-pci", "--no-huge", "-m", "512", "--file-prefix",
                     self.file_prefix, "--log-level", "lib.eal:error", "--", "--config",
                     self.config, *extra_args]
        self.stdin_text = stdin_text
        self.proc = None
        self.stdout = ""
        self.stderr = ""

    @property
    def telemetry_path(self):
        return f"/var/run/dpdk/{self.file_prefix}/dpdk_telemetry.v2"

    def start(self, wait=True, timeout=30):
        self.out_file = open(os.path.join(self.dir.name, "stdout"), "w+")
        self.err_file = open(os.path.join(self.dir.name, "stderr"), "w+")
        self.proc = self.lab.popen("relay", *self.args, text=True,
                                   stdin=subprocess.PIPE, stdout=self.out_file,
                                   stderr=self.err_file)
        if self.stdin_text is not None:
            self.proc.stdin.write(self.stdin_text)
            self.proc.stdin.flush()
        if wait:
            self.wait_forwarding(timeout)
        return self

    def read_output(self):
        self.out_file.flush()
        self.err_file.flush()
        with open(self.out_file.name) as f:
            self.stdout = f.read()
        with open(self.err_file.name) as f:
            self.stderr = f.read()
        return self.stdout, self.stderr

    def wait_forwarding(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            out, err = self.read_output()
            if "mcr: forwarding" in out:
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"mcr exited {self.proc.returncode}:\n{out}\n{err}")
            time.sleep(0.1)
        raise AssertionError(f"mcr did not start in {timeout}s:\n{self.read_output()}")

    def telemetry(self, command):
        """One request on DPDK's telemetry socket, as dpdk-telemetry.py does."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.connect(self.telemetry_path)
            s.recv(1024 * 16)  # the greeting
            s.send(command.encode())
            return json.loads(s.recv(1024 * 1024).decode())[command.split(",")[0]]

    def port(self, name):
        return self.telemetry("/mcr/ports")[name]

    def rule(self, name):
        """/mcr/rule,NAME: one rule with every output (following
        outputs_next when the outputs take more than one reply)."""
        rule = self.telemetry(f"/mcr/rule,{name}")
        if "error" in rule:
            raise KeyError(rule["error"])
        while rule["outputs_next"] is not None:
            more = self.telemetry(f"/mcr/rule,{name},{rule['outputs_next']}")
            rule["outputs"].update(more["outputs"])
            rule["outputs_next"] = more["outputs_next"]
        return rule

    def rules(self):
        """Every rule by its exact name, read through the /mcr/rules pages."""
        rules, offset = {}, 0
        while offset is not None:
            page = self.telemetry(f"/mcr/rules,{offset}")
            for r in page["rules"].values():
                rules[r["name"]] = r
            offset = page["next"]
        return rules

    def ctl(self, *command, input=None, check=False):
        """mcr-ctl against this mcr, from the relay host."""
        return self.lab.exec("relay", MCR_CTL, "--file-prefix", self.file_prefix, *command,
                             input=input, check=check)

    def rewrite_config(self, text):
        with open(self.config, "w") as f:
            f.write(text.replace("@P@", self.lab.prefix))

    def wait_rx(self, port, expected, timeout=10):
        deadline = time.time() + timeout
        seen = 0
        while time.time() < deadline:
            seen = self.port(port)["rx_packets"]
            if seen >= expected:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # anything beyond `expected` arrives now
        return self.port(port)["rx_packets"]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signals mcr (the process inside `ip netns exec` is exec'd, so it
        is our child's PID) and returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.read_output()
        return self.proc.returncode

    def close(self):
        """Stops mcr if it runs and removes its files."""
        self.stop()
        for f in (getattr(self, "out_file", None), getattr(self, "err_file", None)):
            if f is not None:
                f.close()
        if self.proc is not None and self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.dir.cleanup()
        # EAL's runtime folder (sockets, config) outlives the process.
        shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)

    def run_to_exit(self, timeout=30):
        """For runs that should fail at start-up."""
        self.start(wait=False)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.read_output()
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
