"""Telemetry at 10,000 rules: every rule read through the /mcr/rules pages
(following next until null) and through /mcr/rule,NAME, every reply whole
within DPDK's 16 KiB, exact per-rule and per-output counts for the rules
that got traffic, and `show rules` over mcr-ctl listing all of them.
Start-up with 10,000 rules is timed and printed."""

import json
import socket
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root

RULES = 10000
MAX_OUTPUT_LEN = 16 * 1024  # DPDK 22.11's telemetry reply buffer

HEADER = """
ports:
  - { name: up0, iface: "@P@r0" }
  - { name: down0, iface: "@P@r1" }
workers:
  lcores: [1]
pools:
  - { name: small, data_size: 2048, count: 8191 }
rules:
"""


def rule_name(i):
    """Mostly short names; every 1000th as long as a name may be (63)."""
    if i % 1000 == 7:
        return ("long-name-" + "x" * 63)[:58] + f"-{i:04d}"
    return f"r{i:05d}"


def output_count(i):
    return 5 if i % 500 == 3 else 1


def scale_config(n):
    """n unicast rules on up0 (the relay's address, one port each), each
    to groups on down0: no IGMP join, no neighbour needed."""
    lines = [HEADER]
    for i in range(n):
        outputs = ", ".join(
            f"{{ port: down0, dst: 239.3.{i >> 8}.{i & 255}, dport: {6000 + k} }}"
            for k in range(output_count(i)))
        lines.append(f"  - name: {rule_name(i)}\n"
                     f"    match: {{ port: up0, dst: 198.18.1.1, dport: {10000 + i} }}\n"
                     f"    outputs: [ {outputs} ]\n")
    return "".join(lines)


class Telemetry:
    """One connection for many requests, as dpdk-telemetry.py keeps one."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        self.s.recv(MAX_OUTPUT_LEN)  # the greeting

    def raw(self, command):
        self.s.send(command.encode())
        return self.s.recv(4 * MAX_OUTPUT_LEN).decode()

    def get(self, command):
        return json.loads(self.raw(command))[command.split(",")[0]]

    def close(self):
        self.s.close()


@skip_unless_root
class TelemetryScaleTest(unittest.TestCase):
    def test_every_rule_of_ten_thousand_through_pages_rule_and_show_rules(self):
        names = [rule_name(i) for i in range(RULES)]
        # A few flows to rules spread over the table, each a different count.
        sent = {0: 3, 1007: 5, 4321: 7, 9999: 9, 8500 + 3: 4}
        with Lab() as lab:
            mcr = Mcr(lab, scale_config(RULES))
            try:
                started = time.monotonic()
                mcr.start(wait=False)
                mcr.wait_forwarding(timeout=60)
                startup = time.monotonic() - started
                print(f"\nstart-up with {RULES} rules: {startup:.2f} s")
                self.assertLess(startup, 30, "start-up with 10,000 rules")

                for i, count in sent.items():
                    lab.send_udp(count, dst="198.18.1.1", dport=10000 + i)
                mcr.wait_rx("up0", sum(sent.values()))
                expected = {names[i]: sent.get(i, 0) for i in range(RULES)}

                tel = Telemetry(mcr.telemetry_path)
                try:
                    self.check_pages(tel, names, expected)
                    self.check_each_rule(tel, names, expected)
                    self.check_errors(tel)
                finally:
                    tel.close()
                self.check_show_rules(mcr, names, expected)
            finally:
                mcr.close()

    def check_pages(self, tel, names, expected):
        started = time.monotonic()
        seen, offset, pages = [], 0, 0
        while offset is not None:
            raw = tel.raw(f"/mcr/rules,{offset}")
            self.assertLess(len(raw), MAX_OUTPUT_LEN, f"page at {offset}")
            page = json.loads(raw)["/mcr/rules"]
            self.assertEqual(page["total"], RULES)
            self.assertEqual(page["offset"], offset)
            self.assertTrue(page["rules"], f"page at {offset} is empty")
            for position, rule in page["rules"].items():
                seen.append(int(position))
                self.assertEqual(rule["name"], names[int(position)])
                self.assertEqual(rule["packets"], expected[rule["name"]], rule["name"])
                self.assertIsNone(rule["outputs_next"], rule["name"])
                self.assertEqual(len(rule["outputs"]), rule["outputs_total"])
            offset = page["next"]
            pages += 1
        print(f"{RULES} rules in {pages} pages, read in {time.monotonic() - started:.2f} s")
        self.assertEqual(seen, list(range(RULES)), "every rule once, in config order")
        # Paging is stable: the same offset gives the same page.
        self.assertEqual(tel.raw("/mcr/rules,5000"), tel.raw("/mcr/rules,5000"))

    def check_each_rule(self, tel, names, expected):
        started = time.monotonic()
        for i, name in enumerate(names):
            raw = tel.raw(f"/mcr/rule,{name}")
            self.assertLess(len(raw), MAX_OUTPUT_LEN, name)
            rule = json.loads(raw)["/mcr/rule"]
            self.assertEqual(rule["name"], name)
            self.assertEqual(rule["dport"], 10000 + i)
            self.assertEqual(rule["packets"], expected[name], name)
            self.assertEqual(rule["outputs_total"], output_count(i))
            self.assertIsNone(rule["outputs_next"])
            self.assertEqual(sorted(rule["outputs"]), [str(k) for k in range(output_count(i))])
            for k, out in rule["outputs"].items():
                self.assertEqual(out["dport"], 6000 + int(k))
                self.assertEqual(out["packets"], expected[name], f"{name} output {k}")
                self.assertEqual(set(out["drops"]),
                                 {"ttl_expired", "no_buffer", "tx_full", "too_big", "no_neighbour"})
                self.assertEqual(sum(out["drops"].values()), 0, f"{name} output {k}")
        print(f"{len(names)} rules read one by one in {time.monotonic() - started:.2f} s")

    def check_errors(self, tel):
        for command in ("/mcr/rules,abc", "/mcr/rules,-1", "/mcr/rule,nosuch", "/mcr/rule",
                        f"/mcr/rule,{rule_name(3)},5", "/mcr/drops,nosuch"):
            reply = tel.get(command)
            self.assertIsInstance(reply, dict, command)
            self.assertIn("error", reply, command)
        # An offset past the end is an empty last page, not an error.
        self.assertEqual(tel.get(f"/mcr/rules,{RULES + 5}"),
                         {"total": RULES, "offset": RULES + 5, "next": None, "rules": {}})

    def check_show_rules(self, mcr, names, expected):
        started = time.monotonic()
        r = mcr.ctl("show", "rules")
        elapsed = time.monotonic() - started
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1].strip(), f"{RULES} rule(s)")
        listed = {}
        for line in lines[1:-1]:
            words = line.split()
            listed[words[0]] = int(words[-2])
        self.assertEqual(list(listed), names, "show rules lists every rule, in order")
        self.assertEqual(listed, expected)
        print(f"show rules over mcr-ctl: {len(lines)} lines in {elapsed:.2f} s")


if __name__ == "__main__":
    unittest.main()
