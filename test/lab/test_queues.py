"""Every RX queue is relayed, or mcr says which are not. veth has no
combined channels, so DPDK 22.11's af_xdp PMD binds one socket, on RX
queue 0; a veth made with two RX queues then receives relay traffic on
queue 1 as well: the case of a NIC whose RSS uses a channel mcr has no
socket on. The XDP program hands that traffic to the kernel and counts it
as no_socket (show xdp, /mcr/xdp), and mcr logs one WARNING when it first
grows. Which queue the traffic arrives on is chosen on the generator with
XPS (veth delivers on the RX queue the peer sent on)."""

import os
import time
import unittest

from labkit import Lab, Mcr, skip_unless_root

CONFIG = """
ports:
  - {{ name: up0, iface: "@P@r0", driver: af_xdp{up0_extra} }}
  - {{ name: down0, iface: "@P@r1", driver: af_packet }}
workers:
  lcores: [1]
pools:
  - {{ name: small, data_size: 2048, count: 8191 }}
rules:
  - name: feed
    match: {{ port: up0, dst: 239.1.1.1, dport: 5000 }}
    outputs:
      - {{ port: down0, dst: 239.2.2.2, dport: 6000 }}
"""

WARNING = "that have no mcr socket and went to the kernel, never relayed"


def send_on_queue(lab, queue, count):
    """count datagrams from the generator, all on its TX queue `queue`."""
    g0 = lab.iface("g0")
    every_cpu = format((1 << os.cpu_count()) - 1, "x")
    for q in range(lab.queues):
        lab.exec("gen", "sh", "-c", f"echo {every_cpu if q == queue else 0} > "
                 f"/sys/class/net/{g0}/queues/tx-{q}/xps_cpus")
    return lab.send_udp(count)


def wait_for(read, expected, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and read() != expected:
        time.sleep(0.1)
    return read()


@skip_unless_root
class QueuesTest(unittest.TestCase):
    def test_relay_traffic_on_a_queue_without_a_socket_is_counted_and_warned_once(self):
        with Lab(queues=2) as lab, Mcr(lab, CONFIG.format(up0_extra="")) as mcr:
            self.assertEqual(mcr.port("up0")["queues"], 1)
            xdp = lambda: mcr.telemetry("/mcr/xdp")["up0"]
            self.assertEqual(xdp()["sockets"], 1)

            sink = lab.start_sink("sink1", 200, ("239.2.2.2:6000",))
            sent = send_on_queue(lab, 0, 200)
            self.assertEqual(lab.sink_result(sink)["239.2.2.2:6000"]["count"], sent)
            self.assertEqual(xdp()["redirect"], sent)
            self.assertEqual(xdp()["no_socket"], 0)
            time.sleep(1.5)  # mcr looks once a second
            self.assertNotIn(WARNING, mcr.read_output()[1])

            lost = send_on_queue(lab, 1, 300)
            self.assertEqual(wait_for(lambda: xdp()["no_socket"], lost), lost)
            self.assertEqual(xdp()["redirect"], sent)
            self.assertEqual(mcr.port("up0")["rx_packets"], sent)
            deadline = time.time() + 5
            while time.time() < deadline and WARNING not in mcr.read_output()[1]:
                time.sleep(0.2)
            err = mcr.read_output()[1]
            # However many it had seen when it looked.
            self.assertRegex(err, rf"port up0: \d+ relay packet\(s\) arrived on RX queues of "
                             rf"{lab.iface('r0')} {WARNING}")
            self.assertIn(f"mcr has sockets on RX queues 0-0, {lab.iface('r0')} has no combined "
                          "channels and 2 RX channel(s)", err)

            # Once per port, however much more comes.
            send_on_queue(lab, 1, 100)
            self.assertEqual(wait_for(lambda: xdp()["no_socket"], lost + 100), lost + 100)
            time.sleep(2.5)
            self.assertEqual(mcr.read_output()[1].count(WARNING), 1)
            shown = mcr.ctl("show xdp").stdout
            self.assertIn(f"on {lab.iface('r0')}, sockets on RX queues 0-0\n", shown)
            self.assertRegex(shown, rf"no_socket\s+{lost + 100}\n")

    def test_more_queues_than_veth_gives_af_xdp_are_refused(self):
        with Lab(queues=2) as lab:
            mcr = Mcr(lab, CONFIG.format(up0_extra=", queues: 2"))
            self.addCleanup(mcr.close)
            self.assertEqual(mcr.run_to_exit(), 1)
            self.assertIn(f"port 'up0': queues: 2, but {lab.iface('r0')} has no combined "
                          "channels (ethtool -l), so DPDK 22.11's af_xdp PMD gives it one queue",
                          mcr.stderr)

    def test_set_channels_on_veth_says_it_does_not_apply(self):
        extra = ", af_xdp: { set_channels: true }"
        with Lab(queues=2) as lab, Mcr(lab, CONFIG.format(up0_extra=extra)) as mcr:
            self.assertEqual(mcr.port("up0")["driver"], "af_xdp")
            self.assertEqual(mcr.port("up0")["queues"], 1)
            self.assertIn(f"port up0: set_channels does not apply to {lab.iface('r0')}: it has no "
                          "combined channels (ethtool -l shows 2 RX channel(s))",
                          mcr.read_output()[1])
            sink = lab.start_sink("sink1", 100, ("239.2.2.2:6000",))
            sent = send_on_queue(lab, 0, 100)
            self.assertEqual(lab.sink_result(sink)["239.2.2.2:6000"]["count"], sent)

    def test_auto_takes_af_packet_when_af_xdp_fill_rings_do_not_fit_the_pool(self):
        # Each af_xdp socket holds 2048 buffers: a NIC's many channels may
        # not fit a pool that af_packet is happy with.
        auto = (CONFIG.format(up0_extra="").replace("driver: af_packet", "driver: auto")
                .replace("count: 8191", "count: 5000"))
        with Lab() as lab, Mcr(lab, auto) as mcr:
            self.assertEqual(mcr.port("up0")["driver"], "af_xdp")
            self.assertEqual(mcr.port("down0")["driver"], "af_packet")
            self.assertIn("port down0: af_xdp unavailable (port 'down0': pool 'small' has 5000 "
                          "mbufs, but af_xdp fill rings need 4096 (2048 on earlier ports)",
                          mcr.read_output()[1])
            sink = lab.start_sink("sink1", 100, ("239.2.2.2:6000",))
            sent = lab.send_udp(100)
            self.assertEqual(lab.sink_result(sink)["239.2.2.2:6000"]["count"], sent)


if __name__ == "__main__":
    unittest.main()
