// Attaching, finding and detaching the program on real interfaces: the
// loopback and a veth pair of a private network namespace.
#include <cerrno>
#include <string>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "private_netns.h"
#include "xdp_attach.h"
#include "xdp_harness.h"
#include "xdp_object.h"

namespace mcr::bpf::test {
namespace {

uint32_t attached_prog_id(int ifindex)
{
	uint32_t id = 0;
	EXPECT_EQ(bpf_xdp_query_id(ifindex, 0, &id), 0);
	return id;
}

uint32_t id_of(int fd)
{
	bpf_map_info info{};
	uint32_t len = sizeof(info);
	EXPECT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

// Another program: XDP_PASS and nothing else.
UniqueFd load_foreign_program()
{
	const bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0,
		 .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
	};
	return UniqueFd(bpf_prog_load(BPF_PROG_TYPE_XDP, "other_xdp", "GPL", insns, 2, nullptr));
}

class XdpAttachTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		MCR_REQUIRE_XDP_HARNESS();
		if (netns_.lacks_privilege())
			GTEST_SKIP() << netns_.problem();
		ASSERT_TRUE(netns_.problem().empty()) << netns_.problem();
		ASSERT_GT(netns_.loopback(), 0);
	}
	int program() const { return XdpHarness::get().program_fd(); }
	int lo() const { return netns_.loopback(); }

	PrivateNetns netns_; // first member: entered before, left after the rest
};

TEST_F(XdpAttachTest, AutoFallsBackToGenericWhereNativeIsMissing)
{
	auto attachment = attach_xdp(program(), lo(), XdpMode::automatic);
	ASSERT_TRUE(attachment) << attachment.error().message;
	EXPECT_EQ(attachment->mode(), XdpMode::generic);
	EXPECT_NE(attachment->native_error(), "");
	EXPECT_NE(attached_prog_id(lo()), 0u);
}

TEST_F(XdpAttachTest, NativeWhereNativeIsMissingFailsReadably)
{
	auto attachment = attach_xdp(program(), lo(), XdpMode::native);
	ASSERT_FALSE(attachment);
	EXPECT_EQ(attachment.error().code, -EOPNOTSUPP);
	EXPECT_NE(attachment.error().message.find("native"), std::string::npos);
	EXPECT_NE(attachment.error().message.find("ifindex " + std::to_string(lo())),
		  std::string::npos)
		<< attachment.error().message;
	EXPECT_EQ(attached_prog_id(lo()), 0u);
}

TEST_F(XdpAttachTest, AutoPicksNativeWhereTheDriverHasIt)
{
	const int veth = netns_.add_veth("mcrxdp0", "mcrxdp1");
	if (veth == 0)
		GTEST_SKIP() << "cannot create a veth pair here";

	auto attachment = attach_xdp(program(), veth, XdpMode::automatic);
	ASSERT_TRUE(attachment) << attachment.error().message;
	EXPECT_EQ(attachment->mode(), XdpMode::native);
	EXPECT_EQ(attachment->native_error(), "");
	auto maps = find_xdp_maps(veth);
	EXPECT_TRUE(maps) << (maps ? "" : maps.error().message);
}

TEST_F(XdpAttachTest, DetachesOnDestructionAndOnRequest)
{
	{
		auto attachment = attach_xdp(program(), lo(), XdpMode::generic);
		ASSERT_TRUE(attachment) << attachment.error().message;
		EXPECT_NE(attached_prog_id(lo()), 0u);
	}
	EXPECT_EQ(attached_prog_id(lo()), 0u);

	auto attachment = attach_xdp(program(), lo(), XdpMode::generic);
	ASSERT_TRUE(attachment);
	ASSERT_TRUE(attachment->detach());
	EXPECT_FALSE(attachment->attached());
	EXPECT_EQ(attached_prog_id(lo()), 0u);
	EXPECT_TRUE(attachment->detach()); // idempotent
}

TEST_F(XdpAttachTest, MoveAssignmentDetachesWhatWasHeld)
{
	const int veth = netns_.add_veth("mcrxdp2", "mcrxdp3");
	if (veth == 0)
		GTEST_SKIP() << "cannot create a veth pair here";

	auto on_lo = attach_xdp(program(), lo(), XdpMode::generic);
	auto on_veth = attach_xdp(program(), veth, XdpMode::generic);
	ASSERT_TRUE(on_lo && on_veth);
	on_lo.value() = std::move(on_veth.value());
	EXPECT_EQ(attached_prog_id(lo()), 0u);
	EXPECT_NE(attached_prog_id(veth), 0u);
	EXPECT_EQ(on_lo->ifindex(), veth);
}

TEST_F(XdpAttachTest, SecondProgramIsRefusedWithoutFallback)
{
	auto first = attach_xdp(program(), lo(), XdpMode::generic);
	ASSERT_TRUE(first);
	auto second = attach_xdp(program(), lo(), XdpMode::automatic);
	ASSERT_FALSE(second);
	EXPECT_TRUE(second.error().code == -EBUSY || second.error().code == -EEXIST)
		<< second.error().message;
}

TEST_F(XdpAttachTest, FindsTheMapsOfTheAttachedProgram)
{
	auto attachment = attach_xdp(program(), lo(), XdpMode::automatic);
	ASSERT_TRUE(attachment) << attachment.error().message;

	auto found = find_xdp_maps(lo());
	ASSERT_TRUE(found) << found.error().message;
	const XdpMaps &own = XdpHarness::get().maps();
	EXPECT_EQ(id_of(found->rules.get()), id_of(own.rules.get()));
	EXPECT_EQ(id_of(found->groups.get()), id_of(own.groups.get()));
	EXPECT_EQ(id_of(found->config.get()), id_of(own.config.get()));
	EXPECT_EQ(id_of(found->stats.get()), id_of(own.stats.get()));
	EXPECT_EQ(id_of(found->xsks.get()), id_of(own.xsks.get()));
}

TEST_F(XdpAttachTest, FindWithNothingAttachedIsENOENT)
{
	auto found = find_xdp_maps(lo());
	ASSERT_FALSE(found);
	EXPECT_EQ(found.error().code, -ENOENT);
	EXPECT_NE(found.error().message.find("no XDP program"), std::string::npos);
}

// The af_xdp PMD attaches with netlink and no link; a crash leaves the
// program behind, and detach_xdp() is how mcr clears it.
TEST_F(XdpAttachTest, PmdStyleAttachmentIsFoundAndDetached)
{
	auto object = XdpObject::load();
	ASSERT_TRUE(object) << object.error().message;
	ASSERT_EQ(bpf_xdp_attach(lo(), object->program_fd(), XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr),
		  0);

	auto found = find_xdp_maps(lo());
	EXPECT_TRUE(found) << (found ? "" : found.error().message);

	Status detached = detach_xdp(lo());
	ASSERT_TRUE(detached) << detached.error().message;
	EXPECT_EQ(attached_prog_id(lo()), 0u);
	EXPECT_TRUE(detach_xdp(lo())); // nothing left: still fine
}

TEST_F(XdpAttachTest, ForeignProgramIsLeftAlone)
{
	UniqueFd other = load_foreign_program();
	ASSERT_TRUE(other) << -errno;
	ASSERT_EQ(bpf_xdp_attach(lo(), other.get(), 0, nullptr), 0);

	auto found = find_xdp_maps(lo());
	ASSERT_FALSE(found);
	EXPECT_EQ(found.error().code, -EINVAL);
	EXPECT_NE(found.error().message.find("other_xdp"), std::string::npos)
		<< found.error().message;

	Status detached = detach_xdp(lo());
	ASSERT_FALSE(detached);
	EXPECT_EQ(detached.error().code, -EBUSY);
	EXPECT_NE(attached_prog_id(lo()), 0u);
	ASSERT_EQ(bpf_xdp_detach(lo(), 0, nullptr), 0);
}

TEST_F(XdpAttachTest, LinkHeldProgramIsNotDetachedBehindItsBack)
{
	auto attachment = attach_xdp(program(), lo(), XdpMode::generic);
	ASSERT_TRUE(attachment);
	EXPECT_FALSE(detach_xdp(lo()));
	EXPECT_NE(attached_prog_id(lo()), 0u);
}

} // namespace
} // namespace mcr::bpf::test
