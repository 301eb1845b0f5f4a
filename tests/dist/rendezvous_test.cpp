// tl's TCP rendezvous against its own ranks and against what else may sit at a port: a program that
// answers something else, one that stays silent, strangers, ranks with another token or world size.
#include "tl/dist/rendezvous.hpp"

#include <functional>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "support/error_of.hpp"
#include "support/loopback_socket.hpp"
#include "support/other_program.hpp"
#include "tl/base/error.hpp"
#include "tl/dist/local_launcher.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using tl::testing::connect_to_loopback;
using tl::testing::error_of;
using tl::testing::OtherProgram;

tl::Deadline in_seconds(int seconds) { return Clock::now() + std::chrono::seconds(seconds); }

class Rendezvous : public ::testing::Test {
 protected:
  tl::RendezvousClient join(int rank, const std::string& token = "secret", int world_size = 2) const {
    return {"127.0.0.1", port, rank, world_size, token, in_seconds(10)};
  }

  const int port = tl::free_local_port();
  tl::RendezvousServer server{port, true, 2, "secret", std::chrono::milliseconds(500)};
};

TEST_F(Rendezvous, RanksExchangeValuesAndWaitForEachOther) {
  auto rank0 = join(0);
  auto rank1 = join(1);
  auto later = std::async(std::launch::async, [&] { return rank1.get("address/0", in_seconds(10)); });
  rank0.set("address/0", std::string("a\0b", 3), in_seconds(10));
  EXPECT_EQ(later.get(), std::string("a\0b", 3));
  rank1.wait({"address/0"}, in_seconds(10));
  EXPECT_TRUE(rank1.check({"address/0"}, in_seconds(10)));
  EXPECT_FALSE(rank1.check({"address/0", "address/1"}, in_seconds(10)));
  EXPECT_EQ(rank0.add("count", 2, in_seconds(10)), 2);
  EXPECT_EQ(rank1.add("count", -5, in_seconds(10)), -3);
  EXPECT_EQ(rank0.compare_set("flag", "", "one", in_seconds(10)), "one");
  EXPECT_EQ(rank1.compare_set("flag", "zero", "two", in_seconds(10)), "one");
  EXPECT_EQ(rank1.compare_set("flag", "one", "two", in_seconds(10)), "two");
  EXPECT_EQ(rank0.key_count(in_seconds(10)), 3);
  EXPECT_TRUE(rank0.remove("flag", in_seconds(10)));
  EXPECT_FALSE(rank0.remove("flag", in_seconds(10)));
  EXPECT_EQ(rank1.key_count(in_seconds(10)), 2);
}

TEST_F(Rendezvous, AKeyNobodySetsEndsAtTheDeadlineNamingIt) {
  auto rank1 = join(1);
  const auto started = Clock::now();
  const std::string error = error_of([&] { rank1.get("address/0", Clock::now() + std::chrono::milliseconds(300)); });
  EXPECT_NE(error.find("no other rank set \"address/0\" in time: has every rank started"), std::string::npos) << error;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(error_of([&] { rank1.key_count(in_seconds(10)); }).find("given up"), std::string::npos)
      << "an answer that comes late is never taken for the next request's";
}

TEST_F(Rendezvous, ARankWithAnotherTokenIsRefusedAndTheTokenNeverSent) {
  const std::string error = error_of([&] { join(1, "guess"); });
  EXPECT_NE(error.find("refused this rank: its TL_DIST_TOKEN differs from rank 0's"), std::string::npos) << error;
  auto rank1 = join(1);  // the job itself goes on
  rank1.set("k", "v", in_seconds(10));
}

TEST_F(Rendezvous, DisagreementsAboutTheWorldAreRefusedWithTheReason) {
  EXPECT_NE(error_of([&] { join(1, "secret", 3); }).find("it says WORLD_SIZE=3, rank 0 says 2"), std::string::npos);
  EXPECT_NE(error_of([&] { join(2); }).find("RANK=2 is not below WORLD_SIZE=2"), std::string::npos);
  auto first = join(1);
  EXPECT_NE(error_of([&] { join(1); }).find("two processes were given the same RANK"), std::string::npos);
}

TEST_F(Rendezvous, StrangersAreClosedWithoutDisturbingTheJob) {
  const int garbage = connect_to_loopback(port);
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)!::write(garbage, http.data(), http.size());
  const int forged = connect_to_loopback(port);  // the protocol's greeting, with a made-up proof
  const std::string greeting = std::string("tl-rendezvous/1\n") + std::string(56, '\xff');
  (void)!::write(forged, greeting.data(), greeting.size());
  const int silent = connect_to_loopback(port);

  auto rank0 = join(0);
  auto rank1 = join(1);
  rank0.set("k", "v", in_seconds(10));
  EXPECT_EQ(rank1.get("k", in_seconds(10)), "v");

  // Each stranger's connection is closed: garbage at once, the silent one after the handshake timeout.
  for (const int stranger : {garbage, forged, silent}) {
    char buffer[4096];
    ssize_t got = 0;
    do {
      got = ::read(stranger, buffer, sizeof buffer);
    } while (got > 0);
    EXPECT_EQ(got, 0) << "closed by the server";
    ::close(stranger);
  }
}

TEST(RendezvousPeer, AProgramThatAnswersSomethingElseIsNamedAtOnce) {
  OtherProgram web("HTTP/1.1 400 Bad Request\r\n\r\n");
  const auto started = Clock::now();
  const std::string error =
      error_of([&] { tl::RendezvousClient("127.0.0.1", web.port(), 1, 2, "secret", in_seconds(30)); });
  EXPECT_NE(error.find("is not a tl rendezvous: it answered \"H"), std::string::npos) << error;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10)) << "named when it answers, not at the deadline";
}

TEST(RendezvousPeer, AProgramThatStaysSilentEndsAtTheDeadline) {
  OtherProgram silent("");
  const auto started = Clock::now();
  const std::string error = error_of([&] {
    tl::RendezvousClient("127.0.0.1", silent.port(), 1, 2, "secret", Clock::now() + std::chrono::milliseconds(500));
  });
  EXPECT_NE(error.find("sent no tl rendezvous greeting in time: another program that stays silent holds that port"),
            std::string::npos)
      << error;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
}

TEST(RendezvousPeer, APortWhereNobodyListensEndsAtTheDeadline) {
  const int port = tl::free_local_port();
  const std::string error = error_of(
      [&] { tl::RendezvousClient("127.0.0.1", port, 1, 2, "secret", Clock::now() + std::chrono::milliseconds(300)); });
  EXPECT_NE(error.find("could not reach rank 0 at 127.0.0.1:" + std::to_string(port) + " in time"), std::string::npos)
      << error;
}

// A server that knows the protocol but not the token cannot pass for rank 0: the client checks the
// server's proof too.
TEST(RendezvousPeer, ARank0WithoutTheTokenIsNotBelieved) {
  OtherProgram impostor(std::string("tl-rendezvous/1\n") + std::string(16, 'n') + std::string("\0\0\0\x25Y", 5) +
                        std::string("\0\0\0\x20", 4) + std::string(32, 'p'));
  const std::string error =
      error_of([&] { tl::RendezvousClient("127.0.0.1", impostor.port(), 1, 2, "secret", in_seconds(10)); });
  EXPECT_NE(error.find("does not hold this job's TL_DIST_TOKEN"), std::string::npos) << error;
}

TEST(RendezvousServerPort, APortInUseIsNamed) {
  OtherProgram holder("x");
  const std::string error =
      error_of([&] { tl::RendezvousServer(holder.port(), true, 2, "", std::chrono::seconds(1)); });
  EXPECT_NE(error.find("cannot listen on port " + std::to_string(holder.port())), std::string::npos) << error;
  EXPECT_NE(error.find("choose another MASTER_PORT"), std::string::npos) << error;
}

TEST(RendezvousAddress, LoopbackIsToldFromTheNetwork) {
  EXPECT_TRUE(tl::resolves_to_loopback("127.0.0.1"));
  EXPECT_TRUE(tl::resolves_to_loopback("127.3.0.1"));
  EXPECT_TRUE(tl::resolves_to_loopback("::1"));
  EXPECT_FALSE(tl::resolves_to_loopback("10.1.2.3"));
  EXPECT_FALSE(tl::resolves_to_loopback("0.0.0.0"));
  EXPECT_FALSE(tl::resolves_to_loopback("no-such-host.invalid"));
}

}  // namespace
