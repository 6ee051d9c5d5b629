// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <QStringList>

namespace Switchboard::LoadTest {

enum class TestType { Storm, Throughput, Sustained, Fanout, Echo };
enum class Protocol { Switchboard, Bench };

const char *testTypeName(TestType type);

// One server to connect to, from --url ws://HOST[:PORT]/PATH[?QUERY].
struct Target
{
    std::string url;
    std::string host; // as written (Host header)
    std::uint32_t address = 0; // IPv4, network byte order
    std::uint16_t port = 80;
    std::string path = "/ws"; // path and query
    bool loopback = false;
};

// Everything the command line says, validated; see docs/BENCHMARKS.md for the meaning of each.
struct Options
{
    // Every --url, in the order given: connection i goes to targets[i % targets.size()] (the
    // nodes of a cluster, or one server's endpoints). Never empty once parsed.
    std::vector<Target> targets;
    // Every --publisher-url: when given, publishers (connections 0 .. publishers-1) go to these
    // instead, round robin (a cluster's publishers on one node, its subscribers on the others).
    std::vector<Target> publisherTargets;
    const Target &targetOf(std::uint64_t connection) const
    {
        if (!publisherTargets.empty() && connection < std::uint64_t(publishers))
            return publisherTargets[connection % publisherTargets.size()];
        return targets[connection % targets.size()];
    }
    std::string urls() const; // the URLs, comma-separated (for messages)

    std::vector<TestType> tests;
    Protocol protocol = Protocol::Switchboard;
    int connections = 100;
    std::uint64_t messages = 10000;
    double durationS = 10;
    int rooms = 1;
    int publishers = 0; // 0: the test's default
    double rate = 1000; // messages per second, in total
    int payloadBytes = 64;
    int window = 16; // throughput: unacknowledged messages per publisher
    bool direct = false; // throughput: direct messages (`send`) instead of room messages
    int threads = 1;
    int sourceAddresses = 10;
    int concurrency = 0; // connects in flight; 0: all at once for storm, 256 otherwise
    double holdS = 0;
    double drainS = 5;
    double connectTimeoutS = 30;
    double maxTimeS = 600;
    std::int64_t userBase = 1000000;
    int serverPid = 0;
    bool json = false;
    bool keep = false; // keep the rooms the test created (default: delete them at the end)
    bool quiet = false;

    std::string jwtSecret;
    std::vector<std::string> tokens; // --tokens-file: used instead of minting
};

// Parses the arguments (argv[0] first). On error returns nullopt and sets *error; for --help
// and --version it prints and sets *exitNow.
std::optional<Options> parseOptions(const QStringList &arguments, std::string *error,
                                    bool *exitNow);

} // namespace Switchboard::LoadTest
