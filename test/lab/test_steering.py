"""Two workers: each port has one RX/TX queue pair per worker; flows spread
over the workers (af_packet: PACKET_FANOUT_HASH) while every flow stays on
one worker, so its order holds end to end. veth has no combined channels,
and DPDK 22.11's af_xdp PMD wants one per queue: there `auto` falls back to
af_packet and `af_xdp` refuses, each saying why."""

import unittest

from labkit import Lab, Mcr, skip_unless_root
from test_relay import CONFIG, SINK_ENDPOINTS

TWO_WORKERS = CONFIG.replace("lcores: [1]", "lcores: [1, 2]")
FLOWS = list(range(4000, 4016))
PER_FLOW = 300


@skip_unless_root
class SteeringTest(unittest.TestCase):
    def spread(self, driver):
        # Lcores 1 and 2 share the second core on a 2-core machine.
        with Lab(queues=2) as lab, Mcr(lab, TWO_WORKERS.format(driver=driver),
                                       lcores="0@0,1@1,2@1") as mcr:
            self.assertEqual(mcr.port("up0")["queues"], 2)
            sink = lab.start_sink("sink1", PER_FLOW * len(FLOWS), SINK_ENDPOINTS, seconds=40)
            sent = lab.send_udp(PER_FLOW, src_port=FLOWS)
            got = lab.sink_result(sink, timeout=60)
            for endpoint in SINK_ENDPOINTS:
                with self.subTest(endpoint=endpoint):
                    self.assertEqual(got[endpoint]["count"], sent)
                    self.assertEqual(got[endpoint]["bad_payload"], 0)
                    self.assertEqual(got[endpoint]["out_of_order"], 0)
            workers = mcr.telemetry("/mcr/workers")
            rx = [w["rx_packets_up0"] for w in workers.values()]
            self.assertEqual(len(rx), 2)
            self.assertEqual(sum(rx), sent)
            # 16 flows hashed over 2 queues: both get some (p = 2^-15 otherwise).
            self.assertTrue(all(n > 0 for n in rx), rx)
            # A flow never splits: each worker's share is whole flows.
            self.assertTrue(all(n % PER_FLOW == 0 for n in rx), rx)

    def test_af_packet_flows_spread_and_keep_order(self):
        self.spread("af_packet")

    def test_auto_takes_af_packet_when_af_xdp_lacks_channels(self):
        self.spread("auto")

    def test_af_xdp_without_enough_channels_is_refused(self):
        with Lab(queues=2) as lab:
            mcr = Mcr(lab, TWO_WORKERS.format(driver="af_xdp"), lcores="0@0,1@1,2@1")
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 1)
            self.assertIn(f"2 worker(s) need 2 queue(s), but {lab.iface('r0')} has no combined "
                          "channels (ethtool -l), so DPDK 22.11's af_xdp PMD gives it one queue",
                          mcr.stderr)


if __name__ == "__main__":
    unittest.main()
