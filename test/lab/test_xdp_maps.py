"""The XDP program's rule map follows the rule table: at start, on rule
add and delete, and on reload, read back through the kernel with
bpftool from the program attached to the ingress port."""

import json
import signal
import socket
import struct
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root
from test_control import CONFIG, RULE_C


def rule_keys(lab, mcr, port="up0"):
    """{(dst, dport, vlan, src)} in the mcr_rules map of the port's program."""
    prog = mcr.telemetry("/mcr/xdp")[port]["program_id"]
    info = json.loads(lab.exec("relay", "bpftool", "-j", "prog", "show", "id", str(prog)).stdout)
    for map_id in info["map_ids"]:
        m = json.loads(lab.exec("relay", "bpftool", "-j", "map", "show", "id", str(map_id)).stdout)
        if m["name"] != "mcr_rules":
            continue
        entries = json.loads(lab.exec("relay", "bpftool", "-j", "map", "dump", "id",
                                      str(map_id)).stdout)
        keys = set()
        for e in entries:
            raw = bytes(int(b, 16) for b in e["key"])
            dst, dport, vlan, src = struct.unpack("!4sHH4s", raw)
            vlan = struct.unpack("=H", struct.pack("!H", vlan))[0]  # host order in the map
            keys.add((socket.inet_ntoa(dst), dport, vlan, socket.inet_ntoa(src)))
        return keys
    raise AssertionError("no mcr_rules map on the program")


A = ("239.1.1.1", 5000, 0, "0.0.0.0")
B = ("239.1.1.2", 5000, 0, "0.0.0.0")
C = ("239.1.1.3", 5000, 0, "0.0.0.0")
S = ("232.1.1.1", 5000, 7, "198.18.1.2")


@skip_unless_root
class XdpMapSyncTest(unittest.TestCase):
    def test_rule_changes_reach_the_xdp_map(self):
        for driver in ("af_xdp", "af_packet"):
            config = CONFIG.replace("driver: af_xdp", f"driver: {driver}")
            with self.subTest(driver=driver), Lab() as lab, Mcr(lab, config) as mcr:
                self.assertEqual(rule_keys(lab, mcr), {A, B})
                self.assertEqual(rule_keys(lab, mcr, "down0"), set())
                self.assertEqual(mcr.ctl(*RULE_C.split()).returncode, 0)
                self.assertEqual(mcr.ctl("rule", "add", "s", "match", "port", "up0", "dst",
                                         "232.1.1.1", "dport", "5000", "src", "198.18.1.2",
                                         "vlan", "7", "output", "port", "down0", "dst",
                                         "239.8.8.8").returncode, 0)
                self.assertEqual(rule_keys(lab, mcr), {A, B, C, S})
                self.assertEqual(mcr.ctl("rule", "del", "feed-a").returncode, 0)
                self.assertEqual(rule_keys(lab, mcr), {B, C, S})
                # Reload: the file (A and B) is the whole truth again.
                mcr.proc.send_signal(signal.SIGHUP)
                time.sleep(0.5)
                self.assertEqual(rule_keys(lab, mcr), {A, B})


if __name__ == "__main__":
    unittest.main()
