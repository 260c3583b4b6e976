"""IGMP membership in the lab: for each group a rule matches, mcr has the
relay host's kernel join it on the ingress interface, so reports (and
leaves) appear on the ingress link, as the upstream router needs."""

import subprocess
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root
from test_control import CONFIG


def capture(lab, seconds):
    return lab.popen("gen", "timeout", str(seconds), "tcpdump", "-l", "-n", "-vv", "-i",
                     lab.iface("g0"), "igmp", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                     text=True)


@skip_unless_root
class IgmpTest(unittest.TestCase):
    def records(self, lab, mcr, commands, wait=2.0):
        tcpdump = capture(lab, wait + 1.5)
        time.sleep(0.7)
        for command in commands:
            r = mcr.ctl(*command.split())
            self.assertEqual(r.returncode, 0, r.stderr)
        out, _ = tcpdump.communicate(timeout=30)
        return out

    def test_rules_from_the_yaml_are_joined_at_start(self):
        with Lab() as lab:
            tcpdump = capture(lab, 6)
            time.sleep(0.7)
            with Mcr(lab, CONFIG):
                out, _ = tcpdump.communicate(timeout=30)
        for group in ("239.1.1.1", "239.1.1.2"):
            self.assertRegex(out, rf"gaddr {group} (to_ex|is_ex) {{ }}")

    def test_rule_add_joins_and_rule_del_leaves(self):
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            out = self.records(lab, mcr, [
                "rule add g7 match port up0 dst 239.1.1.7 dport 5000 output port down0"])
            self.assertRegex(out, r"gaddr 239\.1\.1\.7 to_ex \{ \}")
            out = self.records(lab, mcr, ["rule del g7"])
            self.assertRegex(out, r"gaddr 239\.1\.1\.7 to_in \{ \}")

    def test_source_specific_rule_names_its_source(self):
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            out = self.records(lab, mcr, [
                "rule add s1 match port up0 dst 232.1.1.1 dport 5000 src 198.18.1.2 "
                "output port down0 dst 239.8.8.8"])
            self.assertRegex(out, r"gaddr 232\.1\.1\.1 (allow|to_in) \{ 198\.18\.1\.2 \}")
            out = self.records(lab, mcr, ["rule del s1"])
            self.assertRegex(out, r"gaddr 232\.1\.1\.1 (block \{ 198\.18\.1\.2 \}|to_in \{ \})")

    def test_a_group_two_rules_share_is_left_with_the_last(self):
        with Lab() as lab, Mcr(lab, CONFIG) as mcr:
            self.records(lab, mcr, [
                "rule add g1 match port up0 dst 239.1.1.9 dport 5000 output port down0",
                "rule add g2 match port up0 dst 239.1.1.9 dport 5001 output port down0"])
            out = self.records(lab, mcr, ["rule del g1"])
            self.assertNotRegex(out, r"gaddr 239\.1\.1\.9 to_in")
            out = self.records(lab, mcr, ["rule del g2"])
            self.assertRegex(out, r"gaddr 239\.1\.1\.9 to_in \{ \}")

    def test_shutdown_leaves_every_group(self):
        with Lab() as lab:
            mcr = Mcr(lab, CONFIG).start()
            self.addCleanup(mcr.close)
            time.sleep(2.5)  # start-up reports are over
            tcpdump = capture(lab, 3)
            time.sleep(0.7)
            self.assertEqual(mcr.stop(), 0)
            out, _ = tcpdump.communicate(timeout=30)
        for group in ("239.1.1.1", "239.1.1.2"):
            self.assertRegex(out, rf"gaddr {group} to_in {{ }}")


if __name__ == "__main__":
    unittest.main()
