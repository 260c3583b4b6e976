#include "vdev_port.h"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <stdexcept>

namespace mcr::engine::test {

namespace {

constexpr uint16_t ring_size = 512;

std::string failure(const std::string &what, const std::string &port, int rc)
{
	return what + " " + port + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

} // namespace

VdevPort::VdevPort(std::string vdev_name, const std::string &devargs, rte_mempool *rx_pool)
	: name_(std::move(vdev_name))
{
	try {
		open(devargs, rx_pool);
	} catch (...) {
		close();
		throw;
	}
}

VdevPort::~VdevPort()
{
	close();
}

void VdevPort::open(const std::string &devargs, rte_mempool *rx_pool)
{
	int rc = rte_eal_hotplug_add("vdev", name_.c_str(), devargs.c_str());
	if (rc != 0)
		throw std::runtime_error(failure("cannot create vdev", name_ + " (" + devargs + ")", rc));
	added_ = true;
	rc = rte_eth_dev_get_port_by_name(name_.c_str(), &port_id_);
	if (rc != 0)
		throw std::runtime_error(failure("no ethdev for", name_, rc));

	rte_eth_dev_info info{};
	rc = rte_eth_dev_info_get(port_id_, &info);
	if (rc != 0)
		throw std::runtime_error(failure("cannot get device info of", name_, rc));
	rte_eth_conf conf{};
	multi_seg_tx_ = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	if (multi_seg_tx_)
		conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(port_id_, 1, 1, &conf);
	if (rc != 0)
		throw std::runtime_error(failure("cannot configure", name_, rc));
	const auto socket = static_cast<unsigned>(rte_socket_id());
	rc = rte_eth_rx_queue_setup(port_id_, 0, ring_size, socket, nullptr, rx_pool);
	if (rc != 0)
		throw std::runtime_error(failure("cannot set up the RX queue of", name_, rc));
	rc = rte_eth_tx_queue_setup(port_id_, 0, ring_size, socket, nullptr);
	if (rc != 0)
		throw std::runtime_error(failure("cannot set up the TX queue of", name_, rc));
	rc = rte_eth_dev_start(port_id_);
	if (rc != 0)
		throw std::runtime_error(failure("cannot start", name_, rc));
}

void VdevPort::close()
{
	if (port_id_ != UINT16_MAX && rte_eth_dev_is_valid_port(port_id_)) {
		rte_eth_dev_stop(port_id_);
		rte_eth_dev_close(port_id_);
	}
	port_id_ = UINT16_MAX;
	if (added_)
		rte_eal_hotplug_remove("vdev", name_.c_str());
	added_ = false;
}

} // namespace mcr::engine::test
