"""The Prometheus endpoint in the lab. A real Prometheus server (Debian's
`prometheus`, started by the test in the relay host, scraping only this mcr
every second) stores mcr_rule_packets_total for a rule with the count mcr's
telemetry reports, while traffic flows, rules churn and a client scrapes
/metrics in a tight loop: no datagram of the untouched flows is lost. With
--user the endpoint (bound below port 1024 before privileges go) keeps
serving, its thread holds no more capabilities than the others, max_rules
caps the per-rule series, and reloads show in the reload metrics."""

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from labkit import TRAFFIC_PY, Lab, Mcr, skip_unless_root
from test_control import CONFIG as CONTROL_CONFIG

PROMETHEUS = "/usr/bin/prometheus"
METRICS_PORT = 9464
PROMETHEUS_PORT = 9090   # in the relay host's own network namespace: nothing else there

# test_control's two rules, a third, and the endpoint.
CONFIG = CONTROL_CONFIG + """  - name: feed-d
    match: { port: up0, dst: 239.1.1.4, dport: 5000 }
    outputs: [ { port: down0, dst: 239.8.8.8, dport: 6000 } ]
metrics: { listen: "@LISTEN@"@EXTRA@ }
"""

RULE_C = ("rule add feed-c match port up0 dst 239.1.1.3 dport 5000 "
          "output port down0 dst 239.6.6.6 dport 6000")
A, B, C = "239.2.2.2:6000", "239.4.4.4:6000", "239.6.6.6:6000"

# Flows interleaved, each with its own sequence numbers (as test_control).
SEND_FLOWS = """
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from traffic import make_payload
n, dsts = int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
for i in range(n):
    for d in dsts:
        s.sendto(make_payload(i, 64), (d, 5000))
    if i % 8 == 7:
        time.sleep(0.001)
"""

# One HTTP request from inside a lab host: status, content type, body.
FETCH = """
import json, sys, urllib.error, urllib.request
req = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"x" if sys.argv[2] == "POST" else None)
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        out = {"status": r.status, "type": r.headers.get("Content-Type"), "body": r.read().decode()}
except urllib.error.HTTPError as e:
    out = {"status": e.code, "type": e.headers.get("Content-Type"), "body": e.read().decode()}
print(json.dumps(out))
"""

# GET /metrics back to back until stopped (stdin closes): how many, how
# many failed, and the latencies in seconds.
SCRAPE_LOOP = """
import json, sys, threading, time, urllib.request
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
lat, failed = [], 0
while not stop.is_set():
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
            body = r.read()
        if r.status != 200 or b"mcr_up 1" not in body:
            failed += 1
        lat.append(time.perf_counter() - t)
    except OSError:
        failed += 1
lat.sort()
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None
print(json.dumps({"scrapes": len(lat), "failed": failed, "p50_s": pick(0.5),
                  "p99_s": pick(0.99), "max_s": lat[-1] if lat else None}))
"""


def config(listen, extra=""):
    return CONFIG.replace("@LISTEN@", listen).replace("@EXTRA@", extra)


def fetch(lab, url, method="GET"):
    out = lab.exec("relay", sys.executable, "-c", FETCH, url, method).stdout
    return json.loads(out)


def samples(text):
    """{'name{labels}': value} of a text-format body."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


class Prometheus:
    """Debian's Prometheus server in the relay host, with its own config and
    storage in a temporary folder, scraping only mcr. Stopped by PID."""

    def __init__(self, lab, target):
        self.lab = lab
        self.dir = tempfile.TemporaryDirectory(prefix="mcr-prom-")
        conf = os.path.join(self.dir.name, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global: { scrape_interval: 1s, scrape_timeout: 900ms, "
                    "evaluation_interval: 1s }\n"
                    "scrape_configs:\n"
                    f"  - job_name: mcr\n    static_configs: [ {{ targets: ['{target}'] }} ]\n")
        self.log = open(os.path.join(self.dir.name, "log"), "w+")
        self.proc = lab.popen("relay", PROMETHEUS, f"--config.file={conf}",
                              f"--storage.tsdb.path={os.path.join(self.dir.name, 'data')}",
                              f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}",
                              stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{PROMETHEUS_PORT}"
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited {self.proc.returncode}: {self.logs()}")
            try:
                if fetch(lab, self.base + "/-/ready")["status"] == 200:
                    return
            except (subprocess.CalledProcessError, ValueError):
                pass
            time.sleep(0.5)
        raise AssertionError("prometheus not ready in 60 s: " + self.logs())

    def wait_scraped(self, timeout):
        """Until the first scrape of mcr is stored (discovery takes a moment)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.query('up{job="mcr"} == 1'):
                return
            time.sleep(0.5)
        raise AssertionError("prometheus did not scrape mcr: " + self.logs())

    def logs(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-2000:]

    def query(self, expr):
        """{labels as a sorted tuple: value} of an instant query."""
        url = self.base + "/api/v1/query?query=" + urllib_quote(expr)
        reply = json.loads(fetch(self.lab, url)["body"])
        assert reply["status"] == "success", reply
        return {tuple(sorted(r["metric"].items())): float(r["value"][1])
                for r in reply["data"]["result"]}

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.dir.cleanup()


def urllib_quote(text):
    from urllib.parse import quote
    return quote(text, safe="")


@skip_unless_root
class MetricsTest(unittest.TestCase):
    @unittest.skipUnless(os.access(PROMETHEUS, os.X_OK), "needs prometheus (tools/install-deps.sh)")
    def test_prometheus_scrapes_rule_counters_during_traffic_and_churn(self):
        n = 20000
        target = f"127.0.0.1:{METRICS_PORT}"
        with Lab() as lab, Mcr(lab, config(target)) as mcr:
            prom = Prometheus(lab, target)
            self.addCleanup(prom.close)
            prom.wait_scraped(timeout=30)
            sink = lab.start_sink("sink1", n, [A, B, C + "?"], seconds=90)
            scraper = lab.popen("relay", sys.executable, "-c", SCRAPE_LOOP,
                                f"http://{target}/metrics", stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
            sender = lab.popen("gen", "/usr/bin/python3", "-c", SEND_FLOWS,
                               os.path.dirname(TRAFFIC_PY), str(n), "239.1.1.1", "239.1.1.2",
                               "239.1.1.3")
            # Rules churn for as long as traffic flows, and at least for
            # several of Prometheus's scrapes.
            started, churned = time.time(), 0
            while sender.poll() is None or time.time() - started < 6:
                churn = mcr.ctl(input=f"{RULE_C}\nrule del feed-c\n" * 50)
                self.assertEqual(churn.returncode, 0, churn.stderr[-500:])
                self.assertEqual(churn.stdout.count("rule feed-c added"), 50)
                churned += 50
            self.assertEqual(sender.wait(120), 0)
            got = lab.sink_result(sink, timeout=120)
            loop, _ = scraper.communicate("", timeout=30)
            loop = json.loads(loop)
            for flow in (A, B):
                with self.subTest(flow=flow):
                    self.assertEqual(got[flow]["count"], n)
                    self.assertEqual(got[flow]["out_of_order"], 0)
            print(f"\n  tight-loop scrapes during traffic and churn: {loop}; "
                  f"{churned} rule add/del pairs", file=sys.stderr)
            self.assertGreater(loop["scrapes"], 20, loop)
            self.assertEqual(loop["failed"], 0, loop)

            # The count Prometheus stored is the one mcr's telemetry gives,
            # once a scrape after the traffic has landed.
            told = mcr.rules()
            self.assertEqual(told["feed-a"]["packets"], n)
            deadline = time.time() + 20
            seen = {}
            while time.time() < deadline:
                seen = prom.query('mcr_rule_packets_total{job="mcr"}')
                if seen.get((("__name__", "mcr_rule_packets_total"), ("instance", target),
                             ("job", "mcr"), ("rule", "feed-a"))) == n:
                    break
                time.sleep(0.5)
            by_rule = {dict(k)["rule"]: v for k, v in seen.items()}
            self.assertEqual(by_rule.get("feed-a"), told["feed-a"]["packets"], seen)
            self.assertEqual(by_rule.get("feed-b"), told["feed-b"]["packets"], seen)
            self.assertEqual(prom.query('up{job="mcr"}'),
                             {(("__name__", "up"), ("instance", target), ("job", "mcr")): 1.0})
            out = prom.query('mcr_output_packets_total{rule="feed-a"}')
            self.assertEqual(list(out.values()), [float(n)], out)
            self.assertEqual(dict(next(iter(out))).get("port"), "down0")
            # Every scrape Prometheus made succeeded while rules churned.
            ok = prom.query('count_over_time(up{job="mcr"}[5m])')
            bad = prom.query('count_over_time((up{job="mcr"} == 0)[5m:1s])')
            self.assertGreaterEqual(sum(ok.values()), 6, ok)
            self.assertEqual(bad, {}, bad)

    def test_endpoint_with_user_cap_and_reload_metrics(self):
        user = pwd.getpwnam("nobody")
        listen = "127.0.0.1:980"   # below 1024: bound before privileges go
        with Lab() as lab:
            mcr = Mcr(lab, config(listen, ", max_rules: 1"), extra_args=("--user", "nobody"))
            self.addCleanup(mcr.close)
            mcr.start()
            self.assertIn("serving Prometheus metrics on http://127.0.0.1:980/metrics",
                          mcr.read_output()[1])
            lab.send_udp(50, dst="239.1.1.1")
            lab.send_udp(20, dst="239.1.1.2")
            mcr.wait_rx("up0", 70)
            r = fetch(lab, f"http://{listen}/metrics")
            self.assertEqual(r["status"], 200)
            self.assertEqual(r["type"], "text/plain; version=0.0.4; charset=utf-8")
            m = samples(r["body"])
            self.assertEqual(m["mcr_up"], 1)
            self.assertEqual(m['mcr_rule_packets_total{rule="feed-a"}'], 50)
            # max_rules: 1 exports the first rule only, and says so.
            self.assertNotIn('mcr_rule_packets_total{rule="feed-b"}', m)
            self.assertEqual(m["mcr_rules"], 3)
            self.assertEqual(m["mcr_rules_unexported"], 2)
            self.assertEqual(m['mcr_port_rx_packets_total{port="up0"}'], 70)
            self.assertEqual(m['mcr_port_tx_packets_total{port="down0"}'], 70)
            self.assertEqual(m['mcr_xdp_packets_total{port="up0",verdict="redirect"}'], 70)
            self.assertEqual(m['mcr_config_reloads_total{result="success"}'], 1)
            self.assertGreater(m['mcr_pool_size{pool="small",kind="size_class"}'], 0)
            self.assertGreater(m['mcr_worker_polls_total{worker="0"}'], 0)
            self.assertIn(f'mcr_build_info{{version="', r["body"])

            self.assertEqual(fetch(lab, f"http://{listen}/nothing")["status"], 404)
            self.assertEqual(fetch(lab, f"http://{listen}/metrics", "POST")["status"], 405)

            # The endpoint's thread is no lcore and kept no more than the rest.
            pid = mcr.proc.pid
            threads = {}
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    comm = f.read().strip()
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    status = dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
                threads[comm] = status
            self.assertIn("mcr-metrics", threads, sorted(threads))
            metrics_status = threads["mcr-metrics"]
            self.assertEqual(metrics_status["Uid"].split(), [str(user.pw_uid)] * 4)
            main = threads[os.path.basename(mcr.args[0])]
            self.assertEqual(metrics_status["CapEff"], main["CapEff"])
            self.assertEqual(metrics_status["CapBnd"], main["CapBnd"])
            with open(f"/proc/{pid}/task/{pid}/status") as f:
                main_cpus = [l for l in f.read().splitlines() if l.startswith("Cpus_allowed_list")]
            self.assertEqual(metrics_status["Cpus_allowed_list"], main_cpus[0].split(":\t")[1],
                             "the endpoint shares the main lcore's CPU, never a worker's")

            # Reloads: a broken file fails, a metrics change is refused
            # (restart), a rule change succeeds and moves the timestamp.
            before = m["mcr_config_reload_timestamp_seconds"]
            os.chmod(mcr.dir.name, 0o755)   # root's 0700 folder: nobody could not read it
            for text, result in ((config(listen, ", max_rules: 1") + "bogus: 1\n", "failure"),
                                 (config("127.0.0.1:981", ", max_rules: 1"), "failure"),
                                 (config(listen, ", max_rules: 1").replace("239.8.8.8", "239.9.9.9"),
                                  "success")):
                mcr.rewrite_config(text)
                os.chmod(mcr.config, 0o644)
                os.chmod(mcr.dir.name, 0o755)
                mcr.proc.send_signal(signal.SIGHUP)
                time.sleep(1.5)
                m2 = samples(fetch(lab, f"http://{listen}/metrics")["body"])
                self.assertEqual(m2["mcr_config_last_reload_successful"], 1 if result == "success" else 0)
            self.assertIn("metrics changed", mcr.read_output()[1])
            self.assertEqual(m2['mcr_config_reloads_total{result="failure"}'], 2)
            self.assertEqual(m2['mcr_config_reloads_total{result="success"}'], 2)
            self.assertGreater(m2["mcr_config_reload_timestamp_seconds"], before)
            self.assertEqual(mcr.stop(), 0)

    def test_ipv6_listen_address(self):
        with Lab() as lab:
            # The lab turns IPv6 off (no stray router solicitations on its
            # veths); loopback alone gets it back here, sending nothing.
            lab.exec("relay", "sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=0")
            mcr = Mcr(lab, config("[::1]:9464"))
            self.addCleanup(mcr.close)
            mcr.start()
            self.assertIn("serving Prometheus metrics on http://[::1]:9464/metrics",
                          mcr.read_output()[1])
            r = fetch(lab, "http://[::1]:9464/metrics")
            self.assertEqual(r["status"], 200)
            self.assertEqual(samples(r["body"])["mcr_rules"], 3)

    def test_listen_address_in_use_stops_mcr_with_the_config_position(self):
        with Lab() as lab:
            holder = lab.popen("relay", sys.executable, "-c",
                               "import socket, time\n"
                               "s = socket.socket(); s.bind(('127.0.0.1', 9464)); s.listen()\n"
                               "print('bound', flush=True); time.sleep(60)",
                               stdout=subprocess.PIPE, text=True)
            self.addCleanup(lambda: (holder.kill(), holder.wait()))
            self.assertEqual(holder.stdout.readline().strip(), "bound")
            mcr = Mcr(lab, config("127.0.0.1:9464"))
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 1)
            self.assertRegex(mcr.stderr, r"mcr: \S+mcr\.yaml:19:10: metrics: cannot listen on "
                             r"127\.0\.0\.1:9464: Address already in use")


if __name__ == "__main__":
    unittest.main()
